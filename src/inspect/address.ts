import { contains, parseCidr, parseIp, type Cidr } from "../common/ipv4.js";

// Which side of a NAT an address belongs to, from the address alone: a customer's capture names no
// interfaces, so this is all there is to go on. RFC 1918 and RFC 6598 (carrier-grade NAT) are private;
// loopback and link-local never leave a host; everything else (the lab's RFC 5737 "internet" included)
// counts as public.

export type AddressClass = "private" | "carrier-nat" | "loopback" | "link-local" | "unspecified" | "public" | "not-ipv4";

const RANGES: ReadonlyArray<readonly [Cidr, AddressClass]> = [
  ["10.0.0.0/8", "private"],
  ["172.16.0.0/12", "private"],
  ["192.168.0.0/16", "private"],
  ["100.64.0.0/10", "carrier-nat"],
  ["127.0.0.0/8", "loopback"],
  ["169.254.0.0/16", "link-local"],
  ["0.0.0.0/8", "unspecified"],
].map(([c, k]) => [parseCidr(c as string)!, k as AddressClass] as const);

export function addressClass(address: string): AddressClass {
  const ip = parseIp(address);
  if (ip === null) return "not-ipv4";
  return RANGES.find(([c]) => contains(c, ip))?.[1] ?? "public";
}

/** An address no packet from the internet can be sent to: behind a NAT (home, office or carrier) or on the host itself. */
export function isPrivate(address: string): boolean {
  const k = addressClass(address);
  return k !== "public" && k !== "not-ipv4";
}

export function isPublic(address: string): boolean {
  return addressClass(address) === "public";
}

/** How a report names an address's range. */
export function describeClass(address: string): string {
  switch (addressClass(address)) {
    case "private":
      return "private, RFC 1918";
    case "carrier-nat":
      return "carrier-grade NAT, RFC 6598";
    case "loopback":
      return "loopback";
    case "link-local":
      return "link-local";
    case "unspecified":
      return "unspecified";
    case "public":
      return "public";
    default:
      return "not an IPv4 address";
  }
}
