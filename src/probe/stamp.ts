/** A one-way probe datagram: sequence number (u32) and send time (CLOCK_MONOTONIC ns, u64), then padding. */
export function stampedPacket(seq: number, size: number): Buffer {
  const b = Buffer.alloc(Math.max(12, size));
  b.writeUInt32BE(seq, 0);
  b.writeBigUInt64BE(process.hrtime.bigint(), 4);
  return b;
}
