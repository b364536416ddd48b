// The IPv4 + UDP framing around a queued packet: read it, and rebuild it around a new payload with
// lengths and checksums right (the kernel trusts a queue's verdict packet as it is).

export interface UdpDatagram {
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly headerLength: number;
  readonly payload: Buffer;
}

function ip(buf: Buffer, at: number): string {
  return `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
}

/** Undefined for anything but a whole, unfragmented IPv4/UDP packet. */
export function parseUdp(packet: Buffer): UdpDatagram | undefined {
  if (packet.length < 28 || packet[0]! >> 4 !== 4 || packet[9] !== 17) return undefined;
  const headerLength = (packet[0]! & 0x0f) * 4;
  const total = packet.readUInt16BE(2);
  const fragment = packet.readUInt16BE(6);
  if (headerLength < 20 || total > packet.length || total < headerLength + 8 || (fragment & 0x3fff) !== 0) return undefined;
  const udpLength = packet.readUInt16BE(headerLength + 4);
  if (udpLength < 8 || headerLength + udpLength > total) return undefined;
  return {
    src: ip(packet, 12),
    dst: ip(packet, 16),
    sport: packet.readUInt16BE(headerLength),
    dport: packet.readUInt16BE(headerLength + 2),
    headerLength,
    payload: packet.subarray(headerLength + 8, headerLength + udpLength),
  };
}

function onesComplementSum(buf: Buffer, sum = 0): number {
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length % 2 === 1) sum += buf[buf.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The same packet (IP options kept) around a new UDP payload. */
export function withUdpPayload(packet: Buffer, d: UdpDatagram, payload: Buffer): Buffer {
  const h = d.headerLength;
  const udpLength = 8 + payload.length;
  if (h + udpLength > 0xffff) throw new RangeError(`a ${payload.length}-byte payload does not fit one IPv4 packet`);
  const out = Buffer.alloc(h + udpLength);
  packet.copy(out, 0, 0, h);
  out.writeUInt16BE(h + udpLength, 2);
  out.writeUInt16BE(0, 10);
  out.writeUInt16BE(~onesComplementSum(out.subarray(0, h)) & 0xffff, 10);
  out.writeUInt16BE(d.sport, h);
  out.writeUInt16BE(d.dport, h + 2);
  out.writeUInt16BE(udpLength, h + 4);
  out.writeUInt16BE(0, h + 6);
  payload.copy(out, h + 8);
  const pseudo = Buffer.alloc(12);
  packet.copy(pseudo, 0, 12, 20);
  pseudo[9] = 17;
  pseudo.writeUInt16BE(udpLength, 10);
  const sum = ~onesComplementSum(out.subarray(h), onesComplementSum(pseudo)) & 0xffff;
  // RFC 768: a computed zero is sent as all ones (zero means "no checksum").
  out.writeUInt16BE(sum === 0 ? 0xffff : sum, h + 6);
  return out;
}

export function udpChecksumValid(packet: Buffer, d: UdpDatagram): boolean {
  const h = d.headerLength;
  const udpLength = packet.readUInt16BE(h + 4);
  if (packet.readUInt16BE(h + 6) === 0) return true;
  const pseudo = Buffer.alloc(12);
  packet.copy(pseudo, 0, 12, 20);
  pseudo[9] = 17;
  pseudo.writeUInt16BE(udpLength, 10);
  return onesComplementSum(packet.subarray(h, h + udpLength), onesComplementSum(pseudo)) === 0xffff;
}
