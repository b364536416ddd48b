import { z } from "zod";

// What a userspace ALG in a router does to SIP on its way out: the fault vocabulary of
// CONDITIONS.md A.4, and the named profiles (A3.x) built from it.

export const REWRITE_FIELDS = ["via", "contact", "sdp-origin", "sdp-connection"] as const;
export const ALG_MESSAGES = ["both", "requests", "responses"] as const;
/** Methods an ALG may be limited to: a request's own, or a response's CSeq method. */
export const ALG_METHODS = [
  "INVITE",
  "ACK",
  "BYE",
  "CANCEL",
  "REGISTER",
  "OPTIONS",
  "UPDATE",
  "PRACK",
  "INFO",
  "SUBSCRIBE",
  "NOTIFY",
  "MESSAGE",
  "REFER",
] as const;
export type RewriteField = (typeof REWRITE_FIELDS)[number];

/** Each rule option on its own, none required: what a topology may write (`alg: { rules: {...} }`). */
export const AlgRuleOptions = z.strictObject({
  ports: z
    .array(z.number().int().min(1).max(65535))
    .min(1)
    .max(8)
    .refine((l) => new Set(l).size === l.length, "each port once (nft refuses a set with a port twice)")
    .optional()
    .describe("UDP destination ports the ALG intercepts; default [5060]"),
  rewrite: z
    .array(z.enum(REWRITE_FIELDS))
    .refine((l) => new Set(l).size === l.length, "each field once")
    .optional()
    .describe("fields whose private address is replaced by the router's public one: top Via, every Contact, SDP o= and c=; default all"),
  contactPort: z
    .enum(["mapped", "local", "5060"])
    .optional()
    .describe("port written into a rewritten Contact: the NAT's real mapping (default), the phone's own port, or always 5060"),
  contentLength: z.enum(["fix", "leave"]).optional().describe("update Content-Length after resizing the body (default), or leave the old value"),
  reinvite: z
    .enum(["keep", "new-port"])
    .optional()
    .describe("on a re-INVITE keep the SDP m= port (default), or announce a newly allocated one the router never opens"),
  register: z.enum(["pass", "drop-refresh"]).optional().describe("pass REGISTERs (default), or drop every refresh (a REGISTER after the first of its Call-ID)"),
  messages: z
    .enum(ALG_MESSAGES)
    .optional()
    .describe("which outbound messages it rewrites: both (default), requests only (a phone's answers keep its private addresses), or responses only"),
  methods: z
    .array(z.enum(ALG_METHODS))
    .min(1)
    .refine((l) => new Set(l).size === l.length, "each method once")
    .optional()
    .describe("the methods it rewrites (a request's own, a response's CSeq method); default every method"),
});

/** A correct ALG, as Linux's helper behaves: what every option defaults to. */
export const CORRECT_ALG = {
  ports: [5060],
  rewrite: [...REWRITE_FIELDS],
  contactPort: "mapped",
  contentLength: "fix",
  reinvite: "keep",
  register: "pass",
  messages: "both",
} as const;

/** Complete rules: options over the correct ALG's. */
export const AlgRules = AlgRuleOptions.transform((o) => ({
  ports: o.ports ?? [...CORRECT_ALG.ports],
  rewrite: o.rewrite ?? [...CORRECT_ALG.rewrite],
  contactPort: o.contactPort ?? CORRECT_ALG.contactPort,
  contentLength: o.contentLength ?? CORRECT_ALG.contentLength,
  reinvite: o.reinvite ?? CORRECT_ALG.reinvite,
  register: o.register ?? CORRECT_ALG.register,
  messages: o.messages ?? CORRECT_ALG.messages,
  /** Absent: every method (so the rules survive a JSON round trip into the router unchanged). */
  ...(o.methods ? { methods: o.methods } : {}),
}));
export type AlgRules = z.output<typeof AlgRules>;

export interface AlgProfile {
  readonly rules: z.input<typeof AlgRuleOptions>;
  /** Condition in CONDITIONS.md part A. */
  readonly condition: string;
  readonly rewrites: string;
  readonly symptom: string;
}

export const ALG_PROFILES = {
  "headers-not-sdp": {
    rules: { rewrite: ["via", "contact"] },
    condition: "A3.1",
    rewrites: "top Via and Contact to the public address and mapped port; the SDP keeps the phone's private address",
    symptom: "the call is set up, but the far end sends its audio to the private c= address: no audio towards the phone (unless the provider latches media)",
  },
  "wrong-contact-port": {
    rules: { contactPort: "5060" },
    condition: "A3.2",
    rewrites: "Via, Contact and SDP to the public address, but Contact always gets port 5060 whatever the NAT mapped",
    symptom: "the phone registers, but the server stores a Contact nobody listens on: inbound calls never ring and the caller gets 408",
  },
  "content-length-unfixed": {
    rules: { contentLength: "leave" },
    condition: "A3.3",
    rewrites: "Via, Contact and SDP to the public address, leaving Content-Length at its old value though the SDP grew",
    symptom: "the server rejects every INVITE with SDP as malformed (400); REGISTER, which has no body, still works",
  },
  "reinvite-realloc": {
    rules: { reinvite: "new-port" },
    condition: "A3.5",
    rewrites: "everything correctly, but on a re-INVITE (hold/resume, session refresh) it announces a new media port it never opens",
    symptom: "audio works until the first re-INVITE, then the far end's audio goes to a port nothing forwards: no audio towards the phone",
  },
  "drop-register-refresh": {
    rules: { register: "drop-refresh" },
    condition: "A3.12",
    rewrites: "everything correctly, but drops every REGISTER refresh, as rate limits and 'block-register' options do",
    symptom: "the first registration works; the refresh times out (408 at the phone), the binding expires and inbound calls get 404",
  },
} as const satisfies Record<string, AlgProfile>;

export type AlgProfileName = keyof typeof ALG_PROFILES;
export const ALG_PROFILE_NAMES = Object.keys(ALG_PROFILES) as [AlgProfileName, ...AlgProfileName[]];

export function profileRules(name: AlgProfileName): AlgRules {
  return AlgRules.parse(ALG_PROFILES[name].rules);
}

/** Whether the rules rewrite this message at all: its direction (request or response) and its method. */
export function rewrites(rules: Pick<AlgRules, "messages" | "methods">, msg: { readonly isRequest: boolean; readonly method: string }): boolean {
  if (rules.messages === "requests" && !msg.isRequest) return false;
  if (rules.messages === "responses" && msg.isRequest) return false;
  return rules.methods === undefined || (rules.methods as readonly string[]).includes(msg.method.toUpperCase());
}
