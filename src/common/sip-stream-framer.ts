// SIP over a byte stream (TCP, TLS) carries no message boundaries: a message ends Content-Length bytes
// after its blank line (RFC 3261 §18.3). Messages come out as the exact bytes that arrived (the mirror
// echoes them; the agent decodes them). CRLF keep-alives (RFC 5626 §4.4.1) between messages are skipped.

export const MAX_STREAM_MESSAGE = 64 * 1024;

export type Framed = { readonly messages: Buffer[]; readonly error?: string };

export class SipStreamFramer {
  private buffer: Buffer = Buffer.alloc(0);

  /** Feeds bytes; returns the complete messages they finish, and an error once the stream cannot be SIP. */
  push(chunk: Buffer): Framed {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const messages: Buffer[] = [];
    for (;;) {
      let start = 0;
      while (start < this.buffer.length && (this.buffer[start] === 0x0d || this.buffer[start] === 0x0a)) start++;
      this.buffer = this.buffer.subarray(start);
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) {
        if (this.buffer.length > MAX_STREAM_MESSAGE) return { messages, error: `no end of headers within ${MAX_STREAM_MESSAGE} bytes` };
        return { messages };
      }
      const head = this.buffer.subarray(0, end).toString("latin1");
      const cl = /^(?:content-length|l)[ \t]*:[ \t]*(\d{1,7})[ \t]*$/im.exec(head);
      if (!cl) return { messages, error: "a message without Content-Length on a stream transport" };
      const total = end + 4 + Number(cl[1]);
      if (total > MAX_STREAM_MESSAGE) return { messages, error: `a ${total}-byte message (limit ${MAX_STREAM_MESSAGE})` };
      if (this.buffer.length < total) return { messages };
      messages.push(Buffer.from(this.buffer.subarray(0, total)));
      this.buffer = this.buffer.subarray(total);
    }
  }
}
