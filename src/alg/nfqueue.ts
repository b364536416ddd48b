// A netfilter queue reader for the userspace ALG. recv waits off the main thread (koffi's async call),
// so the ALG's control socket is served between packets.
import { AF_INET, libnfq, NF_ACCEPT, NF_DROP, NFQNL_COPY_PACKET, queueCallback } from "../netfilter/libnfq.js";

export { NF_ACCEPT, NF_DROP };

export type PacketHandler = (packet: Buffer) => { verdict: typeof NF_DROP | typeof NF_ACCEPT; packet?: Buffer };

/** Binds `queue` and hands each packet to `handle`; a throwing handler passes the packet untouched and is told. */
export function runQueue(queue: number, handle: PacketHandler, onError: (e: Error) => void): void {
  const { nfqOpen, nfqBindPf, nfqCreateQueue, nfqSetMode, nfqFd, nfqHandlePacket, nfqSetVerdict, recv } = libnfq();
  const h = nfqOpen();
  if (!h) throw new Error("nfq_open failed (NET_ADMIN missing?)");
  nfqBindPf(h, AF_INET);
  const callback = queueCallback((qh, id, packet) => {
    let result: ReturnType<PacketHandler>;
    try {
      result = packet.length > 0 ? handle(packet) : { verdict: NF_ACCEPT };
    } catch (e) {
      // The router must never lose traffic to an ALG bug of ours: pass the packet as it came, say why.
      onError(e as Error);
      result = { verdict: NF_ACCEPT };
    }
    return nfqSetVerdict(qh, id, result.verdict, result.packet?.length ?? 0, result.packet ?? null) as number;
  });
  const qh = nfqCreateQueue(h, queue, callback, null);
  if (!qh) throw new Error(`nfq_create_queue ${queue} failed (is another process bound to it?)`);
  if (nfqSetMode(qh, NFQNL_COPY_PACKET, 0xffff) < 0) throw new Error("nfq_set_mode failed");
  const fd = nfqFd(h) as number;
  const buf = Buffer.alloc(0x20000);
  const next = (): void =>
    recv.async(fd, buf, buf.length, 0, (err: unknown, n: number | bigint) => {
      if (err) throw err;
      if (Number(n) > 0) nfqHandlePacket(h, buf, Number(n));
      // ENOBUFS (the kernel dropped queued packets while we were busy): keep reading.
      next();
    });
  next();
}
