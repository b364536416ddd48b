import { z } from "zod";

// The wire format of every control channel between the test process and a program in a node: one JSON
// object per line. Requests carry an id their response echoes; events carry none (they are not answers).

export const RemoteErrorShape = z.object({ name: z.string(), message: z.string(), stack: z.string().optional() });
export type RemoteErrorShape = z.infer<typeof RemoteErrorShape>;

export const RequestEnvelope = z.object({ t: z.literal("req"), id: z.number().int(), method: z.string(), params: z.unknown() });
export const ResponseEnvelope = z.union([
  z.object({ t: z.literal("res"), id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ t: z.literal("res"), id: z.number().int(), ok: z.literal(false), error: RemoteErrorShape }),
]);
/** seq and time are set by daemons that keep a history, so a later client can ask for what it missed. */
export const EventEnvelope = z.object({
  t: z.literal("evt"),
  event: z.string(),
  data: z.unknown(),
  seq: z.number().int().optional(),
  time: z.number().optional(),
});
export const Envelope = z.union([RequestEnvelope, ResponseEnvelope, EventEnvelope]);

export type RequestEnvelope = z.infer<typeof RequestEnvelope>;
export type ResponseEnvelope = z.infer<typeof ResponseEnvelope>;
export type EventEnvelope = z.infer<typeof EventEnvelope>;
export type Envelope = z.infer<typeof Envelope>;

/** A response id for a request line that could not be read at all (so it has no id of its own). */
export const NO_ID = 0;

export type Decoded = { readonly ok: true; readonly msg: Envelope } | { readonly ok: false; readonly why: string };

export function decodeLine(line: string): Decoded {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, why: `not JSON: ${line.slice(0, 200)}` };
  }
  const parsed = Envelope.safeParse(json);
  return parsed.success ? { ok: true, msg: parsed.data } : { ok: false, why: `not an envelope (${issuesText(parsed.error)}): ${line.slice(0, 200)}` };
}

export function encode(msg: Envelope): string {
  return `${JSON.stringify(msg)}\n`;
}

export function errorShape(e: unknown): RemoteErrorShape {
  if (e instanceof Error) return { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
  return { name: "Error", message: String(e) };
}

export function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(top)"}: ${i.message}`).join("; ");
}
