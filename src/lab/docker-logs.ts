/**
 * `docker logs` of a container without a TTY comes multiplexed: 8-byte frame headers
 * ([stream, 0, 0, 0, size32be]) before each chunk. Returns the plain text.
 */
export function demuxLogs(buf: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const stream = buf[i]!;
    const size = buf.readUInt32BE(i + 4);
    if (stream > 2 || buf[i + 1] !== 0 || buf[i + 2] !== 0 || buf[i + 3] !== 0 || i + 8 + size > buf.length) {
      // Not a multiplexed stream after all (TTY container): return it as it is.
      return buf.toString("utf8");
    }
    parts.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(parts).toString("utf8");
}
