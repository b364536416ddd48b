import { decodeLine, encode, issuesText, NO_ID, type EventEnvelope } from "./envelope.js";
import { ChannelClosedError, ProtocolError, RemoteError, RequestTimeoutError } from "./errors.js";
import type { LineTransport } from "./lines.js";
import type { EventData, EventName, MethodName, ParamsIn, Received, ResultOut, ServiceDef } from "./service.js";

export interface ClientOptions {
  /** Who is at the other end, for messages: "agent alice", "alg on nat1". */
  readonly peer: string;
  /** Default request timeout. */
  readonly timeoutMs?: number;
  /** Events kept for waitFor()/received(); the oldest go first. */
  readonly historyLimit?: number;
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** A mark() taken earlier: events received since then count too. Default: the whole history kept. */
  readonly since?: number;
}

interface Pending {
  readonly method: string;
  readonly resolve: (result: unknown) => void;
  readonly reject: (e: Error) => void;
  readonly timer: NodeJS.Timeout;
}

type AnyListener = (e: Received<ServiceDef>) => void;

/** The test process's end of a channel to one program: typed requests, validated answers and events. */
export class ServiceClient<S extends ServiceDef> {
  private nextId = NO_ID + 1;
  private readonly pending = new Map<number, Pending>();
  private readonly history: Array<Received<S>> = [];
  /** Events received so far, including those the history limit has dropped: marks are counts. */
  private count = 0;
  /** Sequence numbers of events already taken: a replayed history overlaps what arrived live. */
  private readonly seenSeq = new Set<number>();
  private readonly listeners = new Set<AnyListener>();
  private readonly problemList: string[] = [];
  private closedWhy: string | undefined;

  constructor(
    readonly service: S,
    private readonly transport: LineTransport,
    private readonly options: ClientOptions,
  ) {
    transport.onLine((line) => this.onLine(line));
    transport.onClose((why) => this.failAll(why));
  }

  get peer(): string {
    return this.options.peer;
  }

  get isClosed(): boolean {
    return this.closedWhy !== undefined;
  }

  request<M extends MethodName<S>>(method: M, params: ParamsIn<S, M>, opts: { timeoutMs?: number } = {}): Promise<ResultOut<S, M>> {
    if (this.closedWhy !== undefined) return Promise.reject(new ChannelClosedError(`${this.peer}: channel closed (${this.closedWhy}); ${method} not sent`));
    const def = this.service.methods[method];
    if (!def) return Promise.reject(new ProtocolError(`${this.peer}: ${this.service.name} has no method "${method}"`));
    const checked = def.params.safeParse(params);
    if (!checked.success) return Promise.reject(new ProtocolError(`${this.peer}: ${method} params: ${issuesText(checked.error)}`));
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs ?? this.options.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RequestTimeoutError(`${this.peer}: no answer to ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { method, resolve: resolve as (r: unknown) => void, reject, timer });
      // Sent as given, not as parsed: the far end applies the defaults, so both ends agree on them.
      this.transport.send(encode({ t: "req", id, method, params }));
    });
  }

  /** Calls `listener` for each `event` from now on; returns the unsubscribe. */
  on<E extends EventName<S>>(event: E, listener: (data: EventData<S, E>, e: Received<S, E>) => void): () => void {
    const f: AnyListener = (e) => {
      if (e.event === event) listener(e.data as EventData<S, E>, e as unknown as Received<S, E>);
    };
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  /** A point in the event stream, for `since`. */
  mark(): number {
    return this.count;
  }

  /** `event`s kept since `since` (a mark), in arrival order. */
  received<E extends EventName<S>>(event: E, since = 0): Array<Received<S, E>> {
    const first = this.count - this.history.length;
    return this.history.slice(Math.max(0, since - first)).filter((e): e is Received<S, E> => e.event === event);
  }

  /** The first `event` (since `since`, or arriving later) that `predicate` accepts. */
  waitFor<E extends EventName<S>>(event: E, predicate: (data: EventData<S, E>) => boolean, opts: WaitOptions): Promise<EventData<S, E>> {
    const hit = this.received(event, opts.since).find((e) => predicate(e.data));
    if (hit) return Promise.resolve(hit.data);
    if (this.closedWhy !== undefined) return Promise.reject(new ChannelClosedError(`${this.peer}: channel closed (${this.closedWhy}); no ${event} will come`));
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        off();
        this.closeWaiters.delete(onClose);
        opts.signal?.removeEventListener("abort", onAbort);
      };
      const off = this.on(event, (data) => {
        if (!predicate(data)) return;
        done();
        resolve(data);
      });
      const timer = setTimeout(() => {
        done();
        reject(new RequestTimeoutError(`${this.peer}: no matching ${event} event within ${opts.timeoutMs} ms`));
      }, opts.timeoutMs);
      const onAbort = (): void => {
        done();
        reject(opts.signal?.reason instanceof Error ? opts.signal.reason : new Error(`waiting for ${event} aborted`));
      };
      // A closed channel brings no more events: fail now rather than at the timeout.
      const onClose = (why: string): void => {
        done();
        reject(new ChannelClosedError(`${this.peer}: channel closed (${why}) while waiting for ${event}`));
      };
      this.closeWaiters.add(onClose);
      if (opts.signal?.aborted) onAbort();
      else opts.signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  private readonly closeWaiters = new Set<(why: string) => void>();

  /** Lines that broke the protocol (unparsable, unknown ids or events, invalid data): kept for reports. */
  problems(): readonly string[] {
    return this.problemList;
  }

  close(): void {
    this.transport.close();
    this.failAll("closed here");
  }

  private onLine(line: string): void {
    const d = decodeLine(line);
    if (!d.ok) return this.problem(d.why);
    const msg = d.msg;
    if (msg.t === "evt") return this.onEvent(msg);
    if (msg.t === "req") return this.problem(`unexpected request from the program: ${msg.method}`);
    const p = this.pending.get(msg.id);
    if (!p) return this.problem(msg.ok ? `an answer to no pending request (id ${msg.id})` : `error without a request: ${msg.error.name}: ${msg.error.message}`);
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if (!msg.ok) return p.reject(new RemoteError(this.peer, p.method, msg.error));
    const checked = this.service.methods[p.method]!.result.safeParse(msg.result);
    if (checked.success) p.resolve(checked.data);
    else p.reject(new ProtocolError(`${this.peer}: ${p.method} result: ${issuesText(checked.error)}`));
  }

  private onEvent(msg: EventEnvelope): void {
    const schema = this.service.events[msg.event];
    if (!schema) return this.problem(`unknown event "${msg.event}"`);
    const checked = schema.safeParse(msg.data);
    if (!checked.success) return this.problem(`${msg.event} event: ${issuesText(checked.error)}`);
    if (msg.seq !== undefined) {
      if (this.seenSeq.has(msg.seq)) return;
      this.seenSeq.add(msg.seq);
      if (this.seenSeq.size > 2 * (this.options.historyLimit ?? 10_000)) this.seenSeq.delete(this.seenSeq.values().next().value!);
    }
    const e = { event: msg.event, data: checked.data, seq: msg.seq ?? this.count, time: msg.time ?? Date.now() } as Received<S>;
    this.count++;
    this.history.push(e);
    if (this.history.length > (this.options.historyLimit ?? 10_000)) this.history.shift();
    for (const f of [...this.listeners]) f(e as Received<ServiceDef>);
  }

  private problem(why: string): void {
    this.problemList.push(why);
    if (this.problemList.length > 200) this.problemList.shift();
  }

  private failAll(why: string): void {
    if (this.closedWhy !== undefined) return;
    this.closedWhy = why;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new ChannelClosedError(`${this.peer}: channel closed (${why}) before ${p.method} was answered`));
      this.pending.delete(id);
    }
    for (const f of [...this.closeWaiters]) f(why);
    this.closeWaiters.clear();
  }
}
