import { LabError } from "../common/errors.js";
import type { NodeKind } from "./kind.js";

export class UnknownKindError extends LabError {
  override name = "UnknownKindError";
}

/** The node kinds a topology may use; unknown names fail with the list of supported ones. */
export class KindRegistry {
  private readonly kinds = new Map<string, NodeKind<never>>();

  register<S>(kind: NodeKind<S>): this {
    if (this.kinds.has(kind.name)) throw new LabError(`node kind "${kind.name}" is registered twice`);
    this.kinds.set(kind.name, kind as unknown as NodeKind<never>);
    return this;
  }

  has(name: string): boolean {
    return this.kinds.has(name);
  }

  get(name: string): NodeKind<never> {
    const kind = this.kinds.get(name);
    if (!kind) throw new UnknownKindError(`kind "${name}" is not supported; supported: ${this.names().join(", ")}`);
    return kind;
  }

  names(): string[] {
    return [...this.kinds.keys()].sort();
  }

  all(): NodeKind<never>[] {
    return this.names().map((n) => this.kinds.get(n)!);
  }
}
