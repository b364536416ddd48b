// IPv4 arithmetic for subnet allocation and address checks.
export interface Cidr {
  readonly network: number; // as an unsigned 32-bit integer
  readonly prefix: number;
}

export function parseIp(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n >>> 0;
}

export function formatIp(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
}

export function parseCidr(text: string): Cidr | null {
  const [ip, len, extra] = text.split("/");
  if (extra !== undefined || ip === undefined || len === undefined || !/^\d{1,2}$/.test(len)) return null;
  const addr = parseIp(ip);
  const prefix = Number(len);
  if (addr === null || prefix > 32) return null;
  const network = (addr & mask(prefix)) >>> 0;
  return network === addr ? { network, prefix } : null;
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.network)}/${c.prefix}`;
}

export function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function size(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function contains(c: Cidr, ip: number): boolean {
  return (ip & mask(c.prefix)) >>> 0 === c.network;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (a.network & mask(p)) >>> 0 === (b.network & mask(p)) >>> 0;
}

/** Host number `index` inside the subnet (1 = first usable). */
export function hostAt(c: Cidr, index: number): number {
  return (c.network + index) >>> 0;
}

/** Splits `parent` into consecutive subnets of `prefix` bits. */
export function* subnets(parent: Cidr, prefix: number): Generator<Cidr> {
  const step = 2 ** (32 - prefix);
  for (let n = parent.network; n < parent.network + size(parent); n += step) yield { network: n >>> 0, prefix };
}
