import { readFile, readdir } from "node:fs/promises";
import type net from "node:net";
import { readMirrorResponse } from "../../mirror/mirror-response.js";
import { SipStreamFramer } from "../../common/sip-stream-framer.js";
import { command, connectTcp, connectTls, parseHostPort, PATIENT, QUICK, type Retransmit, sleep, StunStream, stunOverUdp, UdpEndpoint } from "./io.js";
import { algInvite, type BuiltRequest, controlSubscribe, responseFor, serverOptions, viaSource } from "./sip.js";
import {
  ATTR,
  bindingRequest,
  changeRequestAttr,
  encode,
  errorCode,
  formatAddress,
  longTermKey,
  METHOD,
  newTransactionId,
  otherAddress,
  requestedTransportAttr,
  textAttr,
  textOf,
  type TransportAddress,
  u32Attr,
  u32Of,
  xorMappedAddress,
  xorRelayedAddress,
} from "./stun.js";
import type { BindingObs, FlowObs, InterfaceObs, MirrorObs, MtuProbeResult, NatObs, RouteObs, TurnTcpObs } from "./verdicts.js";

// The probes themselves: each one sends, waits within its deadline, and returns what it saw. No verdicts
// here (verdicts.ts draws them).

// ------------------------------------------------------------------------------------------ routes

export async function routeTo(ip: string): Promise<RouteObs> {
  const r = await command("ip", ["-j", "route", "get", ip], 2000);
  try {
    const [route] = JSON.parse(r.stdout) as Array<{ dev?: string; gateway?: string; prefsrc?: string }>;
    return { to: ip, dev: route?.dev, gateway: route?.gateway, src: route?.prefsrc };
  } catch {
    return { to: ip };
  }
}

export async function interfaces(): Promise<InterfaceObs[]> {
  const names = await readdir("/sys/class/net").catch(() => [] as string[]);
  const num = async (name: string, what: string): Promise<number | undefined> => {
    const text = await readFile(`/sys/class/net/${name}/${what}`, "utf8").catch(() => "");
    return /^\d+\s*$/.test(text) ? Number(text) : undefined;
  };
  return Promise.all(names.filter((n) => n !== "lo").map(async (name) => ({ name, type: await num(name, "type"), mtu: await num(name, "mtu") })));
}

export async function mtuOf(dev: string | undefined): Promise<number | undefined> {
  if (!dev) return undefined;
  const text = await readFile(`/sys/class/net/${dev}/mtu`, "utf8").catch(() => "");
  return /^\d+\s*$/.test(text) ? Number(text) : undefined;
}

// ------------------------------------------------------------------------------------------ ICMP

/** An echo with DF set, `size` bytes of IP packet (20 IP + 8 ICMP + payload), three tries. */
export async function pingDf(ip: string, size: number): Promise<MtuProbeResult> {
  const r = await command("ping", ["-n", "-M", "do", "-c", "3", "-i", "0.2", "-W", "1", "-s", String(size - 28), ip], 4000);
  const text = `${r.stdout}\n${r.stderr}`;
  const hint = /mtu\s*=\s*(\d+)/i.exec(text)?.[1];
  return { reply: r.code === 0 && /[1-9]\d* received/.test(text), ...(hint ? { mtuHint: Number(hint) } : {}) };
}

/** Routers between the seat and `ip`: 0 or 1 when a TTL of 1 or 2 reached it, 2 meaning "two or more", undefined when ICMP does not answer. */
export async function routersTo(ip: string): Promise<number | undefined> {
  const ping = (ttl: number) => command("ping", ["-n", "-q", "-c", "2", "-i", "0.2", "-W", "1", "-t", String(ttl), ip], 3000).then((r) => r.code === 0);
  const [one, two, any] = await Promise.all([ping(1), ping(2), ping(64)]);
  if (one) return 0;
  if (two) return 1;
  return any ? 2 : undefined;
}

// ------------------------------------------------------------------------------------------ SIP

export interface SipTargets {
  readonly seatAddress: string;
  readonly mirror?: string;
  readonly sipServer: string;
  readonly sipTlsPort: number;
}

const RTP_PORT = 49170;

async function udpSip(
  to: TransportAddress,
  build: (localPort: number) => BuiltRequest,
  r: Retransmit,
): Promise<{ sent: string; response?: string; why?: string }> {
  const ep = await UdpEndpoint.open();
  try {
    const req = build(ep.port);
    const answer = await ep.request(to, Buffer.from(req.message, "latin1"), (buf) => responseFor(buf.toString("latin1"), req.callId), r);
    return {
      sent: req.message,
      ...(answer ? { response: answer.text } : { why: `no response within ${r.timeoutMs} ms (${r.resendAt.length} retransmissions)` }),
    };
  } finally {
    ep.close();
  }
}

/** Reads SIP responses off a stream until one answers `callId`, the stream ends, or the timeout. */
function streamResponse(socket: net.Socket, callId: string, timeoutMs: number): Promise<{ text?: string; why?: string }> {
  return new Promise((resolve) => {
    const framer = new SipStreamFramer();
    const done = (v: { text?: string; why?: string }): void => {
      clearTimeout(timer);
      socket.removeAllListeners("data");
      resolve(v);
    };
    const timer = setTimeout(() => done({ why: `no response within ${timeoutMs} ms` }), timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      const { messages, error } = framer.push(chunk);
      for (const m of messages) {
        const r = responseFor(m.toString("latin1"), callId);
        if (r) return done({ text: r.text });
      }
      if (error) done({ why: error });
    });
    socket.once("close", () => done({ why: "the connection was closed" }));
  });
}

/** The connection's send MSS, from `ss` (what the kernel will put in one segment). */
async function sendMss(socket: net.Socket): Promise<number | undefined> {
  const r = await command("ss", ["-Htin", "dst", `${socket.remoteAddress}:${socket.remotePort}`], 2000);
  const blocks = r.stdout.split(/\n(?=\S)/);
  const mine = blocks.find((b) => b.includes(`:${socket.localPort} `) || b.includes(`:${socket.localPort}\t`));
  const mss = /\bmss:(\d+)/.exec(mine ?? "")?.[1];
  return mss ? Number(mss) : undefined;
}

async function tcpMirror(to: TransportAddress, seat: string, timeoutMs: number): Promise<MirrorObs> {
  const conn = await connectTcp(to, Math.min(2000, timeoutMs));
  if (!conn.ok) return { transport: "tcp", port: to.port, sent: "", why: conn.why };
  const s = conn.socket;
  try {
    const req = algInvite({ transport: "TCP", address: seat, port: s.localPort!, target: formatAddress(to) }, RTP_PORT);
    const mss = await sendMss(s);
    const pending = streamResponse(s, req.callId, timeoutMs);
    s.write(Buffer.from(req.message, "latin1"));
    const got = await pending;
    const answer = got.text ? readMirrorResponse(got.text) : undefined;
    return {
      transport: "tcp",
      port: to.port,
      sent: req.message,
      ...(mss ? { mss } : {}),
      ...(answer ? { answer } : { why: got.why ?? "the response is not the mirror's" }),
    };
  } finally {
    s.destroy();
  }
}

async function udpMirror(to: TransportAddress, seat: string): Promise<MirrorObs> {
  const got = await udpSip(to, (port) => algInvite({ transport: "UDP", address: seat, port, target: formatAddress(to) }, RTP_PORT), QUICK);
  const answer = got.response ? readMirrorResponse(got.response) : undefined;
  return { transport: "udp", port: to.port, sent: got.sent, ...(answer ? { answer } : { why: got.why ?? "the response is not the mirror's" }) };
}

export interface SipProbeResults {
  readonly udp5060?: MirrorObs;
  readonly tcp5060?: MirrorObs;
  readonly udp5080?: MirrorObs;
  readonly udpControl?: boolean;
  readonly serverView?: string;
  readonly serverViewWhy?: string;
}

export async function sipProbes(t: SipTargets): Promise<SipProbeResults> {
  const mirrorAt = (port: number): TransportAddress | undefined => (t.mirror ? { address: t.mirror, port } : undefined);
  const m5060 = mirrorAt(5060);
  const m5080 = mirrorAt(5080);
  const view = (async (): Promise<{ serverView?: string; serverViewWhy?: string }> => {
    const to = { address: t.sipServer, port: t.sipTlsPort };
    const conn = await connectTls(to, 4000);
    if (!conn.ok) return { serverViewWhy: conn.why };
    try {
      const req = serverOptions({ transport: "TLS", address: t.seatAddress, port: conn.socket.localPort!, target: formatAddress(to) });
      const pending = streamResponse(conn.socket, req.callId, 2000);
      conn.socket.write(req.message);
      const got = await pending;
      const r = got.text ? responseFor(got.text, req.callId) : undefined;
      const seen = r?.topVia ? viaSource(r.topVia) : undefined;
      return seen ? { serverView: seen } : { serverViewWhy: got.why ?? "no Via in the response" };
    } finally {
      conn.socket.destroy();
    }
  })();
  const control = m5080
    ? udpSip(m5080, (port) => controlSubscribe({ transport: "UDP", address: t.seatAddress, port, target: formatAddress(m5080) }), PATIENT).then(
        (r) => r.response !== undefined,
      )
    : Promise.resolve(undefined);
  const [udp5060, tcp5060, udp5080, udpControl, sv] = await Promise.all([
    m5060 ? udpMirror(m5060, t.seatAddress) : undefined,
    m5060 ? tcpMirror(m5060, t.seatAddress, 2500) : undefined,
    m5080 ? udpMirror(m5080, t.seatAddress) : undefined,
    control,
    view,
  ]);
  return { udp5060, tcp5060, udp5080, udpControl, ...sv };
}

// ------------------------------------------------------------------------------------------ STUN

export async function bindingUdp(to: TransportAddress, r: Retransmit = PATIENT): Promise<BindingObs> {
  const ep = await UdpEndpoint.open();
  try {
    const a = await stunOverUdp(ep, to, bindingRequest(), r);
    const mapped = a ? xorMappedAddress(a.msg) : undefined;
    return a
      ? { answered: true, ...(mapped ? { mapped: formatAddress(mapped) } : {}) }
      : { answered: false, why: `${r.resendAt.length + 1} requests, no answer in ${r.timeoutMs} ms` };
  } finally {
    ep.close();
  }
}

export async function bindingStream(to: TransportAddress, tlsToo: boolean, timeoutMs: number): Promise<BindingObs> {
  const conn = tlsToo ? await connectTls(to, Math.min(4000, timeoutMs)) : await connectTcp(to, Math.min(2000, timeoutMs));
  if (!conn.ok) return { answered: false, connected: false, why: conn.why };
  const stream = new StunStream(conn.socket);
  try {
    const answer = await stream.request(bindingRequest(), timeoutMs);
    const mapped = answer ? xorMappedAddress(answer) : undefined;
    return answer
      ? { answered: true, connected: true, ...(mapped ? { mapped: formatAddress(mapped) } : {}) }
      : { answered: false, connected: true, why: stream.closed ?? `no answer in ${timeoutMs} ms` };
  } finally {
    stream.destroy();
  }
}

export interface TurnCredentials {
  readonly username: string;
  readonly password: string;
  readonly realm?: string;
}

/** A TURN allocation over TCP with long-term credentials (401, then MESSAGE-INTEGRITY), released at once. */
export async function turnAllocateTcp(to: TransportAddress, cred: TurnCredentials, timeoutMs: number): Promise<TurnTcpObs> {
  const conn = await connectTcp(to, Math.min(2000, timeoutMs));
  if (!conn.ok) return { connected: false, responses: 0, why: conn.why };
  const stream = new StunStream(conn.socket);
  // The first answer may wait for a TCP retransmission on a lossy path; no answer is the evidence here.
  const step = Math.max(800, Math.floor(timeoutMs / 3));
  const firstStep = Math.max(step, 2000);
  try {
    const tid = newTransactionId();
    const first = await stream.request(
      {
        bytes: encode({ method: METHOD.allocate, cls: "request", transactionId: tid, attributes: [requestedTransportAttr()] }, { fingerprint: true }),
        transactionId: tid,
      },
      firstStep,
    );
    if (!first) return { connected: true, responses: stream.received, why: stream.closed ?? `no answer to Allocate in ${firstStep} ms` };
    let realm = textOf(first, ATTR.REALM) ?? cred.realm ?? "";
    let nonce = textOf(first, ATTR.NONCE) ?? "";
    const key = (): Buffer => longTermKey(cred.username, realm, cred.password);
    const signed = (method: number, attributes: ReturnType<typeof u32Attr>[]) => {
      const transactionId = newTransactionId();
      const all = [...attributes, textAttr(ATTR.USERNAME, cred.username), textAttr(ATTR.REALM, realm), textAttr(ATTR.NONCE, nonce)];
      return { bytes: encode({ method, cls: "request", transactionId, attributes: all }, { integrityKey: key(), fingerprint: true }), transactionId };
    };
    let answer = first;
    for (let attempt = 0; attempt < 2 && answer.cls === "error" && [401, 438].includes(errorCode(answer)?.code ?? 0); attempt++) {
      realm = textOf(answer, ATTR.REALM) ?? realm;
      nonce = textOf(answer, ATTR.NONCE) ?? nonce;
      const next = await stream.request(signed(METHOD.allocate, [requestedTransportAttr()]), step);
      if (!next) return { connected: true, responses: stream.received, why: stream.closed ?? `no answer to the authenticated Allocate in ${step} ms` };
      answer = next;
    }
    if (answer.cls !== "success") {
      const e = errorCode(answer);
      return { connected: true, responses: stream.received, why: `Allocate answered ${e ? `${e.code} ${e.reason}` : answer.cls}` };
    }
    const relayed = xorRelayedAddress(answer);
    const lifetime = u32Of(answer, ATTR.LIFETIME) ?? 0;
    const release = await stream.request(signed(METHOD.refresh, [u32Attr(ATTR.LIFETIME, 0)]), step);
    return {
      connected: true,
      responses: stream.received,
      allocated: { relayed: relayed ? formatAddress(relayed) : "?", lifetime },
      released: release?.cls === "success",
    };
  } finally {
    stream.destroy();
  }
}

// ------------------------------------------------------------------------------------------ RFC 5780

/**
 * RFC 5780 §4.3 (mapping, tests I-III) on one socket and §4.4 (filtering, tests I-III) on a second, fresh
 * one: the mapping tests send to the alternate address, which would open the filter for it and spoil the
 * filtering tests.
 */
export async function rfc5780(primary: TransportAddress, alt: TransportAddress | undefined, localIp: string | undefined): Promise<NatObs> {
  const [mapSock, filterSock] = await Promise.all([UdpEndpoint.open(), UdpEndpoint.open()]);
  try {
    const mapping = (async () => {
      const t1 = await stunOverUdp(mapSock, primary, bindingRequest(), QUICK);
      if (!t1) return { why: "test I got no answer" };
      const mapped = xorMappedAddress(t1.msg);
      if (!mapped) return { why: "test I's answer has no XOR-MAPPED-ADDRESS" };
      const other = otherAddress(t1.msg);
      const test1 = { mapped: formatAddress(mapped), ...(other ? { other: formatAddress(other) } : {}) };
      const local = localIp ? `${localIp}:${mapSock.port}` : undefined;
      if (!other || !alt || test1.mapped === local) return { test1, local };
      // Tests II and III, and the primary address's other port: the last two also show that replies from
      // those sources cross the path at all, which the filtering tests' negative answers depend on.
      const mappedOf = (a: Awaited<ReturnType<typeof stunOverUdp>>): string | null =>
        a ? formatAddress(xorMappedAddress(a.msg) ?? { address: "?", port: 0 }) : null;
      const [m2, m3, m4] = await Promise.all([
        stunOverUdp(mapSock, { address: other.address, port: primary.port }, bindingRequest(), QUICK),
        stunOverUdp(mapSock, other, bindingRequest(), QUICK),
        stunOverUdp(mapSock, { address: primary.address, port: other.port }, bindingRequest(), QUICK),
      ]);
      return { test1, test2: mappedOf(m2), test3: mappedOf(m3), local, reach: { altBoth: !!m3, altPort: !!m4 } };
    })();
    const filtering = (async (): Promise<NatObs["filter"]> => {
      const t1 = await stunOverUdp(filterSock, primary, bindingRequest(), QUICK);
      const other = t1 ? otherAddress(t1.msg) : undefined;
      if (!t1 || !other || !alt) return { test1: !!t1, changeBoth: false, changePort: false };
      // Five sends each: no answer is the evidence here, so loss must not pass for filtering.
      const [both, port] = await Promise.all([
        stunOverUdp(filterSock, primary, bindingRequest([changeRequestAttr({ ip: true, port: true })]), PATIENT),
        stunOverUdp(filterSock, primary, bindingRequest([changeRequestAttr({ ip: false, port: true })]), PATIENT),
      ]);
      const wrong: string[] = [];
      const fromOther = both && both.from.address === other.address && both.from.port === other.port;
      if (both && !fromOther) wrong.push(`CHANGE-REQUEST ip+port answered from ${formatAddress(both.from)}, not ${formatAddress(other)}`);
      const fromPort = port && port.from.address === primary.address && port.from.port === other.port;
      if (port && !fromPort) wrong.push(`CHANGE-REQUEST port answered from ${formatAddress(port.from)}, not ${primary.address}:${other.port}`);
      for (const a of [both, port]) if (a?.msg.cls === "error") wrong.push(`CHANGE-REQUEST refused: ${errorCode(a.msg)?.code ?? "?"}`);
      // The flow must still be alive after all that, or its silence is a killed flow's.
      const alive = !!(await stunOverUdp(filterSock, primary, bindingRequest(), QUICK));
      return { test1: true, alive, changeBoth: !!fromOther, changePort: !!fromPort, ...(wrong.length ? { misdirected: wrong.join("; ") } : {}) };
    })();
    const [m, filter] = await Promise.all([mapping, filtering]);
    return { ...m, ...(alt ? { alt: formatAddress(alt) } : {}), filter };
  } finally {
    mapSock.close();
    filterSock.close();
  }
}

// ------------------------------------------------------------------------------------------ late verdict

interface FlowDriver {
  readonly label: string;
  /** Sends request n; calls back when answered. */
  send(onAnswer: () => void): void;
  close(): void;
}

async function udpFlow(to: TransportAddress, label: string): Promise<FlowDriver> {
  const ep = await UdpEndpoint.open();
  return {
    label,
    send(onAnswer) {
      const req = bindingRequest();
      void stunOverUdp(ep, to, req, { resendAt: [], timeoutMs: 1000 }).then((a) => a && onAnswer());
    },
    close: () => ep.close(),
  };
}

async function tcpFlow(to: TransportAddress, label: string): Promise<FlowDriver | undefined> {
  const conn = await connectTcp(to, 1500);
  if (!conn.ok) return undefined;
  const stream = new StunStream(conn.socket);
  return {
    label,
    send(onAnswer) {
      void stream.request(bindingRequest(), 1000).then((a) => a && onAnswer());
    },
    close: () => stream.destroy(),
  };
}

/**
 * One long flow of STUN bindings (every `intervalMs`, for up to `durationMs`): if it answered and then
 * went silent for a second, a fresh flow is started beside it; a fresh flow answered while the old one
 * stays silent is what a late verdict looks like (loss or an outage would silence both).
 */
export async function lateFlow(open: () => Promise<FlowDriver | undefined>, durationMs: number, intervalMs = 10): Promise<FlowObs | undefined> {
  const flow = await open();
  if (!flow) return undefined;
  const t0 = Date.now();
  let sent = 0;
  let answered = 0;
  let lastAnswer = 0;
  let sentAtLastAnswer = 0;
  let fresh: FlowDriver | undefined;
  let freshAnswered = false;
  let oldAnsweredDuringFresh = false;
  try {
    while (Date.now() - t0 < durationMs) {
      flow.send(() => {
        answered++;
        lastAnswer = Date.now();
        sentAtLastAnswer = sent;
        if (fresh) oldAnsweredDuringFresh = true;
      });
      sent++;
      const silentMs = answered > 0 ? Date.now() - lastAnswer : 0;
      if (!fresh && answered >= 3 && silentMs >= 1000) {
        fresh = await open();
        const freshStart = Date.now();
        for (let i = 0; fresh && i < 10 && !freshAnswered; i++) {
          fresh.send(() => {
            freshAnswered = true;
          });
          flow.send(() => {
            oldAnsweredDuringFresh = true;
          });
          sent++;
          await sleep(100);
        }
        await sleep(Math.max(0, 300 - (Date.now() - freshStart)));
        break;
      }
      await sleep(intervalMs);
    }
    await sleep(300);
    const end = Date.now();
    const silentMs = answered > 0 ? end - lastAnswer : end - t0;
    return {
      label: flow.label,
      sent,
      answered,
      silentMs: silentMs >= 1000 ? silentMs : 0,
      sentWhileSilent: silentMs >= 1000 ? sent - sentAtLastAnswer : 0,
      freshAnswered,
      oldSilentDuringFresh: !!fresh && !oldAnsweredDuringFresh,
      durationMs: end - t0,
    };
  } finally {
    flow.close();
    fresh?.close();
  }
}

export function lateFlows(stun: TransportAddress, durationMs: number): Promise<Array<FlowObs | undefined>> {
  return Promise.all([
    lateFlow(() => udpFlow(stun, "STUN bindings over UDP, one flow"), durationMs),
    lateFlow(() => tcpFlow(stun, "STUN bindings over TCP, one connection"), durationMs),
  ]);
}

export { parseHostPort };
