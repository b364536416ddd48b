// A netfilter queue reader over libnetfilter_queue (Debian: libnetfilter-queue1) through koffi's FFI.
// The ALG process does nothing else, so it reads the queue's socket with a blocking recv in its only thread.
import koffi from "koffi";

export const NF_DROP = 0;
export const NF_ACCEPT = 1;
const AF_INET = 2;
const NFQNL_COPY_PACKET = 2;

export type PacketHandler = (packet: Buffer) => { verdict: typeof NF_DROP | typeof NF_ACCEPT; packet?: Buffer };

export function runQueue(queue: number, handle: PacketHandler, onBound: () => void): never {
  const lib = koffi.load("libnetfilter_queue.so.1");
  const libc = koffi.load("libc.so.6");
  const Callback = koffi.proto("int nfq_callback(void *qh, void *nfmsg, void *nfad, void *data)");
  const nfqOpen = lib.func("void *nfq_open()");
  const nfqBindPf = lib.func("int nfq_bind_pf(void *h, uint16_t pf)");
  const nfqCreateQueue = lib.func("void *nfq_create_queue(void *h, uint16_t num, nfq_callback *cb, void *data)");
  const nfqSetMode = lib.func("int nfq_set_mode(void *qh, uint8_t mode, uint32_t range)");
  const nfqFd = lib.func("int nfq_fd(void *h)");
  const nfqHandlePacket = lib.func("int nfq_handle_packet(void *h, uint8_t *buf, int len)");
  const nfqGetHdr = lib.func("void *nfq_get_msg_packet_hdr(void *nfad)");
  const nfqGetPayload = lib.func("int nfq_get_payload(void *nfad, _Out_ void **data)");
  const nfqSetVerdict = lib.func("int nfq_set_verdict(void *qh, uint32_t id, uint32_t verdict, uint32_t len, const uint8_t *buf)");
  const recv = libc.func("long recv(int fd, _Out_ uint8_t *buf, size_t len, int flags)");

  const h = nfqOpen();
  if (!h) throw new Error("nfq_open failed (NET_ADMIN missing?)");
  nfqBindPf(h, AF_INET);
  const callback = koffi.register((qh: unknown, _msg: unknown, nfad: unknown) => {
    const id = Buffer.from(koffi.view(nfqGetHdr(nfad), 4)).readUInt32BE(0);
    const out: unknown[] = [null];
    const length = nfqGetPayload(nfad, out) as number;
    let result: ReturnType<PacketHandler>;
    try {
      result = length > 0 ? handle(Buffer.from(koffi.view(out[0], length))) : { verdict: NF_ACCEPT };
    } catch (e) {
      // The router must never lose traffic to an ALG bug of ours: pass the packet as it came, say why.
      process.stdout.write(`CALLPATH-ALG error ${(e as Error).message}; packet passed untouched\n`);
      result = { verdict: NF_ACCEPT };
    }
    return nfqSetVerdict(qh, id, result.verdict, result.packet?.length ?? 0, result.packet ?? null);
  }, koffi.pointer(Callback));
  const qh = nfqCreateQueue(h, queue, callback, null);
  if (!qh) throw new Error(`nfq_create_queue ${queue} failed (is another process bound to it?)`);
  if (nfqSetMode(qh, NFQNL_COPY_PACKET, 0xffff) < 0) throw new Error("nfq_set_mode failed");
  const fd = nfqFd(h) as number;
  const buf = Buffer.alloc(0x20000);
  onBound();
  for (;;) {
    const n = Number(recv(fd, buf, buf.length, 0));
    if (n > 0) nfqHandlePacket(h, buf, n);
    // ENOBUFS (the kernel dropped queued packets while we were busy): keep reading.
  }
}
