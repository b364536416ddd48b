import type Docker from "dockerode";
import { LabError } from "../common/errors.js";
import { formatCidr, formatIp, type Cidr } from "../common/ipv4.js";
import { lastHost } from "../topology/check.js";
import type { ResolvedNetwork } from "../topology/types.js";
import { NETWORK_LABEL } from "./labels.js";
import { candidates, clash, describeClash, dockerSubnets, hostRoutes, type Occupied } from "./subnet-pool.js";

export interface CreatedNetwork {
  readonly name: string;
  readonly id: string;
  readonly dockerName: string;
  readonly subnet: Cidr;
  /** The address Docker gives the host's bridge; nodes must never route through it. */
  readonly bridgeGateway: string;
}

/**
 * Creates one lab network: a plain bridge (not `internal`: those cannot carry routed traffic, see
 * ENVIRONMENT.md) with masquerading off. Nothing leaves it, because every node's routes are replaced.
 */
export async function createLabNetwork(
  d: Docker,
  net: ResolvedNetwork,
  dockerName: string,
  labels: Record<string, string>,
  occupied: Occupied[],
): Promise<CreatedNetwork> {
  const tryCreate = async (subnet: Cidr): Promise<CreatedNetwork> => {
    const gateway = formatIp(lastHost(subnet));
    const created = await d.createNetwork({
      Name: dockerName,
      Driver: "bridge",
      CheckDuplicate: true,
      IPAM: { Driver: "default", Config: [{ Subnet: formatCidr(subnet), Gateway: gateway }] },
      Options: {
        "com.docker.network.bridge.enable_ip_masquerade": "false",
        ...(net.mtu !== null ? { "com.docker.network.driver.mtu": String(net.mtu) } : {}),
      },
      Labels: { ...labels, [NETWORK_LABEL]: net.name },
    });
    occupied.push({ cidr: subnet, by: `this lab's network "${net.name}"` });
    return { name: net.name, id: created.id, dockerName, subnet, bridgeGateway: gateway };
  };

  if (net.subnet) {
    const c = clash(net.subnet, occupied);
    if (c) throw new LabError(describeClash(net.name, net.subnet, c));
    return tryCreate(net.subnet);
  }
  for (const subnet of candidates(net.public, occupied)) {
    try {
      return await tryCreate(subnet);
    } catch (e) {
      // Another lab (another process) took this subnet between our look and our create: try the next.
      if (/overlap/i.test((e as Error).message)) {
        occupied.push({ cidr: subnet, by: "a concurrent lab" });
        continue;
      }
      throw e;
    }
  }
  throw new LabError(`network "${net.name}": no free ${net.public ? "public (documentation-range)" : "private"} subnet left in the pool`);
}

export async function occupiedSubnets(d: Docker): Promise<Occupied[]> {
  return [...hostRoutes(), ...(await dockerSubnets(d))];
}
