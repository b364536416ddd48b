import type { z } from "zod";
import type { Issue } from "../common/errors.js";
import { contains, formatCidr, formatIp, hostAt, overlaps, parseCidr, parseIp, size, type Cidr } from "../common/ipv4.js";
import type { KindRegistry } from "../kinds/registry.js";
import { byDirection, type EngineChoice, type LinkImpairments } from "../impair/model.js";
import type { NetworkSchema } from "./schema.js";
import type { ResolvedInterface, ResolvedNetwork, ResolvedNode, ResolvedTopology } from "./types.js";

interface Header {
  readonly name: string;
  readonly description: string | undefined;
  readonly impairmentEngine?: EngineChoice;
  readonly networks: Record<string, z.infer<typeof NetworkSchema>>;
}
type NodeSpec = Record<string, unknown> & { kind: string; addresses?: Record<string, string>; impair?: Record<string, LinkImpairments> };

/** Smallest subnet the pool hands out; also the largest number of hosts an unsized network may have. */
export const POOL_PREFIX = { public: 27, private: 24 } as const;

/** Cross-field rules: references, addresses, subnets. Returns the resolved topology only when clean. */
export function checkTopology(
  file: string,
  header: Header,
  specs: ReadonlyMap<string, NodeSpec>,
  kinds: KindRegistry,
  declared: { networks: readonly string[]; nodes: readonly string[] } = { networks: Object.keys(header.networks), nodes: [...specs.keys()] },
): { topology?: ResolvedTopology; issues: Issue[] } {
  const issues: Issue[] = [];
  const networks = new Map<string, ResolvedNetwork>();
  const netNames = Object.keys(header.networks);
  const declaredNets = declared.networks;

  for (const [name, net] of Object.entries(header.networks)) {
    const path = `networks.${name}`;
    let subnet: Cidr | null = null;
    if (net.subnet !== undefined) {
      subnet = parseCidr(net.subnet);
      if (!subnet) issues.push({ path: `${path}.subnet`, message: `"${net.subnet}" is not an IPv4 network in CIDR form (e.g. 10.10.1.0/24, host bits zero)` });
      else if (subnet.prefix > 29) issues.push({ path: `${path}.subnet`, message: "must be /29 or larger: the bridge gateway and the nodes need addresses" });
    }
    for (const other of networks.values()) {
      if (subnet && other.subnet && overlaps(subnet, other.subnet)) {
        issues.push({ path: `${path}.subnet`, message: `overlaps networks.${other.name} (${formatCidr(other.subnet)})` });
      }
    }
    networks.set(name, { name, subnet, public: net.public });
  }

  const nodes = new Map<string, ResolvedNode>();
  const nextHost = new Map<string, number>(netNames.map((n) => [n, 1]));
  const taken = new Map<string, Map<number, string>>(netNames.map((n) => [n, new Map()]));

  for (const [name, spec] of specs) {
    const path = `nodes.${name}`;
    const kind = kinds.get(spec.kind);
    const attachments = kind.attachments(spec as never);
    const interfaces: ResolvedInterface[] = [];
    for (const a of attachments) {
      const net = networks.get(a.network);
      if (!net) {
        if (!declaredNets.includes(a.network)) {
          issues.push({ path: `${path}.${a.role === "default" ? "network" : a.role}`, message: `unknown network "${a.network}"; declared: ${declaredNets.join(", ") || "(none)"}` });
        }
        continue;
      }
      if (interfaces.some((i) => i.network === a.network)) {
        issues.push({ path, message: `joins network "${a.network}" twice` });
        continue;
      }
      const fixed = spec.addresses?.[a.network];
      if (fixed !== undefined) {
        const ip = parseIp(fixed);
        const apath = `${path}.addresses.${a.network}`;
        if (ip === null) issues.push({ path: apath, message: `"${fixed}" is not an IPv4 address` });
        else if (!net.subnet) issues.push({ path: apath, message: `network "${a.network}" has no declared subnet; declare one to use fixed addresses` });
        else if (!contains(net.subnet, ip)) issues.push({ path: apath, message: `${fixed} is outside ${a.network} (${formatCidr(net.subnet)})` });
        else if (ip === net.subnet.network || ip >= lastHost(net.subnet)) {
          issues.push({ path: apath, message: `${fixed} is reserved (network address, broadcast, or the bridge gateway ${formatIp(lastHost(net.subnet))})` });
        } else if (taken.get(a.network)!.has(ip)) issues.push({ path: apath, message: `${fixed} is already used by ${taken.get(a.network)!.get(ip)}` });
        else {
          taken.get(a.network)!.set(ip, name);
          interfaces.push({ network: a.network, role: a.role, address: { ip } });
        }
        continue;
      }
      let host = nextHost.get(a.network)!;
      while (net.subnet && taken.get(a.network)!.has(hostAt(net.subnet, host))) host++;
      nextHost.set(a.network, host + 1);
      const capacity = net.subnet ? size(net.subnet) - 3 : size({ network: 0, prefix: net.public ? POOL_PREFIX.public : POOL_PREFIX.private }) - 3;
      if (host > capacity) issues.push({ path, message: `network "${a.network}" has no free address left` });
      interfaces.push({ network: a.network, role: a.role, address: { host } });
    }
    for (const net of Object.keys(spec.addresses ?? {})) {
      if (!attachments.some((a) => a.network === net)) {
        issues.push({ path: `${path}.addresses.${net}`, message: `node is not on network "${net}"; it joins: ${attachments.map((a) => a.network).join(", ")}` });
      }
    }
    for (const [net, link] of Object.entries(spec.impair ?? {})) {
      const ipath = `${path}.impair.${net}`;
      if (!kind.impairable) issues.push({ path: ipath, message: `a ${spec.kind} cannot carry impairments (its image has no engine); put them on the other end of the link (kinds that can: ${kinds.all().filter((k) => k.impairable).map((k) => k.name).join(", ")})` });
      else if (!attachments.some((a) => a.network === net)) issues.push({ path: ipath, message: `node is not on network "${net}"; it joins: ${attachments.map((a) => a.network).join(", ")}` });
      for (const [dir, rules] of Object.entries(byDirection(link))) {
        rules.forEach((r, i) => {
          for (const end of ["to", "from"] as const) {
            const ref = r.match?.[end];
            if (ref !== undefined && parseCidr(ref.includes("/") ? ref : `${ref}/32`) === null && !declared.nodes.includes(ref)) {
              issues.push({ path: `${ipath}.${dir}[${i}].match.${end}`, message: `"${ref}" is neither a node nor an IPv4 prefix; nodes: ${declared.nodes.join(", ")}` });
            }
          }
        });
      }
    }
    nodes.set(name, { name, kind: spec.kind, spec, interfaces, gateway: kind.gateway?.(spec as never) });
  }

  for (const node of nodes.values()) {
    const kind = kinds.get(node.kind);
    for (const ref of kind.references?.(node.spec as never) ?? []) {
      const target = nodes.get(ref.node);
      const path = `nodes.${node.name}.${ref.path}`;
      if (!target && !declared.nodes.includes(ref.node)) issues.push({ path, message: `unknown node "${ref.node}"; nodes: ${declared.nodes.join(", ")}` });
      else if (target && !ref.kinds.includes(target.kind)) issues.push({ path, message: `"${ref.node}" is a ${target.kind}; expected ${ref.kinds.join(" or ")}` });
    }
    if (node.gateway) {
      const gw = nodes.get(node.gateway);
      if (gw && !gw.interfaces.some((gi) => node.interfaces.some((ni) => ni.network === gi.network))) {
        issues.push({ path: `nodes.${node.name}.gateway`, message: `"${node.gateway}" shares no network with ${node.name}` });
      }
    }
  }
  if (issues.length > 0) return { issues };

  const topology: ResolvedTopology = { file, name: header.name, description: header.description, impairmentEngine: header.impairmentEngine ?? "auto", networks, nodes };
  for (const node of nodes.values()) issues.push(...(kinds.get(node.kind).check?.(node.spec as never, node.name, topology) ?? []));
  return issues.length > 0 ? { issues } : { topology, issues };
}

/** Docker's bridge gateway sits on the last usable address, leaving the low ones to the nodes. */
export function lastHost(c: Cidr): number {
  return (c.network + size(c) - 2) >>> 0;
}
