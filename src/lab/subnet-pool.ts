import { spawnSync } from "node:child_process";
import type Docker from "dockerode";
import { formatCidr, overlaps, parseCidr, subnets, type Cidr } from "../common/ipv4.js";
import { POOL_PREFIX } from "../topology/check.js";

/** "Public" segments come from the RFC 5737 documentation ranges; private ones from a 10/8 block. */
export const PUBLIC_POOLS = ["198.51.100.0/24", "203.0.113.0/24", "192.0.2.0/24"].map((c) => parseCidr(c)!);
export const PRIVATE_POOLS = [parseCidr("10.123.0.0/16")!];

export interface Occupied {
  readonly cidr: Cidr;
  readonly by: string;
}

/** What the host already routes (Linux `ip -4 route`); empty where there is no `ip` (Docker Desktop hosts). */
export function hostRoutes(): Occupied[] {
  const r = spawnSync("ip", ["-4", "route", "show", "table", "all"], { encoding: "utf8", timeout: 5000 });
  if (r.status !== 0) return [];
  return parseHostRoutes(r.stdout);
}

/** The routes in `ip -4 route show table all` output, except the default route and Docker's own bridges. */
export function parseHostRoutes(output: string): Occupied[] {
  return output.split("\n").flatMap((line) => {
    const dest = line.trim().split(/\s+/)[line.startsWith("local ") || line.startsWith("broadcast ") ? 1 : 0];
    if (!dest || dest === "default" || line.includes(" dev docker0") || /\bdev br-/.test(line)) return [];
    const cidr = parseCidr(dest.includes("/") ? dest : `${dest}/32`);
    return cidr ? [{ cidr, by: `host route "${line.trim()}"` }] : [];
  });
}

export async function dockerSubnets(d: Docker): Promise<Occupied[]> {
  const nets = await d.listNetworks();
  return nets.flatMap((n) =>
    (n.IPAM?.Config ?? []).flatMap((c) => {
      const cidr = c.Subnet ? parseCidr(c.Subnet) : null;
      return cidr ? [{ cidr, by: `Docker network "${n.Name}"` }] : [];
    }),
  );
}

export function clash(cidr: Cidr, occupied: readonly Occupied[]): Occupied | undefined {
  return occupied.find((o) => overlaps(o.cidr, cidr));
}

/** Candidate subnets for a network, in order, skipping those that clash with what is occupied. */
export function* candidates(isPublic: boolean, occupied: readonly Occupied[]): Generator<Cidr> {
  const pools = isPublic ? PUBLIC_POOLS : PRIVATE_POOLS;
  const prefix = isPublic ? POOL_PREFIX.public : POOL_PREFIX.private;
  for (const pool of pools) for (const c of subnets(pool, prefix)) if (!clash(c, occupied)) yield c;
}

export function describeClash(network: string, cidr: Cidr, o: Occupied): string {
  return `network "${network}": subnet ${formatCidr(cidr)} collides with ${o.by}; choose another subnet or omit it to allocate one`;
}
