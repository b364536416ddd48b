import { ROUTER_KINDS } from "../kind.js";
import { interfaceLookup, nftLoad } from "../../lab/interface-script.js";
import { z } from "zod";
import { ALG_PROFILE_NAMES, AlgRuleOptions, AlgRules, profileRules, type AlgProfileName } from "../../alg/alg-rules.js";
import { choices, formatIssues, LabError } from "../../common/errors.js";
import { tableSwap } from "../../netfilter/table-swap.js";
import { formatCidr, parseCidr } from "../../common/ipv4.js";
import { networkRef, nodeRef } from "../../topology/schema.js";
import { logTail, startDaemon } from "../../lab/daemon-channel.js";
import { algVerdicts, withAlg } from "./alg-channel.js";
import { ALG_SOCKET, formatVerdict } from "../../alg/alg-service.js";
import { defineKind, type NodeRuntime } from "../kind.js";
import { ALG_QUEUE, ALG_TABLE, helperRuleset, queueRemovalScript, queueScript } from "./alg-ruleset.js";
import { FirewallSpec, firewallRuleset, firewallSwap, isActive } from "./firewall.js";
import { NAT_PRESET_NAMES, NAT_TABLE, type NatPreset, natRuleset } from "./nat-behaviour.js";
import { claimSipHelperParams, differsFromDefaults, helperParamsOf, SIP_HELPER_DEFAULTS } from "./sip-helper-params.js";

const bit = z.number().int().min(0).max(1);
const unique = (list: readonly unknown[]): boolean => new Set(list).size === list.length;

export const NetfilterAlg = z.strictObject({
  ports: z
    .array(z.number().int().min(1).max(65535))
    .min(1)
    .max(8)
    .refine(unique, "each port once (nft refuses a set with a port twice)")
    .default([5060])
    .describe("ports the helper is attached to"),
  protocols: z
    .array(z.enum(["udp", "tcp"]))
    .min(1)
    .max(2)
    .refine(unique, "each transport once")
    .default(["udp", "tcp"])
    .describe("transports the helper is attached to"),
  sip_direct_media: bit
    .default(SIP_HELPER_DEFAULTS.sip_direct_media)
    .describe("kernel-wide: media expectations only when the SDP address is the signalling source"),
  sip_direct_signalling: bit.default(SIP_HELPER_DEFAULTS.sip_direct_signalling).describe("kernel-wide: inbound signalling only from the registrar"),
  sip_external_media: bit
    .default(SIP_HELPER_DEFAULTS.sip_external_media)
    .describe("kernel-wide: leave SDP alone when the media address routes out the same interface"),
});

export const AlgSpec = z.union([
  z.enum(["off", "netfilter", ...ALG_PROFILE_NAMES]).describe("off, the kernel helper ('netfilter'), or a faulty-ALG profile"),
  z
    .strictObject({
      netfilter: NetfilterAlg.optional().describe("the kernel helper with its ports, transports and (kernel-wide) parameters"),
      profile: z.enum(ALG_PROFILE_NAMES).optional().describe("a userspace ALG: the profile its rules start from; default: a correct ALG"),
      rules: AlgRuleOptions.optional().describe("a userspace ALG: rule options over the profile's"),
    })
    .refine((o) => (o.netfilter !== undefined) !== (o.profile !== undefined || o.rules !== undefined), {
      message: "give either netfilter (the kernel helper) or profile/rules (a userspace ALG), not both and not neither",
    })
    .describe("the kernel helper with options, or a userspace ALG built from rule options"),
]);
export type AlgSpec = z.infer<typeof AlgSpec>;

export const NatRouterSpec = z.strictObject({
  lan: networkRef("the private network behind the router"),
  wan: networkRef("the network the router masquerades onto"),
  nat: z.enum(NAT_PRESET_NAMES).default("port-restricted-cone").describe("NAT behaviour preset"),
  alg: AlgSpec.default("off").describe("SIP ALG: off, netfilter (the kernel helper), or a faulty userspace profile"),
  udpTimeout: z
    .number()
    .int()
    .min(5)
    .max(86_400)
    .optional()
    .describe("seconds a UDP mapping (pinhole) lives without traffic; default: Linux's 30 s unreplied / 120 s"),
  tcpMss: z
    .number()
    .int()
    .min(88)
    .max(1460)
    .optional()
    .describe("clamp the MSS of TCP connections through the router (as PPPoE/VPN routers do): large SIP messages then span several segments"),
  firewall: FirewallSpec.optional().describe("deep UDP restriction: UDP block, DPI signatures, late verdict, and the provider allowlist"),
  gateway: nodeRef("an upstream router on the WAN network (double NAT)").optional(),
});
export type NatRouterSpec = z.infer<typeof NatRouterSpec>;

export type ResolvedAlg =
  | { readonly kind: "off" }
  | { readonly kind: "netfilter"; readonly helper: z.infer<typeof NetfilterAlg> }
  | { readonly kind: "userspace"; readonly profile: string; readonly rules: AlgRules };

export function resolveAlg(alg: AlgSpec): ResolvedAlg {
  if (alg === "off") return { kind: "off" };
  if (alg === "netfilter") return { kind: "netfilter", helper: NetfilterAlg.parse({}) };
  if (typeof alg === "string") return { kind: "userspace", profile: alg, rules: profileRules(alg as AlgProfileName) };
  if (alg.netfilter) return { kind: "netfilter", helper: alg.netfilter };
  const base = alg.profile ? profileRules(alg.profile) : AlgRules.parse({});
  return {
    kind: "userspace",
    profile: alg.profile ? `${alg.profile}+rules` : "custom",
    rules: AlgRules.parse({ ...base, ...stripUndefined(alg.rules ?? {}) }),
  };
}

/** Allowlist entries as prefixes, printed from parsed values: a node name stands for every address it has. */
export function allowedPrefixes(rt: Pick<NodeRuntime, "topology" | "addressOf" | "addressesOf">, allow: readonly string[]): string[] {
  const prefix = (text: string): string => {
    const c = parseCidr(text.includes("/") ? text : `${text}/32`);
    if (!c) throw new Error(`allowlist entry ${JSON.stringify(text.slice(0, 60))} is neither a node nor an IPv4 prefix`);
    return formatCidr(c);
  };
  return [
    ...new Set(
      allow.flatMap((entry) => {
        const node = rt.topology.nodes.get(entry);
        if (!node) return [prefix(entry)];
        return node.interfaces.flatMap((i) => rt.addressesOf(entry, i.network).map(prefix));
      }),
    ),
  ];
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Shell variables holding the LAN and WAN interface names, set by withInterfaces(). */
const LAN_IF = "$LAN_IF";
const WAN_IF = "$WAN_IF";

/**
 * A script that first finds the interfaces holding `lan` and `wan` (names inside a container follow no
 * attach order) into $LAN_IF and $WAN_IF, then runs `body`, which may use them (nftLoad puts them into a ruleset).
 */
export function withInterfaces(lan: string, wan: string, body: string): string {
  return [interfaceLookup("LAN_IF", lan), interfaceLookup("WAN_IF", wan), body].join("\n");
}

/** The userspace ALG's program in the nat-router image. */
const ALG_DAEMON = "/opt/callpath/alg.mjs";

async function startUserspaceAlg(rt: NodeRuntime, alg: Extract<ResolvedAlg, { kind: "userspace" }>, wanIp: string): Promise<void> {
  const config = JSON.stringify({ queue: ALG_QUEUE, profile: alg.profile, rules: alg.rules, wanIp });
  await startDaemon(rt, [ALG_DAEMON, config]);
  // Its socket appears once the queue is bound; the replayed `bound` event says so in as many words.
  await withAlg(rt, (a) => a.waitFor("bound", (b) => b.queue === ALG_QUEUE, { timeoutMs: 1000 }), 10_000).catch(async (e: Error) => {
    throw new LabError(`the userspace ALG (${alg.profile}) on ${rt.name} did not bind netfilter queue ${ALG_QUEUE}: ${e.message}\n${await logTail(rt)}`);
  });
}

export const natRouter = defineKind<NatRouterSpec>({
  name: "nat-router",
  impairable: true,
  capturable: true,
  forwards: { tunnel: false },
  summary: "Linux router doing NAT (nftables masquerade) from a LAN onto a WAN, with an optional SIP ALG and UDP timeout",
  spec: NatRouterSpec,
  attachments: (spec) => [
    { network: spec.lan, role: "lan" },
    { network: spec.wan, role: "wan" },
  ],
  gateway: (spec) => spec.gateway,
  publicNetwork: (spec) => spec.wan,
  references: (spec) => (spec.gateway ? [{ path: "gateway", node: spec.gateway, kinds: ROUTER_KINDS }] : []),
  check(spec, name, topology) {
    const f = spec.firewall;
    const issues = (f?.allow ?? []).flatMap((entry, i) =>
      topology.nodes.has(entry) || parseCidr(entry.includes("/") ? entry : `${entry}/32`)
        ? []
        : [
            {
              path: `nodes.${name}.firewall.allow[${i}]`,
              message: `"${entry}" is neither a node (${choices([...topology.nodes.keys()])}) nor an IPv4 prefix like 198.51.100.0/27`,
            },
          ],
    );
    if (f && f.allow.length > 0 && !isActive(f)) {
      issues.push({
        path: `nodes.${name}.firewall.allow`,
        message:
          "an allowlist exempts traffic from the firewall's rules, and there are none: set udp: block, fragments: drop, fragNeeded: drop, block or lateBlock",
      });
    }
    return issues;
  },
  plan: (node) => {
    const timeout = node.spec.udpTimeout;
    const timers: Record<string, string> = timeout
      ? { "net.netfilter.nf_conntrack_udp_timeout": String(timeout), "net.netfilter.nf_conntrack_udp_timeout_stream": String(timeout) }
      : {};
    // A late verdict counts each flow's packets: conntrack accounting, per namespace.
    const acct: Record<string, string> = node.spec.firewall?.lateBlock?.afterPackets ? { "net.netfilter.nf_conntrack_acct": "1" } : {};
    return { image: "nat-router", capAdd: ["NET_ADMIN", "NET_RAW"], sysctls: { "net.ipv4.ip_forward": "1", ...timers, ...acct } };
  },
  // The userspace ALG's verdicts (what it rewrote, restored or dropped), for every scenario's report.
  async evidence(rt) {
    if (resolveAlg(algInForceOn(rt)).kind !== "userspace") return [];
    const { verdicts } = await algVerdicts(rt);
    return verdicts.length > 0 ? [{ fileName: `${rt.name}-alg.txt`, mediaType: "text/plain", body: verdicts.map(formatVerdict).join("\n") }] : [];
  },
  async configure(rt) {
    const spec = rt.node.spec;
    const lan = rt.addressOf(rt.name, spec.lan);
    const wan = rt.addressOf(rt.name, spec.wan);
    const alg = resolveAlg(spec.alg);
    // The kernel-wide helper parameters first: if another lab holds them, nothing in the node has changed yet.
    if (alg.kind === "netfilter") {
      const undo = await claimSipHelperParams(rt.labId, helperParamsOf(alg.helper));
      if (undo) rt.defer("restore the kernel SIP helper parameters", undo);
    }
    const rules = [natRuleset({ preset: spec.nat, lanIf: LAN_IF, wanIf: WAN_IF, mappingTimeoutSec: spec.udpTimeout, tcpMss: spec.tcpMss })];
    if (alg.kind === "netfilter") rules.push(helperRuleset({ lanIf: LAN_IF, ports: alg.helper.ports, protocols: alg.helper.protocols }));
    if (spec.firewall && isActive(spec.firewall)) rules.push(firewallRuleset(spec.firewall, allowedPrefixes(rt, spec.firewall.allow)));
    // NAT first, in one exec (find the interfaces by address, then load everything through a quoted
    // heredoc: nothing in it expands but the interface names). Nodes behind this one configure at the same
    // time, and a VPN client among them sends at once: a packet forwarded before the masquerade exists
    // gets a conntrack entry without NAT, and every later packet of that flow follows it (30 s, unreplied).
    await rt.exec(["sh", "-ec", withInterfaces(lan, wan, nftLoad(rules.join("\n"), ["LAN_IF", "WAN_IF"]))]);
    if (alg.kind === "userspace") await installAlg(rt, alg);
  },
});

/**
 * Puts an ALG in place on a router whose NAT exists: the kernel helper's table (its kernel-wide parameters
 * are claimed by the caller), or the userspace daemon and then its queue rules (a queue nobody reads drops
 * every packet, so the verdict only once the daemon has bound it). `off` installs nothing.
 */
async function installAlg(rt: NodeRuntime<NatRouterSpec>, alg: ResolvedAlg): Promise<void> {
  const lan = rt.addressOf(rt.name, rt.node.spec.lan);
  const wan = rt.addressOf(rt.name, rt.node.spec.wan);
  if (alg.kind === "netfilter") {
    const helper = helperRuleset({ lanIf: LAN_IF, ports: alg.helper.ports, protocols: alg.helper.protocols });
    await rt.exec(["sh", "-ec", withInterfaces(lan, wan, nftLoad(helper, ["LAN_IF", "WAN_IF"]))]);
  }
  if (alg.kind === "userspace") {
    await startUserspaceAlg(rt, alg, wan);
    await rt.exec(["sh", "-ec", withInterfaces(lan, wan, queueScript({ wanIf: WAN_IF, ports: alg.rules.ports }))]);
  }
}

/**
 * A router's firewall replaced while the lab runs ("a firmware update", "IT rolls out a DPI rule"): checked
 * as the topology's own field is, then swapped in one nft transaction. A late verdict by packet count needs
 * conntrack accounting, a sysctl that can only be set when the router starts.
 */
export async function changeFirewall(rt: NodeRuntime<NatRouterSpec>, firewall: FirewallSpec): Promise<void> {
  const issues = natRouter.check!({ ...rt.node.spec, firewall }, rt.name, rt.topology);
  if (firewall.lateBlock?.afterPackets !== undefined && rt.node.spec.firewall?.lateBlock?.afterPackets === undefined)
    issues.push({
      path: `nodes.${rt.name}.firewall.lateBlock.afterPackets`,
      message: "a late verdict by packet count needs conntrack accounting, set only when the router starts: put it in the topology, or use afterSeconds",
    });
  if (issues.length > 0) throw new LabError(`${rt.name}'s firewall cannot change to that:\n${formatIssues("the step's YAML", issues)}`);
  await rt.exec(["nft", "-f", "-"], { stdin: firewallSwap(firewall, allowedPrefixes(rt, firewall.allow)) });
}

/**
 * A router whose NAT behaviour changes while the lab runs (a firmware update, a CGNAT roll-out): the NAT
 * table swapped in one nft transaction. Flows conntrack already holds keep their mappings (an app's
 * WebSocket to its provider survives); new flows get the new behaviour. A reboot that also forgets the
 * old mappings is `forgetMappingsCommands`, a step of its own. Its ALG and firewall tables stay as they are.
 */
export async function changeNat(rt: NodeRuntime<NatRouterSpec>, preset: NatPreset): Promise<void> {
  const spec = rt.node.spec;
  const table = natRuleset({ preset, lanIf: LAN_IF, wanIf: WAN_IF, mappingTimeoutSec: spec.udpTimeout, tcpMss: spec.tcpMss });
  const swap = tableSwap("ip", NAT_TABLE, table);
  await rt.exec(["sh", "-ec", withInterfaces(rt.addressOf(rt.name, spec.lan), rt.addressOf(rt.name, spec.wan), nftLoad(swap, ["LAN_IF", "WAN_IF"]))]);
}

/** The ALG a step switched a router to: its evidence is that ALG's, not the topology's first. */
const algInForce = new WeakMap<NodeRuntime, AlgSpec>();

/**
 * A router whose SIP ALG is switched on, off or to another behaviour while the lab runs (the admin page's
 * "SIP ALG" checkbox, a firmware update). The userspace ALG acts on every packet, so its change applies
 * at once; a change to or from the kernel helper reaches only flows that begin after it (conntrack entries
 * keep the helper they were made with: forgetMappingsCommands, a reboot, makes every flow begin again).
 * Kernel-wide helper parameters are set when a lab starts, not here.
 */
export async function changeAlg(rt: NodeRuntime<NatRouterSpec>, to: AlgSpec): Promise<void> {
  const issues = natRouter.check!({ ...rt.node.spec, alg: to }, rt.name, rt.topology);
  const next = resolveAlg(to);
  if (next.kind === "netfilter" && differsFromDefaults(helperParamsOf(next.helper)))
    issues.push({
      path: `nodes.${rt.name}.alg.netfilter`,
      message: "the kernel helper's parameters are kernel-wide and set when a lab starts: put them in the topology",
    });
  if (issues.length > 0) throw new LabError(`${rt.name}'s ALG cannot change to that:\n${formatIssues("the step's YAML", issues)}`);
  const old = resolveAlg(algInForceOn(rt));
  if (old.kind === "userspace") {
    // The queue verdict first (a queue nobody reads drops every packet), then the daemon and its socket.
    // "[/]": the pattern does not match this script's own command line, which holds it.
    const pattern = `'[/]${ALG_DAEMON.slice(1)}'`;
    const stop = `pkill -f ${pattern} || true\ni=0; while pgrep -f ${pattern} >/dev/null; do i=$((i+1)); [ $i -lt 100 ] || pkill -KILL -f ${pattern} || true; [ $i -lt 120 ] || exit 1; sleep 0.05; done\nrm -f ${ALG_SOCKET}`;
    await rt.exec(["sh", "-ec", `${queueRemovalScript()}\n${stop}`]);
  }
  if (old.kind === "netfilter") await rt.exec(["nft", "delete", "table", "ip", ALG_TABLE]);
  if (next.kind === "netfilter" && old.kind !== "netfilter") {
    const undo = await claimSipHelperParams(rt.labId, helperParamsOf(next.helper));
    if (undo) rt.defer("restore the kernel SIP helper parameters", undo);
  }
  // The old ALG is gone: from here the router's evidence reads the new one, even if its install fails.
  algInForce.set(rt, to);
  await installAlg(rt, next);
}

/** The ALG a router has now: the last one a step changed it to, else the topology's. */
export function algInForceOn(rt: NodeRuntime<NatRouterSpec>): AlgSpec {
  return algInForce.get(rt) ?? rt.node.spec.alg;
}
