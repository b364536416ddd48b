import { LabError } from "../common/errors.js";
import type { AnyKind, NodeHandle, NodeKind } from "./kind.js";

export class UnknownKindError extends LabError {
  override name = "UnknownKindError";
}

/** The node kinds a topology may use; unknown names fail with the list of supported ones. */
export class KindRegistry {
  private readonly kinds = new Map<string, AnyKind>();

  register<S, H extends NodeHandle | undefined>(kind: NodeKind<S, H>): this {
    if (this.kinds.has(kind.name)) throw new LabError(`node kind "${kind.name}" is registered twice`);
    this.kinds.set(kind.name, kind as AnyKind);
    return this;
  }

  has(name: string): boolean {
    return this.kinds.has(name);
  }

  get(name: string): AnyKind {
    const kind = this.kinds.get(name);
    if (!kind) throw new UnknownKindError(`kind "${name}" is not supported; supported: ${this.names().join(", ")}`);
    return kind;
  }

  names(): string[] {
    return [...this.kinds.keys()].sort();
  }

  all(): AnyKind[] {
    return this.names().map((n) => this.kinds.get(n)!);
  }
}
