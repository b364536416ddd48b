import net from "node:net";
import tls from "node:tls";
import { TransportState } from "sip.js/lib/api/transport-state.js";
import { TransportBase } from "./transport-base.js";
import { traceEntry, type SipTraceEntry } from "./sip-trace.js";
import { StreamFramer } from "./stream-framer.js";

export interface StreamTransportOptions {
  readonly protocol: "TCP" | "TLS";
  /** The proxy: every message goes over the one connection to it, and requests for us come back on it. */
  readonly host: string;
  readonly port: number;
  /** TLS: the lab CA and the name the server's certificate must carry. */
  readonly ca?: string;
  readonly servername?: string;
  readonly onTrace: (entry: SipTraceEntry) => void;
}

/**
 * SIP over TCP or TLS for sip.js, as a phone behind NAT does it: one connection to its proxy, kept open, over
 * which inbound requests arrive too (RFC 5626's flow, without the outbound extension). Reliable, so no
 * retransmission timers.
 */
export class StreamTransport extends TransportBase {
  private socket: net.Socket | undefined;
  private readonly peer: string;

  constructor(
    _logger: unknown,
    private readonly options: StreamTransportOptions,
  ) {
    super();
    this.peer = `${options.host}:${options.port}`;
  }

  get protocol(): string {
    return this.options.protocol;
  }
  /** The local port of the connection: what Via and Contact should name. */
  get localPort(): number | undefined {
    return this.socket?.localPort;
  }

  async connect(): Promise<void> {
    if (this.socket) return;
    const o = this.options;
    this.setState(TransportState.Connecting);
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s =
        o.protocol === "TLS"
          ? tls.connect({ host: o.host, port: o.port, ca: o.ca, servername: o.servername }, () => resolve(s))
          : net.connect({ host: o.host, port: o.port }, () => resolve(s));
      s.once("error", reject);
      s.setTimeout(10_000, () => s.destroy(new Error(`no ${o.protocol} connection to ${this.peer} within 10 s`)));
    });
    socket.setTimeout(0);
    socket.setKeepAlive(true, 10_000);
    const framer = new StreamFramer();
    socket.on("data", (chunk: Buffer) => {
      let messages: string[];
      try {
        messages = framer.push(chunk);
      } catch (e) {
        socket.destroy(e as Error);
        return;
      }
      for (const m of messages) {
        this.options.onTrace(traceEntry("received", this.peer, m));
        this.onMessage?.(m);
      }
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.socket = undefined;
      this.setState(TransportState.Disconnected);
      this.onDisconnect?.(new Error(`${o.protocol} connection to ${this.peer} closed`));
    });
    this.socket = socket;
    this.setState(TransportState.Connected);
    this.onConnect?.();
  }

  async disconnect(): Promise<void> {
    this.socket?.destroy();
    this.socket = undefined;
    this.setState(TransportState.Disconnected);
  }

  async send(message: string): Promise<void> {
    if (!this.socket) throw new Error(`${this.options.protocol} transport is not connected`);
    this.options.onTrace(traceEntry("sent", this.peer, message));
    this.socket.write(message);
  }
}
