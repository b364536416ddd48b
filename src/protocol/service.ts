import type { z } from "zod";

// A program's control surface, written once and imported by both ends: each method's params and result,
// each event's data, as zod schemas. The test process and the program validate against the same ones.

export interface MethodDef<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly params: P;
  readonly result: R;
}

export interface ServiceDef<M extends Record<string, MethodDef> = Record<string, MethodDef>, E extends Record<string, z.ZodType> = Record<string, z.ZodType>> {
  readonly name: string;
  readonly methods: M;
  readonly events: E;
}

export function defineService<M extends Record<string, MethodDef>, E extends Record<string, z.ZodType>>(def: ServiceDef<M, E>): ServiceDef<M, E> {
  return def;
}

export type MethodName<S extends ServiceDef> = keyof S["methods"] & string;
export type EventName<S extends ServiceDef> = keyof S["events"] & string;
/** What a caller passes (defaults may be left out). */
export type ParamsIn<S extends ServiceDef, M extends MethodName<S>> = z.input<S["methods"][M]["params"]>;
/** What the handler gets, defaults filled in. */
export type ParamsOut<S extends ServiceDef, M extends MethodName<S>> = z.output<S["methods"][M]["params"]>;
export type ResultIn<S extends ServiceDef, M extends MethodName<S>> = z.input<S["methods"][M]["result"]>;
export type ResultOut<S extends ServiceDef, M extends MethodName<S>> = z.output<S["methods"][M]["result"]>;
export type EventData<S extends ServiceDef, E extends EventName<S>> = z.output<S["events"][E]>;

/** An event as a client keeps it: with its position in the stream it arrived on. */
export interface Received<S extends ServiceDef, E extends EventName<S> = EventName<S>> {
  readonly event: E;
  readonly data: EventData<S, E>;
  /** The daemon's sequence number, when it keeps a history; else the order of arrival here. */
  readonly seq: number;
  /** ms since the epoch, by the sender's clock when it gives one. */
  readonly time: number;
}
