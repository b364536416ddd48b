import { heuristicNode } from "./heuristic/index.js";
import { natRouter } from "./nat-router/index.js";
import { KindRegistry } from "./registry.js";
import { sipMirror } from "./sip-mirror/index.js";
import { sbc } from "./sbc/index.js";
import { sipServer } from "./sip-server/index.js";
import { turnServer } from "./turn-server/index.js";
import { userAgent } from "./user-agent/index.js";
import { vpnGateway } from "./vpn-gateway/index.js";

/** The kinds callpath ships, one line each. */
export function builtinKinds(): KindRegistry {
  return new KindRegistry()
    .register(sipServer)
    .register(sbc)
    .register(natRouter)
    .register(userAgent)
    .register(turnServer)
    .register(sipMirror)
    .register(vpnGateway)
    .register(heuristicNode);
}
