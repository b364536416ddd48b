import { LabError } from "../common/errors.js";
import type { RemoteErrorShape } from "./envelope.js";

/** The program in the node answered with an error: its own name, message and stack, as it raised them. */
export class RemoteError extends LabError {
  override name = "RemoteError";
  readonly remoteName: string;
  readonly remoteStack: string | undefined;
  constructor(
    readonly peer: string,
    readonly method: string,
    remote: RemoteErrorShape,
  ) {
    super(`${peer}: ${method} failed: ${remote.name}: ${remote.message}`);
    this.remoteName = remote.name;
    this.remoteStack = remote.stack;
  }
}

/** A message that does not follow the service definition (sent or received). */
export class ProtocolError extends LabError {
  override name = "ProtocolError";
}

export class RequestTimeoutError extends LabError {
  override name = "RequestTimeoutError";
}

export class ChannelClosedError extends LabError {
  override name = "ChannelClosedError";
}
