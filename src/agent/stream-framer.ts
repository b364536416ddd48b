// SIP over a byte stream (TCP, TLS) carries no message boundaries: a message ends Content-Length bytes
// after its blank line (RFC 3261 §18.3). CRLF keep-alives (RFC 5626 §4.4.1) between messages are skipped.

const MAX_MESSAGE = 64 * 1024;

export class StreamFramer {
  private buffer = Buffer.alloc(0);

  /** Feeds bytes; returns the complete messages they finish. Throws on a stream that cannot be SIP. */
  push(chunk: Buffer): string[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const out: string[] = [];
    for (;;) {
      let start = 0;
      while (start < this.buffer.length && (this.buffer[start] === 0x0d || this.buffer[start] === 0x0a)) start++;
      this.buffer = this.buffer.subarray(start);
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) {
        if (this.buffer.length > MAX_MESSAGE) throw new Error(`no end of headers within ${MAX_MESSAGE} bytes`);
        return out;
      }
      const head = this.buffer.subarray(0, end).toString("latin1");
      const cl = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*$/im.exec(head);
      if (!cl) throw new Error("a message without Content-Length on a stream transport");
      const total = end + 4 + Number(cl[1]);
      if (total > MAX_MESSAGE) throw new Error(`a ${total}-byte message (limit ${MAX_MESSAGE})`);
      if (this.buffer.length < total) return out;
      out.push(this.buffer.subarray(0, total).toString("utf8"));
      this.buffer = this.buffer.subarray(total);
    }
  }
}
