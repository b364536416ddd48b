import type { Cidr } from "../common/ipv4.js";
import type { EngineChoice } from "../impair/model.js";

export interface ResolvedNetwork {
  readonly name: string;
  /** Declared subnet, or null: the lab allocates one from its pool when it starts. */
  readonly subnet: Cidr | null;
  /** "Public" networks get documentation-range addresses (RFC 5737); others private ones. */
  readonly public: boolean;
  /** The segment's MTU, or null for Docker's default (1500). */
  readonly mtu: number | null;
}

export interface ResolvedInterface {
  readonly network: string;
  readonly role: string;
  /** A fixed address, or the host number inside the (possibly not yet allocated) subnet. */
  readonly address: { readonly ip: number } | { readonly host: number };
}

export interface ResolvedNode<S = Record<string, unknown>> {
  readonly name: string;
  readonly kind: string;
  readonly spec: S;
  readonly interfaces: readonly ResolvedInterface[];
  readonly gateway: string | undefined;
}

export interface ResolvedTopology {
  readonly file: string;
  readonly name: string;
  readonly description: string | undefined;
  readonly impairmentEngine: EngineChoice;
  readonly networks: ReadonlyMap<string, ResolvedNetwork>;
  /** In declaration order, which is also start order within a stage. */
  readonly nodes: ReadonlyMap<string, ResolvedNode>;
}
