import type { z } from "zod";
import { choices, echo, type Issue } from "../common/errors.js";
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
type NodeSpec = Record<string, unknown> & {
  kind: string;
  addresses?: Record<string, string>;
  linkMtu?: Record<string, number>;
  impair?: Record<string, LinkImpairments>;
};

/** Smallest subnet the pool hands out; also the largest number of hosts an unsized network may have. */
export const POOL_PREFIX = { public: 27, private: 24 } as const;

/** Address space no lab network may use: it does not route like a LAN or an internet segment does. */
export const RESERVED_SPACE: ReadonlyArray<{ readonly cidr: Cidr; readonly what: string }> = [
  { cidr: parseCidr("0.0.0.0/8")!, what: '"this network" (0.0.0.0/8)' },
  { cidr: parseCidr("127.0.0.0/8")!, what: "loopback (127.0.0.0/8)" },
  { cidr: parseCidr("169.254.0.0/16")!, what: "link-local (169.254.0.0/16)" },
  { cidr: parseCidr("224.0.0.0/4")!, what: "multicast (224.0.0.0/4)" },
  { cidr: parseCidr("240.0.0.0/4")!, what: "reserved class E and broadcast (240.0.0.0/4)" },
];

/** Why `c` cannot be a lab subnet, if it cannot. */
export function reservedSpace(c: Cidr): string | undefined {
  const r = RESERVED_SPACE.find((x) => overlaps(x.cidr, c));
  return r && `${formatCidr(c)} ${c.prefix <= r.cidr.prefix && c.prefix < 8 ? "spans" : "lies in"} ${r.what}, which is not usable for a lab network`;
}

/** An own property of a record parsed from the file (never one inherited from Object.prototype). */
export function own<V>(rec: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  return rec && Object.hasOwn(rec, key) ? rec[key] : undefined;
}

/** tc's prio qdisc has at most 16 bands, one per rule and one for everything else. */
export const MAX_RULES_PER_DIRECTION = 15;

/** Cross-field rules: references, addresses, subnets. Returns the resolved topology only when clean. */
export function checkTopology(
  file: string,
  header: Header,
  specs: ReadonlyMap<string, NodeSpec>,
  kinds: KindRegistry,
  declared: { networks: readonly string[]; nodes: readonly string[] } = { networks: Object.keys(header.networks), nodes: [...specs.keys()] },
): { topology?: ResolvedTopology; issues: Issue[]; networks: ReadonlyMap<string, ResolvedNetwork> } {
  const issues: Issue[] = [];
  const networks = new Map<string, ResolvedNetwork>();
  const netNames = Object.keys(header.networks);
  const declaredNets = declared.networks;
  const declaredNetSet = new Set(declaredNets);
  const declaredNodeSet = new Set(declared.nodes);
  /** Networks whose declared subnet was reported: no second complaint about their addresses. */
  const unusable = new Set<string>();

  for (const [name, net] of Object.entries(header.networks)) {
    const path = `networks.${name}`;
    let subnet: Cidr | null = null;
    if (net.subnet !== undefined) {
      subnet = parseCidr(net.subnet);
      const reserved = subnet && reservedSpace(subnet);
      if (!subnet)
        issues.push({ path: `${path}.subnet`, message: `${echo(net.subnet)} is not an IPv4 network in CIDR form (e.g. 10.10.1.0/24, host bits zero)` });
      else if (subnet.prefix > 29) issues.push({ path: `${path}.subnet`, message: "must be /29 or larger: the bridge gateway and the nodes need addresses" });
      else if (subnet.prefix < 8) issues.push({ path: `${path}.subnet`, message: `${formatCidr(subnet)} is larger than a /8; a lab network is at most /8` });
      else if (reserved) issues.push({ path: `${path}.subnet`, message: reserved });
      if (!subnet || subnet.prefix > 29 || subnet.prefix < 8 || reserved) {
        subnet = null;
        unusable.add(name);
      }
    }
    for (const other of networks.values()) {
      if (subnet && other.subnet && overlaps(subnet, other.subnet)) {
        issues.push({ path: `${path}.subnet`, message: `overlaps networks.${other.name} (${formatCidr(other.subnet)})` });
      }
    }
    networks.set(name, { name, subnet, public: net.public, mtu: net.mtu ?? null });
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
        if (!declaredNetSet.has(a.network)) {
          issues.push({
            path: `${path}.${a.role === "default" ? "network" : a.role}`,
            message: `unknown network ${echo(a.network)}; declared: ${choices(declaredNets)}`,
          });
        }
        continue;
      }
      const joined = interfaces.some((i) => i.network === a.network);
      // Only a kind that asks for a further address on a network it joins (a TURN server's RFC 5780 second
      // address) may name the network again; that address is allocated after the primary, never fixed.
      if (joined && !a.secondary) {
        issues.push({ path, message: `joins network "${a.network}" twice` });
        continue;
      }
      if (!joined && a.secondary) {
        issues.push({ path, message: `a second address on network "${a.network}", which the node does not join first` });
        continue;
      }
      const fixed = a.secondary ? undefined : own(spec.addresses, a.network);
      if (fixed !== undefined) {
        const ip = parseIp(fixed);
        const apath = `${path}.addresses.${a.network}`;
        if (unusable.has(a.network)) continue;
        if (ip === null) issues.push({ path: apath, message: `${echo(fixed)} is not an IPv4 address` });
        else if (!net.subnet) issues.push({ path: apath, message: `network "${a.network}" has no declared subnet; declare one to use fixed addresses` });
        else if (!contains(net.subnet, ip)) issues.push({ path: apath, message: `${fixed} is outside ${a.network} (${formatCidr(net.subnet)})` });
        else if (ip === net.subnet.network)
          issues.push({
            path: apath,
            message: `${fixed} is the network address of ${formatCidr(net.subnet)}; nodes take hosts from ${formatIp(net.subnet.network + 1)}`,
          });
        else if (ip === lastHost(net.subnet) + 1) issues.push({ path: apath, message: `${fixed} is the broadcast address of ${formatCidr(net.subnet)}` });
        else if (ip === lastHost(net.subnet))
          issues.push({ path: apath, message: `${fixed} is the bridge gateway of ${formatCidr(net.subnet)} (Docker's, on the last usable address)` });
        else if (taken.get(a.network)!.has(ip)) issues.push({ path: apath, message: `${fixed} is already used by ${taken.get(a.network)!.get(ip)}` });
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
    for (const field of ["addresses", "linkMtu"] as const) {
      for (const net of Object.keys(spec[field] ?? {})) {
        if (!attachments.some((a) => a.network === net)) {
          issues.push({
            path: `${path}.${field}.${net}`,
            message: `node is not on network ${echo(net)}; it joins: ${choices(attachments.map((a) => a.network))}`,
          });
        }
      }
    }
    for (const [net, link] of Object.entries(spec.impair ?? {})) {
      const ipath = `${path}.impair.${net}`;
      if (!kind.impairable)
        issues.push({
          path: ipath,
          message: `a ${spec.kind} cannot carry impairments (its image has no engine); put them on the other end of the link (kinds that can: ${kinds
            .all()
            .filter((k) => k.impairable)
            .map((k) => k.name)
            .join(", ")})`,
        });
      else if (!attachments.some((a) => a.network === net))
        issues.push({ path: ipath, message: `node is not on network ${echo(net)}; it joins: ${choices(attachments.map((a) => a.network))}` });
      for (const [dir, rules] of Object.entries(byDirection(link))) {
        if (rules.length > MAX_RULES_PER_DIRECTION) {
          issues.push({
            path: `${ipath}.${dir === "egress" ? "egress" : "ingress"}`,
            message: `${rules.length} rules in ${dir} (both counts in each direction); tc takes at most ${MAX_RULES_PER_DIRECTION} per direction`,
          });
          continue;
        }
        rules.forEach((r, i) => {
          for (const end of ["to", "from"] as const) {
            const ref = r.match?.[end];
            if (ref !== undefined && parseCidr(ref.includes("/") ? ref : `${ref}/32`) === null && !declaredNodeSet.has(ref)) {
              issues.push({
                path: `${ipath}.${dir}[${i}].match.${end}`,
                message: `${echo(ref)} is neither a node nor an IPv4 prefix; nodes: ${choices(declared.nodes)}`,
              });
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
      if (!target && !declaredNodeSet.has(ref.node)) issues.push({ path, message: `unknown node ${echo(ref.node)}; nodes: ${choices(declared.nodes)}` });
      else if (target && !ref.kinds.includes(target.kind))
        issues.push({ path, message: `"${ref.node}" is a ${target.kind}; expected ${ref.kinds.join(" or ")}` });
    }
    if (node.gateway) issues.push(...gatewayIssues(node, nodes));
  }
  issues.push(...gatewayLoops(nodes));
  if (issues.length > 0) return { issues, networks };

  const topology: ResolvedTopology = {
    file,
    name: header.name,
    description: header.description,
    impairmentEngine: header.impairmentEngine ?? "auto",
    networks,
    nodes,
  };
  for (const node of nodes.values()) issues.push(...(kinds.get(node.kind).check?.(node.spec as never, node.name, topology) ?? []));
  return issues.length > 0 ? { issues, networks } : { topology, issues, networks };
}

/** A gateway must share a network with the node, and a router is the gateway of its LAN, never of its WAN. */
function gatewayIssues(node: ResolvedNode, nodes: ReadonlyMap<string, ResolvedNode>): Issue[] {
  const gw = node.gateway === undefined ? undefined : nodes.get(node.gateway);
  if (!gw) return [];
  const path = `nodes.${node.name}.gateway`;
  if (gw.name === node.name) return [{ path, message: `${node.name} names itself as its gateway` }];
  const shared = gw.interfaces.filter((gi) => node.interfaces.some((ni) => ni.network === gi.network));
  if (shared.length === 0) return [{ path, message: `"${gw.name}" shares no network with ${node.name}` }];
  const lans = gw.interfaces.filter((i) => i.role === "lan");
  if (lans.length > 0 && !shared.some((i) => i.role === "lan")) {
    return [
      {
        path,
        message: `"${gw.name}" routes for its LAN (${lans.map((i) => i.network).join(", ")}); ${node.name} meets it on its ${shared.map((i) => `${i.role.toUpperCase()} (${i.network})`).join(", ")}`,
      },
    ];
  }
  return [];
}

/** Gateway chains that come back to where they started (a → b → a): each node of the loop is named. */
function gatewayLoops(nodes: ReadonlyMap<string, ResolvedNode>): Issue[] {
  const issues: Issue[] = [];
  const done = new Set<string>();
  for (const start of nodes.keys()) {
    const chain: string[] = [];
    const onChain = new Map<string, number>();
    let at: string | undefined = start;
    while (at !== undefined && !done.has(at) && !onChain.has(at)) {
      onChain.set(at, chain.length);
      chain.push(at);
      at = nodes.get(at)?.gateway;
    }
    if (at !== undefined && onChain.has(at)) {
      const loop = chain.slice(onChain.get(at)!);
      // A node that names itself is reported by gatewayIssues.
      if (loop.length > 1)
        for (const n of loop)
          issues.push({
            path: `nodes.${n}.gateway`,
            message: `the gateway chain loops: ${[...loop.slice(loop.indexOf(n)), ...loop.slice(0, loop.indexOf(n)), n].join(" → ")}`,
          });
    }
    for (const n of chain) done.add(n);
  }
  return issues;
}

/** Docker's bridge gateway sits on the last usable address, leaving the low ones to the nodes. */
export function lastHost(c: Cidr): number {
  return (c.network + size(c) - 2) >>> 0;
}
