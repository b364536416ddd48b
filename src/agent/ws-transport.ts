// SIP over WebSocket (RFC 7118) for the agent: sip.js's own browser transport over the `ws` package,
// trusting only the lab CA, with every message recorded for the call's SIP trace.
import WebSocket from "ws";
import { Transport } from "sip.js/lib/platform/web/index.js";
import { traceEntry, type SipTraceEntry } from "./sip-trace.js";

/** Makes `globalThis.WebSocket` the `ws` client, with the lab CA and the server's certificate name. */
export function installWebSocket(tls: { ca: string; servername: string }): void {
  (globalThis as Record<string, unknown>).WebSocket = class LabWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      // ws hands servername to tls.connect: the certificate is checked against the server's name, not its address.
      super(url, protocols, { ca: tls.ca, servername: tls.servername } as WebSocket.ClientOptions);
    }
  };
}

export interface TracedTransportOptions {
  readonly server: string;
  readonly onTrace: (entry: SipTraceEntry) => void;
}

/** sip.js's WebSocket transport, recording what it sends and receives. */
export class TracedWebSocketTransport extends Transport {
  constructor(logger: never, options: TracedTransportOptions) {
    super(logger, { server: options.server, connectionTimeout: 10, keepAliveInterval: 0 });
    const peer = options.server.replace(/^wss?:\/\//, "");
    let handler: ((message: string) => void) | undefined;
    // The user agent assigns onMessage after construction: wrap whatever it assigns.
    Object.defineProperty(this, "onMessage", {
      configurable: true,
      get: () => (handler ? (m: string) => (options.onTrace(traceEntry("received", peer, m)), handler!(m)) : undefined),
      set: (h: ((message: string) => void) | undefined) => (handler = h),
    });
    const send = this.send.bind(this);
    this.send = (message: string) => {
      options.onTrace(traceEntry("sent", peer, message));
      return send(message);
    };
  }
}
