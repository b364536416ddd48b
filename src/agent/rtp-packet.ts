// RFC 3550 fixed header (no CSRC, no extension): all callpath's agents send.
export interface RtpHeader {
  readonly payloadType: number;
  readonly marker: boolean;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
}

export function encodeRtp(h: RtpHeader, payload: Uint8Array): Buffer {
  const buf = Buffer.alloc(12 + payload.length);
  buf[0] = 0x80;
  buf[1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  buf.writeUInt16BE(h.sequence & 0xffff, 2);
  buf.writeUInt32BE(h.timestamp >>> 0, 4);
  buf.writeUInt32BE(h.ssrc >>> 0, 8);
  buf.set(payload, 12);
  return buf;
}

/** Parses an RTP packet; returns null for anything that is not RTP version 2 (STUN, RTCP, junk). */
export function decodeRtp(buf: Buffer): { header: RtpHeader; payload: Buffer } | null {
  if (buf.length < 12 || buf[0]! >> 6 !== 2) return null;
  const pt = buf[1]! & 0x7f;
  if (pt >= 72 && pt <= 76) return null; // RTCP SR/RR/SDES/BYE/APP share the first byte
  const csrcCount = buf[0]! & 0x0f;
  let offset = 12 + 4 * csrcCount;
  if (buf[0]! & 0x10) {
    if (buf.length < offset + 4) return null;
    offset += 4 + 4 * buf.readUInt16BE(offset + 2);
  }
  if (offset > buf.length) return null;
  return {
    header: {
      payloadType: pt,
      marker: (buf[1]! & 0x80) !== 0,
      sequence: buf.readUInt16BE(2),
      timestamp: buf.readUInt32BE(4),
      ssrc: buf.readUInt32BE(8),
    },
    payload: buf.subarray(offset),
  };
}
