import type { HeuristicEnv } from "../contract.js";
import { parseHostPort } from "./io.js";
import { bindingStream, bindingUdp, interfaces, lateFlows, mtuOf, pingDf, rfc5780, routersTo, routeTo, sipProbes, turnAllocateTcp } from "./probes.js";
import { lateVerdict, natVerdicts, searchMtu, sipAlgVerdicts, stunOverTcpVerdict, udpBlockedVerdict, type Verdicts, vpnVerdicts } from "./verdicts.js";

// callpath's reference probe: every probe at once (they are independent), each within its own deadline,
// then the verdicts from what they saw. A probe that did not finish in time leaves its questions
// inconclusive; nothing waits past the time limit.

export const NAME = "callpath-reference";
export const VERSION = "1";

const inconclusive = (evidence: string) => ({ verdict: "inconclusive" as const, evidence });

function portOf(list: string | undefined, key: string, fallback: number): number {
  const m = new RegExp(`(?:^|,)${key}=(\\d+)`).exec(list ?? "");
  return m ? Number(m[1]) : fallback;
}

export async function runReference(env: Partial<HeuristicEnv>, now = Date.now()): Promise<Verdicts> {
  const limit = Number(env.CALLPATH_TIME_LIMIT_MS) || 30_000;
  // Leave the runner time to read us: finish well before the limit, and within 20 s on any path.
  const budget = Math.min(limit - 3000, 20_000);
  const lateMs = Math.min(8000, budget - 3000);
  const stun = parseHostPort(env.CALLPATH_STUN);
  const alt = parseHostPort(env.CALLPATH_STUN_ALT);
  const tls = parseHostPort(env.CALLPATH_TURN_TLS?.split(",")[0]);
  const sipServer = env.CALLPATH_SIP_SERVER ?? "";
  const mirror = env.CALLPATH_SIP_MIRROR || undefined;
  const cred = { username: env.CALLPATH_TURN_USERNAME ?? "", password: env.CALLPATH_TURN_PASSWORD ?? "", realm: env.CALLPATH_TURN_REALM };

  const verdicts: Verdicts = {};
  const jobs: Array<Promise<void>> = [];
  const job = (questions: readonly (keyof Verdicts)[], work: () => Promise<Verdicts>): void => {
    jobs.push(
      work().then(
        (got) => void Object.assign(verdicts, got),
        (e: Error) => {
          for (const q of questions) verdicts[q] = inconclusive(`the probe failed: ${e.message}`);
        },
      ),
    );
  };

  const [sipRoute, mirrorRoute, turnRoute] = await Promise.all([
    routeTo(sipServer),
    mirror ? routeTo(mirror) : undefined,
    stun ? routeTo(stun.address) : undefined,
  ]);
  // The address the seat's packets carry towards the mirror (a tunnel's, on a VPN client): what an ALG hunts for.
  const seatAddress = mirrorRoute?.src ?? sipRoute.src ?? env.CALLPATH_SEAT_ADDRESS ?? "0.0.0.0";

  // Reachability first, as its results feed two questions.
  const reach = stun
    ? Promise.all([
        bindingUdp(stun),
        bindingStream(stun, false, 2000),
        tls ? bindingStream(tls, true, 4000) : Promise.resolve({ answered: false, why: "no TURN over TLS in this lab" }),
      ])
    : undefined;
  const sip = sipProbes({ seatAddress, mirror, sipServer, sipTlsPort: portOf(env.CALLPATH_SIP_PORTS, "tls", 5061) });

  job(["sipAlg", "sipAlgUdp", "sipAlgTcp"], async () => {
    const s = await sip;
    const sameLocalRoute = !mirrorRoute || (mirrorRoute.dev === sipRoute.dev && mirrorRoute.gateway === sipRoute.gateway);
    return sipAlgVerdicts({
      udp5060: s.udp5060,
      tcp5060: s.tcp5060,
      udp5080: s.udp5080,
      serverView: s.serverView,
      serverViewWhy: s.serverViewWhy,
      sameLocalRoute,
    });
  });

  if (stun && reach) {
    job(["udpBlocked"], async () => {
      const [udp, tcp, tlsB] = await reach;
      const s = await sip;
      return {
        udpBlocked: udpBlockedVerdict({ udp, tcp, tls: tlsB, udpControl: s.udpControl, mirrorTcp: s.tcp5060 ? s.tcp5060.answer !== undefined : undefined }),
      };
    });
    job(["stunOverTcpBlocked"], async () => {
      const [turn, [, , tlsB]] = await Promise.all([turnAllocateTcp(stun, cred, 3000), reach]);
      return { stunOverTcpBlocked: stunOverTcpVerdict(turn, tlsB) };
    });
    job(["natMapping", "natFiltering", "natType"], async () => {
      const altRoute = alt ? await routeTo(alt.address) : undefined;
      const same = !altRoute || !turnRoute || (altRoute.dev === turnRoute.dev && altRoute.gateway === turnRoute.gateway && altRoute.src === turnRoute.src);
      const obs = await rfc5780(stun, alt, turnRoute?.src);
      return natVerdicts(
        same
          ? obs
          : { ...obs, altRouteDiffers: `the seat routes the other address ${alt!.address} via ${altRoute!.dev} but the primary via ${turnRoute!.dev}` },
      );
    });
    if (lateMs >= 3000)
      job(["lateVerdict"], async () => {
        const flows = (await lateFlows(stun, lateMs)).filter((f) => f !== undefined);
        const late = lateVerdict(flows);
        return late ? { lateVerdict: late } : {};
      });
    job(["pathMtu"], async () => {
      const localMtu = await mtuOf(turnRoute?.dev);
      if (!localMtu) return { pathMtu: inconclusive(`the MTU of the route's interface (${turnRoute?.dev ?? "?"}) could not be read`) };
      const found = await searchMtu(localMtu, (size) => pingDf(stun.address, size));
      return {
        pathMtu: found.mtu !== undefined ? { verdict: found.mtu, evidence: `ICMP echo to the TURN server with DF set: ${found.how}` } : inconclusive(found.how),
      };
    });
  } else {
    for (const q of ["udpBlocked", "stunOverTcpBlocked", "natMapping", "natFiltering", "natType", "pathMtu"] as const)
      verdicts[q] = inconclusive("no STUN/TURN server in this lab (CALLPATH_STUN is empty)");
  }

  job(["vpn", "vpnMode"], async () => {
    const [ifaces, outside, routersToSip, routersToTurn, udp] = await Promise.all([
      interfaces(),
      Promise.all([routeTo("1.0.0.1"), routeTo("129.0.0.1")]),
      sipServer ? routersTo(sipServer) : undefined,
      stun ? routersTo(stun.address) : undefined,
      reach?.then(([u]) => u),
    ]);
    return vpnVerdicts({ interfaces: ifaces, sip: sipRoute, turn: turnRoute, outside, routersToSip, routersToTurn, reflexive: udp?.mapped });
  });

  const deadline = new Promise<void>((resolve) => setTimeout(resolve, Math.max(1000, budget - (Date.now() - now))).unref());
  await Promise.race([Promise.all(jobs), deadline]);
  for (const q of [
    "sipAlg",
    "sipAlgUdp",
    "sipAlgTcp",
    "udpBlocked",
    "stunOverTcpBlocked",
    "natMapping",
    "natFiltering",
    "natType",
    "vpn",
    "vpnMode",
    "pathMtu",
  ] as const)
    verdicts[q] ??= inconclusive(`the probe did not finish within ${budget} ms`);
  return verdicts;
}
