import { SipStreamFramer } from "../common/sip-stream-framer.js";

/** The agent's side of a SIP stream: messages as text, and a stream that cannot be SIP is an error. */
export class StreamFramer {
  private readonly framer = new SipStreamFramer();

  /** Feeds bytes; returns the complete messages they finish. Throws on a stream that cannot be SIP. */
  push(chunk: Buffer): string[] {
    const { messages, error } = this.framer.push(chunk);
    if (error) throw new Error(error);
    return messages.map((m) => m.toString("utf8"));
  }
}
