import dgram from "node:dgram";
import { Grammar } from "sip.js/lib/core/index.js";
import { TransportState } from "sip.js/lib/api/transport-state.js";
import { looksLikeStun } from "../diagnose/reference/stun.js";
import { keepaliveAnswer, keepaliveProbe, type KeepaliveKind, type KeepaliveTarget, KeepaliveTracker } from "./keepalive.js";
import { Retransmitter } from "./retransmitter.js";
import { TransportBase } from "./transport-base.js";
import { headerValue, traceEntry, type SipTraceEntry } from "./sip-trace.js";
import { topVia, viaSource } from "./via.js";

export interface UdpTransportOptions {
  readonly address: string;
  readonly port: number;
  /** Called for every message on the wire, retransmissions included. */
  readonly onTrace: (entry: SipTraceEntry) => void;
}

const DEFAULT_SIP_PORT = 5060;

/** Where a request goes (RFC 3261 §8.1.2 / §16.12): the first Route if there is one, else the Request-URI. */
export function requestDestination(raw: string): { host: string; port: number } {
  const route = headerValue(raw, "route");
  const firstLine = raw.slice(0, raw.indexOf("\r\n"));
  const target = route
    ? route
        .split(",")[0]!
        .trim()
        .replace(/^<|>.*$/g, "")
    : (firstLine.split(" ")[1] ?? "");
  const uri = Grammar.URIParse(target);
  if (!uri) throw new Error(`cannot route request: no usable URI in "${target}"`);
  return { host: uri.host, port: uri.port ?? DEFAULT_SIP_PORT };
}

/** Where a response goes (RFC 3261 §18.2.2 with RFC 3581): top Via's received/rport, else its sent-by. */
export function responseDestination(raw: string): { host: string; port: number } {
  const via = topVia(raw);
  if (!via) throw new Error(`cannot route response: unparsable Via "${headerValue(raw, "via", "v")}"`);
  return viaSource(via);
}

/**
 * sip.js writes its Via sent-by without a port; responses would then go to 5060 (RFC 3261 §18.2.2) and an
 * ALG that compares Via with the packet's source port would see a mismatch. State the real port.
 */
export function withViaPort(raw: string, port: number): string {
  return raw.replace(/^(Via:\s*SIP\/2\.0\/UDP\s+)([^;:\s]+)(;)/im, `$1$2:${port}$3`);
}

/** The inverse for responses: sip.js drops a response whose Via carries a port it did not write. */
export function withoutViaPort(raw: string, port: number): string {
  return raw.replace(new RegExp(`^(Via:\\s*SIP\\/2\\.0\\/UDP\\s+[^;:\\s]+):${port}(;)`, "im"), "$1$2");
}

function transactionKey(raw: string): { branch: string; method: string } {
  const branch = topVia(raw)?.branch ?? "";
  const method = headerValue(raw, "cseq").split(/\s+/)[1]?.toUpperCase() ?? "";
  return { branch, method };
}

/**
 * SIP over UDP for sip.js. sip.js assumes a reliable transport, so this adds what UDP needs:
 * request and error-response retransmission (RFC 3261 Timers A, E, G) and routing by Route / Request-URI / Via.
 */
export class UdpTransport extends TransportBase {
  readonly protocol = "UDP";
  private socket: dgram.Socket | undefined;
  private readonly retransmitter = new Retransmitter();
  private readonly probes = new Map<string, (response: string) => void>();
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private keepalive: { readonly tracker: KeepaliveTracker; readonly onAddressChange: (publicAddress: string) => void } | undefined;

  // sip.js constructs transports as `new transportConstructor(logger, transportOptions)`.
  constructor(
    _logger: unknown,
    private readonly options: UdpTransportOptions,
  ) {
    super();
  }

  async connect(): Promise<void> {
    if (this.socket) return;
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(this.options.port, this.options.address, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    socket.on("error", () => undefined); // ICMP unreachable on UDP: the timers decide, not the socket
    socket.on("message", (msg, rinfo) => this.receiveDatagram(msg, `${rinfo.address}:${rinfo.port}`));
    this.socket = socket;
    this.setState(TransportState.Connected);
    this.onConnect?.();
  }

  async disconnect(): Promise<void> {
    this.retransmitter.stopAll();
    clearInterval(this.keepaliveTimer);
    this.socket?.close();
    this.socket = undefined;
    this.setState(TransportState.Disconnected);
    this.onDisconnect?.();
  }

  async send(original: string): Promise<void> {
    const socket = this.socket;
    if (!socket) throw new Error("UDP transport is not connected");
    const isResponse = original.startsWith("SIP/2.0 ");
    const message = isResponse ? original : withViaPort(original, this.options.port);
    const to = isResponse ? responseDestination(message) : requestDestination(message);
    const peer = `${to.host}:${to.port}`;
    const transmit = (retransmission: boolean): void => {
      this.options.onTrace(traceEntry("sent", peer, message, retransmission));
      socket.send(message, to.port, to.host);
    };
    transmit(false);
    const { branch, method } = transactionKey(message);
    if (!branch) return;
    const key = `${branch}|${method}`;
    if (!isResponse && method !== "ACK") {
      this.retransmitter.track({ key, kind: method === "INVITE" ? "invite-request" : "non-invite-request", resend: () => transmit(true) });
    } else if (isResponse && method === "INVITE" && Number(message.slice(8, 11)) >= 300) {
      this.retransmitter.track({ key, kind: "invite-error-response", resend: () => transmit(true) });
    }
  }

  /**
   * Sends a hand-made request outside sip.js's transactions (a probe to a SIP mirror) and resolves with the
   * first response to its branch, or null. Resent on Timer A's schedule (500 ms doubling) like any request.
   */
  probe(message: string, branch: string, host: string, port: number, timeoutMs: number): Promise<string | null> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error("UDP transport is not connected"));
    return new Promise((resolve) => {
      const timers: NodeJS.Timeout[] = [];
      const done = (response: string | null): void => {
        timers.forEach(clearTimeout);
        this.probes.delete(branch);
        resolve(response);
      };
      this.probes.set(branch, done);
      for (let at = 0, gap = 500, n = 0; at < timeoutMs; at += gap, gap *= 2, n++) {
        timers.push(
          setTimeout(() => {
            this.options.onTrace(traceEntry("sent", `${host}:${port}`, message, n > 0));
            socket.send(message, port, host);
          }, at),
        );
      }
      timers.push(setTimeout(() => done(null), timeoutMs));
    });
  }

  /**
   * Keep-alives of `kind` to the proxy every `intervalMs`, as phones send them to hold NAT pinholes open.
   * `onAddressChange` hears of an answer that reports another public address than the one registered from.
   */
  startKeepalive(kind: KeepaliveKind, target: KeepaliveTarget, intervalMs: number, onAddressChange: (publicAddress: string) => void): KeepaliveTracker {
    clearInterval(this.keepaliveTimer);
    const tracker = new KeepaliveTracker(kind);
    const { host, port } = target.proxy;
    const peer = `${host}:${port}`;
    let seq = 0;
    this.keepalive = { tracker, onAddressChange };
    this.keepaliveTimer = setInterval(() => {
      const probe = keepaliveProbe(kind, target, ++seq);
      tracker.onSent(probe);
      if (kind === "options") this.options.onTrace(traceEntry("sent", peer, probe.bytes.toString("utf8")));
      this.socket?.send(probe.bytes, port, host);
    }, intervalMs);
    return tracker;
  }

  private receiveDatagram(datagram: Buffer, peer: string): void {
    const k = this.keepalive;
    const answer = k ? keepaliveAnswer(datagram) : null;
    if (k && answer && k.tracker.awaits(answer.key)) {
      if (k.tracker.kind === "options") this.options.onTrace(traceEntry("received", peer, datagram.toString("utf8")));
      if (k.tracker.onAnswer(answer.key, answer.publicAddress)) k.onAddressChange(answer.publicAddress);
      return;
    }
    if (looksLikeStun(datagram)) return; // never SIP (RFC 5626 §5.4 demultiplexing)
    this.receive(datagram.toString("utf8"), peer);
  }

  private receive(message: string, peer: string): void {
    if (!message.trim()) return; // CRLF keep-alives (RFC 5626)
    this.options.onTrace(traceEntry("received", peer, message));
    const { branch, method } = transactionKey(message);
    const key = `${branch}|${method}`;
    const probe = this.probes.get(branch);
    if (probe && message.startsWith("SIP/2.0 ")) return probe(message);
    if (message.startsWith("SIP/2.0 ")) {
      this.retransmitter.onResponse(key, Number(message.slice(8, 11)));
      this.onMessage?.(withoutViaPort(message, this.options.port));
      return;
    }
    if (method === "ACK") this.retransmitter.onAck(`${branch}|INVITE`);
    this.onMessage?.(message);
  }
}
