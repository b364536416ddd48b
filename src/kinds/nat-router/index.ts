import { z } from "zod";
import { defineKind, type NodeRuntime } from "../kind.js";
import { NAT_PRESET_NAMES, natRuleset } from "./nat-behaviour.js";

export const NatRouterSpec = z.strictObject({
  lan: z.string().describe("the private network behind the router"),
  wan: z.string().describe("the network the router masquerades onto"),
  nat: z.enum(NAT_PRESET_NAMES).default("port-restricted-cone").describe("NAT behaviour preset"),
  alg: z.enum(["off"]).default("off").describe("SIP ALG; only 'off' so far"),
  gateway: z.string().optional().describe("an upstream router on the WAN network (double NAT)"),
});
export type NatRouterSpec = z.infer<typeof NatRouterSpec>;

/** Interface names inside a container follow no attach order: find each one by its address. */
export async function interfaceWithAddress(rt: NodeRuntime, ip: string): Promise<string> {
  const out = await rt.exec(["ip", "-o", "-4", "addr", "show", "to", `${ip}/32`]);
  const name = /^\d+:\s+([^\s@]+)/.exec(out)?.[1];
  if (!name) throw new Error(`${rt.name}: no interface holds ${ip}`);
  return name;
}

export const natRouter = defineKind<NatRouterSpec>({
  name: "nat-router",
  summary: "Linux router doing NAT (nftables masquerade) from a LAN onto a WAN",
  spec: NatRouterSpec,
  attachments: (spec) => [
    { network: spec.lan, role: "lan" },
    { network: spec.wan, role: "wan" },
  ],
  gateway: (spec) => spec.gateway,
  references: (spec) => (spec.gateway ? [{ path: "gateway", node: spec.gateway, kinds: ["nat-router"] }] : []),
  plan: () => ({ image: "nat-router", capAdd: ["NET_ADMIN", "NET_RAW"], sysctls: { "net.ipv4.ip_forward": "1" } }),
  async configure(rt) {
    const spec = rt.node.spec as NatRouterSpec;
    const [lanIf, wanIf] = await Promise.all([
      interfaceWithAddress(rt, rt.addressOf(rt.name, spec.lan)),
      interfaceWithAddress(rt, rt.addressOf(rt.name, spec.wan)),
    ]);
    await rt.exec(["nft", "-f", "-"], { stdin: natRuleset({ preset: spec.nat, lanIf, wanIf }) });
  },
});
