// libnetfilter_queue (Debian: libnetfilter-queue1) and the libc calls around it, through koffi's FFI: the
// bindings the userspace ALG and the impairment engine share. Loaded on first use, inside a node.
import koffi from "koffi";

export const NF_DROP = 0;
export const NF_ACCEPT = 1;
export const AF_INET = 2;
export const NFQNL_COPY_PACKET = 2;

let cached: ReturnType<typeof bind> | undefined;

function bind() {
  const lib = koffi.load("libnetfilter_queue.so.1");
  const libc = koffi.load("libc.so.6");
  const Callback = koffi.proto("int nfq_callback(void *qh, void *nfmsg, void *nfad, void *data)");
  return {
    Callback,
    nfqOpen: lib.func("void *nfq_open()"),
    nfqBindPf: lib.func("int nfq_bind_pf(void *h, uint16_t pf)"),
    nfqCreateQueue: lib.func("void *nfq_create_queue(void *h, uint16_t num, nfq_callback *cb, void *data)"),
    nfqSetMode: lib.func("int nfq_set_mode(void *qh, uint8_t mode, uint32_t range)"),
    nfqSetMaxlen: lib.func("int nfq_set_queue_maxlen(void *qh, uint32_t len)"),
    nfqFd: lib.func("int nfq_fd(void *h)"),
    nfqHandlePacket: lib.func("int nfq_handle_packet(void *h, uint8_t *buf, int len)"),
    nfqGetHdr: lib.func("void *nfq_get_msg_packet_hdr(void *nfad)"),
    nfqGetPayload: lib.func("int nfq_get_payload(void *nfad, _Out_ void **data)"),
    nfqSetVerdict: lib.func("int nfq_set_verdict(void *qh, uint32_t id, uint32_t verdict, uint32_t len, const uint8_t *buf)"),
    recv: libc.func("long recv(int fd, _Out_ uint8_t *buf, size_t len, int flags)"),
    read: libc.func("long read(int fd, _Out_ uint8_t *buf, size_t len)"),
    open: libc.func("int open(const char *path, int flags)"),
    ppoll: libc.func("int ppoll(_Inout_ uint8_t *fds, unsigned long nfds, const uint8_t *tmo, void *sigmask)"),
    setsockopt: libc.func("int setsockopt(int fd, int level, int name, const uint8_t *val, uint32_t len)"),
    socket: libc.func("int socket(int domain, int type, int protocol)"),
    sendto: libc.func("long sendto(int fd, const uint8_t *buf, size_t len, int flags, const uint8_t *addr, uint32_t alen)"),
  };
}

export function libnfq(): ReturnType<typeof bind> {
  cached ??= bind();
  return cached;
}

/** Registers `handle` as a queue callback: it gets the packet id and a copy of the packet. */
export function queueCallback(handle: (qh: unknown, id: number, packet: Buffer) => number): unknown {
  const n = libnfq();
  return koffi.register((qh: unknown, _msg: unknown, nfad: unknown) => {
    const id = Buffer.from(koffi.view(n.nfqGetHdr(nfad), 4)).readUInt32BE(0);
    const out: unknown[] = [null];
    const length = n.nfqGetPayload(nfad, out) as number;
    return handle(qh, id, length > 0 ? Buffer.from(koffi.view(out[0], length)) : Buffer.alloc(0));
  }, koffi.pointer(n.Callback));
}
