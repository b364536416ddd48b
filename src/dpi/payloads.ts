import { randomBytes } from "node:crypto";

// Wire samples for proving DPI signatures (CONDITIONS.md B.1): each is what the protocol really puts at the
// start of a UDP payload or a TCP stream, and the controls are traffic a signature must leave alone.

const COOKIE = 0x2112a442;

export function stunBindingRequest(): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16BE(0x0001, 0);
  b.writeUInt16BE(0, 2);
  b.writeUInt32BE(COOKIE, 4);
  randomBytes(12).copy(b, 8);
  return b;
}

/** RFC 8656 §12: channel 0x4000, a 4-byte body. */
export function channelData(): Buffer {
  return Buffer.concat([Buffer.from([0x40, 0x00, 0x00, 0x04]), Buffer.from("data")]);
}

export function rtpPacket(payloadType = 0, sequence = 1): Buffer {
  const b = Buffer.alloc(12 + 160, 0xff);
  b[0] = 0x80;
  b[1] = payloadType;
  b.writeUInt16BE(sequence & 0xffff, 2);
  b.writeUInt32BE(sequence * 160, 4);
  b.writeUInt32BE(0x12345678, 8);
  return b;
}

/** An RTCP sender report header (PT 200) with an empty body. */
export function rtcpSenderReport(): Buffer {
  const b = Buffer.alloc(28);
  b[0] = 0x80;
  b[1] = 200;
  b.writeUInt16BE(6, 2);
  b.writeUInt32BE(0x12345678, 4);
  return b;
}

/** A DTLS 1.2 handshake record header and the start of a ClientHello. */
export function dtlsClientHello(): Buffer {
  const b = Buffer.alloc(13 + 12);
  b[0] = 0x16;
  b.writeUInt16BE(0xfefd, 1);
  b.writeUInt16BE(12, 11);
  b[13] = 0x01;
  return b;
}

/** RFC 4571 framing (ICE-TCP): a 2-byte length, then the packet. */
export function rfc4571(packet: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(packet.length, 0);
  return Buffer.concat([len, packet]);
}

/** A TLS 1.2 ClientHello record header: what HTTPS, TURNS and SIP over TLS all start with. */
export function tlsClientHello(): Buffer {
  const b = Buffer.alloc(5 + 40);
  b[0] = 0x16;
  b.writeUInt16BE(0x0301, 1);
  b.writeUInt16BE(40, 3);
  b[5] = 0x01;
  return b;
}

/** A DNS query for callpath.test, type A. */
export function dnsQuery(): Buffer {
  const name = Buffer.from([8, ...Buffer.from("callpath"), 4, ...Buffer.from("test"), 0]);
  return Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), name, Buffer.from([0, 1, 0, 1])]);
}

export function sipOptions(): Buffer {
  return Buffer.from("OPTIONS sip:bob@callpath.test SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bKx\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
}

export interface Sample {
  readonly proto: "udp" | "tcp";
  readonly port: number;
  readonly bytes: () => Buffer;
}

/** Samples by the names scenarios use. */
export const SAMPLES: Readonly<Record<string, Sample>> = {
  "STUN over UDP": { proto: "udp", port: 3478, bytes: stunBindingRequest },
  "STUN over UDP on port 5000": { proto: "udp", port: 5000, bytes: stunBindingRequest },
  "TURN ChannelData over UDP": { proto: "udp", port: 3478, bytes: channelData },
  "RTP over UDP": { proto: "udp", port: 20000, bytes: () => rtpPacket(0) },
  "RTCP over UDP": { proto: "udp", port: 20001, bytes: rtcpSenderReport },
  "DTLS over UDP": { proto: "udp", port: 40000, bytes: dtlsClientHello },
  "TURN over TCP": { proto: "tcp", port: 3478, bytes: stunBindingRequest },
  "ICE-TCP": { proto: "tcp", port: 9, bytes: () => rfc4571(stunBindingRequest()) },
  "TLS on 443": { proto: "tcp", port: 443, bytes: tlsClientHello },
  "plain TCP": { proto: "tcp", port: 8080, bytes: () => Buffer.from("GET / HTTP/1.1\r\nHost: callpath.test\r\n\r\n") },
  DNS: { proto: "udp", port: 53, bytes: dnsQuery },
  "UDP on 5000": { proto: "udp", port: 5000, bytes: () => Buffer.from("hello over udp") },
  "SIP over TCP": { proto: "tcp", port: 5060, bytes: sipOptions },
};
