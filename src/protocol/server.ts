import { z } from "zod";
import { decodeLine, encode, errorShape, issuesText, NO_ID, type EventEnvelope, type RequestEnvelope } from "./envelope.js";
import { ProtocolError } from "./errors.js";
import { streamTransport, type LineTransport } from "./lines.js";
import type { EventData, EventName, MethodName, ParamsOut, ResultIn, ServiceDef } from "./service.js";

/** What a handler may do besides answering: replay the history to the connection that asked. */
export interface RequestContext {
  /** Sends this connection every kept event from `sinceSeq` on (before the answer); returns what it sent. */
  replay(sinceSeq: number): { replayed: number; nextSeq: number };
}

export type Handlers<S extends ServiceDef> = {
  [M in MethodName<S>]: (params: ParamsOut<S, M>, ctx: RequestContext) => Promise<ResultIn<S, M>> | ResultIn<S, M>;
};

export interface ServerOptions {
  /** Keep this many events with sequence numbers, for clients that connect later (daemons). */
  readonly historyLimit?: number;
}

/** The standard method of daemons with a history: replay from a sequence number, then live events. */
export const subscribeMethod = {
  params: z.object({ sinceSeq: z.number().int().min(0).default(0) }),
  result: z.object({ replayed: z.number().int(), nextSeq: z.number().int() }),
};

/** The program's end: validates every request and every answer and event it sends against the service. */
export class ServiceServer<S extends ServiceDef> {
  private readonly connections = new Set<LineTransport>();
  private readonly history: EventEnvelope[] = [];
  private seq = 0;

  constructor(
    readonly service: S,
    private readonly handlers: Handlers<S>,
    private readonly options: ServerOptions = {},
  ) {}

  attach(transport: LineTransport): void {
    this.connections.add(transport);
    transport.onLine((line) => void this.onLine(transport, line));
    transport.onClose(() => this.connections.delete(transport));
  }

  /** Sends an event to every connection (and keeps it, with a history). Invalid data is a bug here: it throws. */
  emit<E extends EventName<S>>(event: E, data: EventData<S, E>): void {
    const schema = this.service.events[event];
    if (!schema) throw new ProtocolError(`${this.service.name} has no event "${event}"`);
    const checked = schema.safeParse(data);
    if (!checked.success) throw new ProtocolError(`${event} event: ${issuesText(checked.error)}`);
    const msg: EventEnvelope = { t: "evt", event, data: checked.data };
    if (this.options.historyLimit) {
      Object.assign(msg, { seq: this.seq++, time: Date.now() });
      this.history.push(msg);
      if (this.history.length > this.options.historyLimit) this.history.shift();
    }
    const line = encode(msg);
    for (const c of this.connections) c.send(line);
  }

  private async onLine(from: LineTransport, line: string): Promise<void> {
    const d = decodeLine(line);
    if (!d.ok) return from.send(encode({ t: "res", id: NO_ID, ok: false, error: { name: "ProtocolError", message: d.why } }));
    if (d.msg.t !== "req")
      return from.send(
        encode({ t: "res", id: NO_ID, ok: false, error: { name: "ProtocolError", message: `a program takes requests, not ${d.msg.t} messages` } }),
      );
    from.send(encode(await this.answer(from, d.msg)));
  }

  private async answer(from: LineTransport, req: RequestEnvelope) {
    const fail = (e: unknown) => ({ t: "res" as const, id: req.id, ok: false as const, error: errorShape(e) });
    const def = this.service.methods[req.method];
    const handler = (this.handlers as Record<string, (p: unknown, ctx: RequestContext) => unknown>)[req.method];
    if (!def || !handler)
      return fail(new ProtocolError(`${this.service.name} has no method "${req.method}"; it has: ${Object.keys(this.service.methods).join(", ")}`));
    const params = def.params.safeParse(req.params ?? {});
    if (!params.success) return fail(new ProtocolError(`${req.method} params: ${issuesText(params.error)}`));
    let result: unknown;
    try {
      result = await handler(params.data, { replay: (since) => this.replay(from, since) });
    } catch (e) {
      return fail(e);
    }
    const checked = def.result.safeParse(result);
    if (!checked.success) return fail(new ProtocolError(`${req.method} result (a bug in ${this.service.name}): ${issuesText(checked.error)}`));
    return { t: "res" as const, id: req.id, ok: true as const, result: checked.data ?? null };
  }

  private replay(to: LineTransport, sinceSeq: number): { replayed: number; nextSeq: number } {
    const kept = this.history.filter((e) => (e.seq ?? 0) >= sinceSeq);
    for (const e of kept) to.send(encode(e));
    return { replayed: kept.length, nextSeq: this.seq };
  }
}

/** A program driven over its own stdio (a `docker exec`): the user agent, the probe. */
export function serveStdio<S extends ServiceDef>(server: ServiceServer<S>, onClose: () => void): void {
  const t = streamTransport(process.stdin, process.stdout);
  t.onClose(onClose);
  server.attach(t);
}
