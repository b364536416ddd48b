import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

// A small typed STUN codec (RFC 8489 header and attributes, RFC 8656 TURN, RFC 5780 NAT behaviour
// discovery): what callpath's reference probe sends and reads. Pure; checked against RFC 5769's vectors.
// Written here rather than taken from npm: the `stun` package is CommonJS with a dependency tree of its
// own, and has none of RFC 5780's attributes; this is a few hundred lines the probe controls byte for byte.

export const MAGIC_COOKIE = 0x2112a442;
export const HEADER_BYTES = 20;
const FINGERPRINT_XOR = 0x5354554e;

export const METHOD = { binding: 0x001, allocate: 0x003, refresh: 0x004 } as const;
export type StunClass = "request" | "indication" | "success" | "error";
const CLASS_BITS: Record<StunClass, number> = { request: 0, indication: 1, success: 2, error: 3 };

export const ATTR = {
  MAPPED_ADDRESS: 0x0001,
  CHANGE_REQUEST: 0x0003,
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  UNKNOWN_ATTRIBUTES: 0x000a,
  LIFETIME: 0x000d,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_TRANSPORT: 0x0019,
  XOR_MAPPED_ADDRESS: 0x0020,
  PADDING: 0x0026,
  SOFTWARE: 0x8022,
  FINGERPRINT: 0x8028,
  RESPONSE_ORIGIN: 0x802b,
  OTHER_ADDRESS: 0x802c,
} as const;

export interface Attribute {
  readonly type: number;
  readonly value: Buffer;
}

export interface StunMessage {
  readonly method: number;
  readonly cls: StunClass;
  /** 12 bytes. */
  readonly transactionId: Buffer;
  readonly attributes: readonly Attribute[];
}

/** A decoded message with where each attribute started, for MESSAGE-INTEGRITY and FINGERPRINT checks. */
export interface Decoded extends StunMessage {
  readonly raw: Buffer;
  readonly offsets: readonly number[];
}

export interface TransportAddress {
  readonly address: string;
  readonly port: number;
}

export const formatAddress = (a: TransportAddress): string => `${a.address}:${a.port}`;

export function newTransactionId(): Buffer {
  return randomBytes(12);
}

export function messageType(method: number, cls: StunClass): number {
  const c = CLASS_BITS[cls];
  return (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((c & 1) << 4) | ((c & 2) << 7);
}

function splitType(type: number): { method: number; cls: StunClass } {
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const c = ((type & 0x0010) >> 4) | ((type & 0x0100) >> 7);
  const cls = (Object.keys(CLASS_BITS) as StunClass[]).find((k) => CLASS_BITS[k] === c)!;
  return { method, cls };
}

// CRC-32 (ISO 3309, as zlib), table-driven.
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The long-term credential key (RFC 8489 §9.2.2): MD5(username ":" realm ":" password); no SASLprep (ASCII credentials). */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash("md5").update(`${username}:${realm}:${password}`, "utf8").digest();
}

export interface EncodeOptions {
  /** Appends MESSAGE-INTEGRITY (HMAC-SHA1) with this key. */
  readonly integrityKey?: Buffer;
  /** Appends FINGERPRINT. */
  readonly fingerprint?: boolean;
  /** The byte attribute values are padded with (RFC 5389 let it be anything; RFC 5769's vectors use spaces). */
  readonly padByte?: number;
}

const pad4 = (n: number): number => (n + 3) & ~3;

function attributeBytes(a: Attribute, padByte = 0): Buffer {
  const out = Buffer.alloc(4 + pad4(a.value.length), padByte);
  out.writeUInt16BE(a.type, 0);
  out.writeUInt16BE(a.value.length, 2);
  a.value.copy(out, 4);
  return out;
}

export function encode(m: StunMessage, o: EncodeOptions = {}): Buffer {
  if (m.transactionId.length !== 12) throw new Error("a STUN transaction id is 12 bytes");
  let body = Buffer.concat(m.attributes.map((a) => attributeBytes(a, o.padByte)));
  const header = (length: number): Buffer => {
    const h = Buffer.alloc(HEADER_BYTES);
    h.writeUInt16BE(messageType(m.method, m.cls), 0);
    h.writeUInt16BE(length, 2);
    h.writeUInt32BE(MAGIC_COOKIE, 4);
    m.transactionId.copy(h, 8);
    return h;
  };
  if (o.integrityKey) {
    // The HMAC covers the message up to the attribute, with the length already counting it (§14.5).
    const hmac = createHmac("sha1", o.integrityKey)
      .update(Buffer.concat([header(body.length + 24), body]))
      .digest();
    body = Buffer.concat([body, attributeBytes({ type: ATTR.MESSAGE_INTEGRITY, value: hmac })]);
  }
  if (o.fingerprint) {
    const crc = (crc32(Buffer.concat([header(body.length + 8), body])) ^ FINGERPRINT_XOR) >>> 0;
    const v = Buffer.alloc(4);
    v.writeUInt32BE(crc, 0);
    body = Buffer.concat([body, attributeBytes({ type: ATTR.FINGERPRINT, value: v })]);
  }
  return Buffer.concat([header(body.length), body]);
}

/** Whether these bytes start like STUN: top two bits 0, the magic cookie. */
export function looksLikeStun(buf: Buffer): boolean {
  return buf.length >= HEADER_BYTES && (buf[0]! & 0xc0) === 0 && buf.readUInt32BE(4) === MAGIC_COOKIE;
}

/** A whole message's length from its header (for framing STUN on a stream), or undefined. */
export function messageLength(buf: Buffer): number | undefined {
  if (buf.length < 4 || (buf[0]! & 0xc0) !== 0) return undefined;
  return HEADER_BYTES + buf.readUInt16BE(2);
}

/** Decodes exactly one message; undefined for anything that is not well-formed STUN. Never throws. */
export function decode(buf: Buffer): Decoded | undefined {
  if (!looksLikeStun(buf)) return undefined;
  const length = buf.readUInt16BE(2);
  if (length % 4 !== 0 || HEADER_BYTES + length !== buf.length) return undefined;
  const attributes: Attribute[] = [];
  const offsets: number[] = [];
  let at = HEADER_BYTES;
  while (at < buf.length) {
    if (at + 4 > buf.length) return undefined;
    const type = buf.readUInt16BE(at);
    const len = buf.readUInt16BE(at + 2);
    if (at + 4 + len > buf.length) return undefined;
    offsets.push(at);
    attributes.push({ type, value: Buffer.from(buf.subarray(at + 4, at + 4 + len)) });
    at += 4 + pad4(len);
  }
  const { method, cls } = splitType(buf.readUInt16BE(0));
  return { method, cls, transactionId: Buffer.from(buf.subarray(8, 20)), attributes, raw: buf, offsets };
}

export function getAttr(m: StunMessage, type: number): Buffer | undefined {
  return m.attributes.find((a) => a.type === type)?.value;
}

/** Checks MESSAGE-INTEGRITY with `key`: false when absent or wrong. */
export function verifyIntegrity(m: Decoded, key: Buffer): boolean {
  const i = m.attributes.findIndex((a) => a.type === ATTR.MESSAGE_INTEGRITY);
  if (i < 0 || m.attributes[i]!.value.length !== 20) return false;
  const at = m.offsets[i]!;
  const head = Buffer.from(m.raw.subarray(0, at));
  head.writeUInt16BE(at + 24 - HEADER_BYTES, 2);
  const want = createHmac("sha1", key).update(head).digest();
  return timingSafeEqual(want, m.attributes[i]!.value);
}

/** Checks FINGERPRINT: true when present and right, false when wrong, undefined when absent. */
export function verifyFingerprint(m: Decoded): boolean | undefined {
  const i = m.attributes.findIndex((a) => a.type === ATTR.FINGERPRINT);
  if (i < 0) return undefined;
  const at = m.offsets[i]!;
  const head = Buffer.from(m.raw.subarray(0, at));
  head.writeUInt16BE(at + 8 - HEADER_BYTES, 2);
  return m.attributes[i]!.value.length === 4 && (crc32(head) ^ FINGERPRINT_XOR) >>> 0 === m.attributes[i]!.value.readUInt32BE(0);
}

// Typed attributes.

function addressValue(a: TransportAddress, xor: Buffer | undefined): Buffer {
  const parts = a.address.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${a.address}`);
  const v = Buffer.alloc(8);
  v[1] = 0x01;
  v.writeUInt16BE(xor ? a.port ^ (MAGIC_COOKIE >>> 16) : a.port, 2);
  Buffer.from(parts).copy(v, 4);
  if (xor) v.writeUInt32BE((v.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0, 4);
  return v;
}

function readAddress(v: Buffer | undefined, xorWith: Buffer | undefined): TransportAddress | undefined {
  if (!v || v.length < 8) return undefined;
  const family = v[1];
  let port = v.readUInt16BE(2);
  if (xorWith) port ^= MAGIC_COOKIE >>> 16;
  if (family === 0x01 && v.length === 8) {
    const ip = Buffer.from(v.subarray(4, 8));
    if (xorWith) ip.writeUInt32BE((ip.readUInt32BE(0) ^ MAGIC_COOKIE) >>> 0, 0);
    return { address: [...ip].join("."), port };
  }
  if (family === 0x02 && v.length === 20) {
    const ip = Buffer.from(v.subarray(4, 20));
    if (xorWith) for (let i = 0; i < 16; i++) ip[i] = ip[i]! ^ xorWith[i]!;
    const words: string[] = [];
    for (let i = 0; i < 16; i += 2) words.push(ip.readUInt16BE(i).toString(16));
    return { address: words.join(":"), port };
  }
  return undefined;
}

/** The 16 bytes an XOR address is xored with: the cookie, then the transaction id. */
function xorKey(m: StunMessage): Buffer {
  const k = Buffer.alloc(16);
  k.writeUInt32BE(MAGIC_COOKIE, 0);
  m.transactionId.copy(k, 4);
  return k;
}

export const xorMappedAddress = (m: StunMessage): TransportAddress | undefined => readAddress(getAttr(m, ATTR.XOR_MAPPED_ADDRESS), xorKey(m));
export const xorRelayedAddress = (m: StunMessage): TransportAddress | undefined => readAddress(getAttr(m, ATTR.XOR_RELAYED_ADDRESS), xorKey(m));
export const mappedAddress = (m: StunMessage): TransportAddress | undefined => readAddress(getAttr(m, ATTR.MAPPED_ADDRESS), undefined);
export const otherAddress = (m: StunMessage): TransportAddress | undefined => readAddress(getAttr(m, ATTR.OTHER_ADDRESS), undefined);
export const responseOrigin = (m: StunMessage): TransportAddress | undefined => readAddress(getAttr(m, ATTR.RESPONSE_ORIGIN), undefined);

export function xorMappedAddressAttr(a: TransportAddress, transactionId: Buffer): Attribute {
  const v = addressValue(a, transactionId);
  return { type: ATTR.XOR_MAPPED_ADDRESS, value: v };
}
export const mappedAddressAttr = (type: number, a: TransportAddress): Attribute => ({ type, value: addressValue(a, undefined) });

export function errorCode(m: StunMessage): { code: number; reason: string } | undefined {
  const v = getAttr(m, ATTR.ERROR_CODE);
  if (!v || v.length < 4) return undefined;
  return { code: (v[2]! & 0x07) * 100 + v[3]!, reason: v.subarray(4).toString("utf8") };
}

export function errorCodeAttr(code: number, reason: string): Attribute {
  const r = Buffer.from(reason, "utf8");
  const v = Buffer.alloc(4 + r.length);
  v[2] = Math.floor(code / 100);
  v[3] = code % 100;
  r.copy(v, 4);
  return { type: ATTR.ERROR_CODE, value: v };
}

export const textAttr = (type: number, text: string): Attribute => ({ type, value: Buffer.from(text, "utf8") });
export const textOf = (m: StunMessage, type: number): string | undefined => getAttr(m, type)?.toString("utf8");

export function u32Attr(type: number, n: number): Attribute {
  const v = Buffer.alloc(4);
  v.writeUInt32BE(n >>> 0, 0);
  return { type, value: v };
}
export function u32Of(m: StunMessage, type: number): number | undefined {
  const v = getAttr(m, type);
  return v && v.length === 4 ? v.readUInt32BE(0) : undefined;
}

/** CHANGE-REQUEST (RFC 5780 §7.2): ask the server to answer from its other address and/or port. */
export const changeRequestAttr = (o: { ip: boolean; port: boolean }): Attribute => u32Attr(ATTR.CHANGE_REQUEST, (o.ip ? 4 : 0) | (o.port ? 2 : 0));

/** REQUESTED-TRANSPORT (RFC 8656 §18.7): protocol number in the first byte; 17 is UDP. */
export const requestedTransportAttr = (protocol = 17): Attribute => ({ type: ATTR.REQUESTED_TRANSPORT, value: Buffer.from([protocol, 0, 0, 0]) });

/** A Binding request, with FINGERPRINT (coturn is configured with `fingerprint`). */
export function bindingRequest(attributes: readonly Attribute[] = [], transactionId = newTransactionId()): { bytes: Buffer; transactionId: Buffer } {
  return { bytes: encode({ method: METHOD.binding, cls: "request", transactionId, attributes }, { fingerprint: true }), transactionId };
}
