import type { StartedLab } from "../lab/started-lab.js";
import { sipServerRef, userAgent } from "../kinds/user-agent/index.js";
import { sipMirror } from "../kinds/sip-mirror/index.js";
import { turnServerOf } from "./truth.js";
import type { UserAgentSpec } from "../kinds/user-agent/index.js";
import { SIP_DOMAIN } from "../kinds/sip-server/index.js";
import { SIP_LISTENERS } from "../kinds/sip-server/kamailio-files.js";
import { TURN_PORTS, TURN_REALM } from "../kinds/turn-server/coturn-config.js";
import { MIRROR_PORTS } from "../kinds/sip-mirror/index.js";
import { LabError } from "../common/errors.js";
import type { HeuristicEnv } from "./contract.js";

/** The endpoints a heuristic on `seat` is given (README "Diagnostic heuristics"): the lab's own, nothing outside. */
export function heuristicEnv(lab: StartedLab, seat: string, limitMs: number): HeuristicEnv {
  const node = lab.topology.nodes.get(seat);
  if (!node || node.kind !== userAgent.name)
    throw new LabError(`seat "${seat}" is not a user agent in topology "${lab.topology.name}"; seats: ${lab.nodesOf(userAgent).join(", ")}`);
  const sip = sipServerRef(node);
  const mirror = lab.nodesOf(sipMirror)[0];
  const turn = turnServerOf(lab.topology, node.spec as UserAgentSpec) ?? undefined;
  const turnIp = turn ? lab.addressOf(turn) : "";
  const alt = turn ? (lab.addressesOf(turn)[1] ?? "") : "";
  const credential = lab.node(seat).secrets.turn;
  const L = SIP_LISTENERS;
  return {
    CALLPATH_SEAT: seat,
    CALLPATH_SEAT_ADDRESS: lab.addressOf(seat),
    CALLPATH_SIP_SERVER: lab.addressOf(sip),
    CALLPATH_SIP_DOMAIN: SIP_DOMAIN,
    CALLPATH_SIP_PORTS: `udp=${L.udp},tcp=${L.tcp},tls=${L.tls},ws=${L.ws},wss=${L.wss},udp-alt=${L.udpAlt}`,
    CALLPATH_SIP_MIRROR: mirror ? lab.addressOf(mirror) : "",
    CALLPATH_SIP_MIRROR_PORTS: mirror ? MIRROR_PORTS.join(",") : "",
    CALLPATH_STUN: turn ? `${turnIp}:${TURN_PORTS.plain}` : "",
    CALLPATH_STUN_ALT: alt ? `${alt}:${TURN_PORTS.plain + 1}` : "",
    CALLPATH_TURN_TLS: turn ? `${turnIp}:${TURN_PORTS.tls443},${turnIp}:${TURN_PORTS.tls}` : "",
    CALLPATH_TURN_USERNAME: turn ? credential.username : "",
    CALLPATH_TURN_PASSWORD: turn ? credential.password : "",
    CALLPATH_TURN_REALM: turn ? TURN_REALM : "",
    CALLPATH_TIME_LIMIT_MS: String(limitMs),
  };
}
