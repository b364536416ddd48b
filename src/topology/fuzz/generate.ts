import { parse, stringify } from "yaml";
import { prng } from "../../common/prng.js";

// A deterministic generator of bad (and a few good) topologies, made by mutating the shipped ones, so
// that each case looks like a real file with one thing wrong. Each case says what must happen to it:
// rejected (naming `path` where that is knowable), or accepted.

export interface FuzzCase {
  readonly id: string;
  /** The mutation class: "wrong-type", "injection", "alias-bomb", ... */
  readonly cls: string;
  readonly text: string;
  readonly expect: "reject" | "accept";
  /** A path some problem line must name (its start), where the mutation makes it knowable. */
  readonly path?: string;
}

export interface Base {
  readonly name: string;
  readonly text: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const clone = <T>(v: T): T => structuredClone(v);

/** `k` of `list`, drawn without replacement. */
function sample<T>(list: readonly T[], k: number, random: () => number): T[] {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, k);
}
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

/** Every leaf and object path of a value: ["nodes", "alice", "sip", "server"]. */
function paths(v: Json, at: string[] = []): Array<{ path: string[]; value: Json }> {
  const out: Array<{ path: string[]; value: Json }> = at.length > 0 ? [{ path: at, value: v }] : [];
  if (isObj(v)) for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  else if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) out.push(...paths(x, [...at, String(i)]));
  }
  return out;
}

function setAt(root: Obj, path: readonly string[], value: Json | undefined): void {
  let at: Json = root;
  for (const k of path.slice(0, -1)) at = Array.isArray(at) ? at[Number(k)]! : (at as Obj)[k]!;
  const last = path.at(-1)!;
  if (Array.isArray(at)) {
    if (value === undefined) at.splice(Number(last), 1);
    else at[Number(last)] = value;
  } else if (value === undefined) delete (at as Obj)[last];
  else (at as Obj)[last] = value;
}

/** The dotted path a problem line names for `path` (list indexes in brackets). */
export function dotted(path: readonly string[]): string {
  return path
    .map((k, i) => (/^\d+$/.test(k) && i > 0 ? `[${k}]` : k))
    .join(".")
    .replace(/\.\[/g, "[");
}

const yaml = (v: Json): string => stringify(v, { lineWidth: 0 });

/** Values that are wrong for a field of this value's type. */
function wrongTypes(v: Json): Json[] {
  if (typeof v === "string") return [12345, [v], { value: v }, true];
  if (typeof v === "number") return ["not-a-number", [v], true];
  if (typeof v === "boolean") return ["yes-please", 1, [v]];
  if (Array.isArray(v)) return ["a-string", 7, { list: v }];
  if (isObj(v)) return [42, "a-string", [v]];
  return [];
}

export const INJECTIONS = [
  '"; touch /tmp/callpath-pwned #',
  "$(touch /tmp/callpath-pwned)",
  "`id`",
  "10.0.0.0/8; reboot",
  "eth0\nCALLPATH_NFT\nreboot",
  "' || true '",
  "a\u0000b",
  "${IFS}x",
];
const PROTO_NAMES = ["toString", "hasOwnProperty", "__proto__", "valueOf", "isPrototypeOf", "__defineGetter__", "propertyIsEnumerable", "toLocaleString"];
const BAD_LABELS = ["a-", "Alice", "1st", "a_b", "a.b", "x".repeat(40), "-a", "", "a b", "ä"];
const CONTROL = ["bad\u001b[31mred", "line\nbreak", "tab\there", "nul\u0000", "bell\u0007", "rtl\u202eevil", "del\u007f"];

/** A YAML text whose aliases expand to 10^levels elements. */
export function aliasBomb(levels: number, prefix = "bomb"): string {
  const lines = [`${prefix}0: &${prefix}0 [${Array(10).fill('"lol"').join(", ")}]`];
  for (let i = 1; i < levels; i++)
    lines.push(
      `${prefix}${i}: &${prefix}${i} [${Array(10)
        .fill(`*${prefix}${i - 1}`)
        .join(", ")}]`,
    );
  return lines.join("\n");
}

/** Cases from one base topology, class by class. */
function casesOf(base: Base, random: () => number): FuzzCase[] {
  const root = parse(base.text) as Obj;
  const out: FuzzCase[] = [];
  let n = 0;
  const add = (cls: string, text: string, path?: string, expect: "reject" | "accept" = "reject"): void => {
    out.push({ id: `${base.name}/${cls}/${n++}`, cls, text, expect, ...(path !== undefined ? { path } : {}) });
  };
  const mutated = (f: (t: Obj) => void): string => {
    const t = clone(root);
    f(t);
    return yaml(t);
  };
  const nodes = root.nodes as Obj;
  const nodeNames = Object.keys(nodes);
  const netNames = Object.keys(root.networks as Obj);
  const all = paths(root);
  const leaves = all.filter((p) => !isObj(p.value) && !Array.isArray(p.value));
  const strings = leaves.filter((p) => typeof p.value === "string");

  // Wrong types at every field (the description is free text: a number there is still wrong).
  for (const p of all)
    for (const w of sample(wrongTypes(p.value), 2, random))
      add(
        "wrong-type",
        mutated((t) => setAt(t, p.path, w)),
        dotted(p.path),
      );
  // Unknown keys in every mapping.
  for (const p of [{ path: [] as string[], value: root as Json }, ...all].filter((x) => isObj(x.value))) {
    const parent = p.path;
    // A new key under `networks` or `nodes` is a new (incomplete) network or node, not an unknown key.
    if (dotted(parent) === "networks" || dotted(parent) === "nodes") continue;
    add(
      "unknown-key",
      mutated((t) => setAt(t, [...parent, "surpriseField"], 1)),
      dotted([...parent, "surpriseField"]),
    );
  }
  // Unknown kinds, missing required fields.
  for (const name of nodeNames) {
    add(
      "unknown-kind",
      mutated((t) => setAt(t, ["nodes", name, "kind"], "router-9000")),
      `nodes.${name}.kind`,
    );
    add(
      "missing-required",
      mutated((t) => setAt(t, ["nodes", name, "kind"], undefined)),
      `nodes.${name}.kind`,
    );
    const spec = nodes[name] as Obj;
    for (const f of ["network", "lan", "wan", "server", "role"])
      if (f in spec)
        add(
          "missing-required",
          mutated((t) => setAt(t, ["nodes", name, f], undefined)),
          `nodes.${name}`,
        );
    if (isObj(spec.sip))
      add(
        "missing-required",
        mutated((t) => setAt(t, ["nodes", name, "sip", "server"], undefined)),
        `nodes.${name}.sip.server`,
      );
  }
  for (const f of ["name", "networks", "nodes"])
    add(
      "missing-required",
      mutated((t) => setAt(t, [f], undefined)),
      f === "name" ? "name" : undefined,
    );
  // Bad references.
  for (const p of strings) {
    const key = p.path.at(-1)!;
    if (["network", "lan", "wan", "gateway", "server"].includes(key))
      add(
        "bad-reference",
        mutated((t) => setAt(t, p.path, "nowhere")),
        dotted(p.path),
      );
  }
  // Injection strings in every string field (and every list of strings).
  for (const p of strings) {
    if (p.path.at(-1) === "description") continue; // free text, never reaches a shell: see the valid set
    for (const evil of sample(INJECTIONS, 3, random))
      add(
        "injection",
        mutated((t) => setAt(t, p.path, evil)),
        dotted(p.path),
      );
  }
  // Control characters and huge strings in fields with a shape.
  for (const p of strings.filter((x) => x.path.at(-1) !== "description")) {
    add(
      "control-chars",
      mutated((t) => setAt(t, p.path, CONTROL[Math.floor(random() * CONTROL.length)]!)),
      dotted(p.path),
    );
    add(
      "huge-string",
      mutated((t) => setAt(t, p.path, "a".repeat(100_000))),
      dotted(p.path),
    );
  }
  add(
    "huge-string",
    mutated((t) => setAt(t, ["description"], "d".repeat(100_000))),
    "description",
  );
  // Prototype names and names that are no host name label, for nodes and networks (references left as they were).
  const rename = (section: "nodes" | "networks", from: string, to: string): string => {
    const t = clone(root);
    const sec = t[section] as Obj;
    const entries = Object.entries(sec).map(([k, v]) => [k === from ? "@@RENAMED@@" : k, v] as const);
    t[section] = Object.fromEntries(entries);
    return yaml(t).replace(/^( {2})@@RENAMED@@:/m, `$1${JSON.stringify(to)}:`);
  };
  for (const to of [...PROTO_NAMES, ...BAD_LABELS]) {
    add("prototype-name", rename("nodes", nodeNames[Math.floor(random() * nodeNames.length)]!, to), undefined);
    add("prototype-name", rename("networks", netNames[Math.floor(random() * netNames.length)]!, to), undefined);
  }
  for (const name of nodeNames)
    add(
      "prototype-name",
      mutated((t) => setAt(t, ["nodes", name, "network"], "toString")),
      undefined,
    );
  add("prototype-name", `${base.text}\nextra: { __proto__: { polluted: true } }\n`, undefined);
  // YAML-level attacks: alias bombs, unknown tags, NaN and infinities, deep nesting, duplicate keys.
  add("alias-bomb", `${aliasBomb(9)}\n${base.text}`);
  add("alias-bomb", `${base.text}\n${aliasBomb(12, "x")}\n`);
  for (const p of leaves.slice(0, 12)) {
    const tagged = mutated((t) => setAt(t, p.path, "@@TAG@@"))
      .replace('"@@TAG@@"', "!foo bar")
      .replace("@@TAG@@", "!foo bar");
    add("unknown-tag", tagged);
  }
  for (const special of [".nan", ".inf", "-.inf", ".NaN", "1e400"]) {
    for (const [name, spec] of Object.entries(nodes)) {
      const kind = (spec as Obj).kind;
      const field =
        kind === "nat-router"
          ? ["udpTimeout"]
          : kind === "user-agent"
            ? ["tone"]
            : kind === "vpn-gateway" && (spec as Obj).role === "concentrator"
              ? ["mtu"]
              : undefined;
      if (!field) continue;
      add("nan-inf", mutated((t) => setAt(t, ["nodes", name, ...field], "@@NUM@@")).replace(/"?@@NUM@@"?/, special), `nodes.${name}.${field.join(".")}`);
    }
  }
  const deep = `${"[".repeat(200)}${"]".repeat(200)}`;
  add("deep-nesting", mutated((t) => setAt(t, ["description"], "@@DEEP@@")).replace(/"?@@DEEP@@"?/, deep));
  add(
    "deep-nesting",
    mutated((t) => setAt(t, ["nodes", nodeNames[0]!, "impair"], "@@DEEP@@")).replace(/"?@@DEEP@@"?/, `${"{a: ".repeat(60)}1${"}".repeat(60)}`),
  );
  add("duplicate-key", base.text.replace(/^name: (.*)$/m, "name: $1\nname: again"));
  // Structure: empty, list, scalar, limits.
  add("empty", "");
  add("empty", "# just a comment\n---\n");
  add("not-a-mapping", `- ${base.name}\n- again\n`);
  add("not-a-mapping", "just a string\n");
  add(
    "too-many-nodes",
    mutated((t) => {
      for (let i = 0; i < 300; i++) (t.nodes as Obj)[`extra${i}`] = { kind: "sip-server", network: netNames[0]! };
    }),
    "nodes",
  );
  add(
    "too-many-networks",
    mutated((t) => {
      for (let i = 0; i < 300; i++) (t.networks as Obj)[`net${i}`] = {};
    }),
    "networks",
  );
  add("too-large", `${base.text}\n# ${"x".repeat(1_100_000)}\n`);
  add(
    "many-keys",
    mutated((t) => {
      const n = t.nodes as Obj;
      for (let i = 0; i < 3000; i++) (n[nodeNames[0]!] as Obj)[`k${i}`] = i;
    }),
    `nodes.${nodeNames[0]}`,
  );
  add(
    "many-bad-references",
    mutated((t) => {
      for (let i = 0; i < 250; i++) (t.nodes as Obj)[`ua${i}`] = { kind: "user-agent", network: `missing${i}`, sip: { server: `ghost${i}` } };
    }),
  );
  // Out-of-range numbers.
  for (const [name, spec] of Object.entries(nodes)) {
    const kind = (spec as Obj).kind;
    const ranges: Array<[string[], Json]> =
      kind === "nat-router"
        ? [
            [["udpTimeout"], 1],
            [["udpTimeout"], 1e12],
            [["tcpMss"], 10],
            [["tcpMss"], 1e9],
          ]
        : kind === "user-agent"
          ? [
              [["tone"], 5],
              [["answerDelayMs"], -1],
              [["sip", "keepalive"], 0],
              [["sip", "keepalive"], 2 ** 53],
              [["sip", "keepaliveKind"], "ping"],
              [["rtpTimeout"], 0],
            ]
          : kind === "sip-server"
            ? [
                [["linkMtu"], { [(spec as Obj).network as string]: 575 }],
                [["inbound"], "proxy; rm -rf /"],
                [["nat"], "trust"],
                [["keepalives"], ["stun", "stun"]],
                [["keepalives"], ["crlf"]],
              ]
            : [];
    for (const [f, v] of ranges)
      add(
        "out-of-range",
        mutated((t) => setAt(t, ["nodes", name, ...f], v)),
        `nodes.${name}.${f.join(".")}`,
      );
    if (kind === "nat-router" || kind === "user-agent") {
      const net = kind === "nat-router" ? ((spec as Obj).wan as string) : ((spec as Obj).network as string);
      const imp = (rule: Json): string => mutated((t) => setAt(t, ["nodes", name, "impair"], { [net]: { egress: rule } }));
      const at = `nodes.${name}.impair.${net}.egress`;
      for (const rule of [
        { delay: { ms: 3_600_001 } },
        { delay: { ms: -1 } },
        { delay: { ms: 5, jitter: 1e9 } },
        { loss: { random: 100.5 } },
        { loss: { random: -3 } },
        { rate: { kbit: 1e300 } },
        { rate: { kbit: 0 } },
        { rate: { kbit: 1000, limit: 2 ** 53 } },
        { rate: { kbit: 1000, limit: 0.5 } },
        { delay: { ms: 5 }, reorder: { percent: 5, gap: 2 ** 40 } },
        { reorder: { percent: 5 } },
        { duplicate: 400 },
        { corrupt: { percent: 5, correlation: 101 } },
        { match: { port: 70000 }, delay: { ms: 1 } },
        { match: { port: "20-10" }, delay: { ms: 1 } },
        { match: { to: "$(reboot)" }, delay: { ms: 1 } },
        { delay: { ms: 5, correlation: 50 } },
        Array.from({ length: 16 }, () => ({ loss: { random: 1 } })),
      ] as Json[]) {
        add("out-of-range", imp(rule), at);
      }
      add(
        "out-of-range",
        mutated((t) => setAt(t, ["nodes", name, "impair"], { __proto__x: 1 } as Json)),
        `nodes.${name}.impair`,
      );
      add(
        "prototype-name",
        mutated((t) => setAt(t, ["nodes", name, "impair"], { "@@P@@": { egress: { delay: { ms: 5 } } } }))
          .replace("'@@P@@'", "__proto__")
          .replace("@@P@@", "__proto__"),
        `nodes.${name}.impair.__proto__`,
      );
    }
  }
  // Semantics: gateway loops, WAN-side gateways, unusable or overlapping subnets, reserved addresses.
  const routers = nodeNames.filter(
    (nm) => (nodes[nm] as Obj).kind === "nat-router" || ((nodes[nm] as Obj).kind === "vpn-gateway" && (nodes[nm] as Obj).role === "client"),
  );
  for (const r of routers) {
    add(
      "gateway-loop",
      mutated((t) => setAt(t, ["nodes", r, "gateway"], r)),
      `nodes.${r}.gateway`,
    );
    const wanNet = ((nodes[r] as Obj).wan as string) ?? "internet";
    add(
      "gateway-wan",
      mutated((t) => ((t.nodes as Obj).wanside = { kind: "user-agent", network: wanNet, gateway: r, sip: { server: "kamailio" } })),
      "nodes.wanside.gateway",
    );
  }
  if (routers.length >= 1) {
    const r = routers[0]!;
    const lan = (nodes[r] as Obj).lan as string;
    add(
      "gateway-loop",
      mutated((t) => {
        (t.nodes as Obj).upstream = { kind: "nat-router", lan: ((nodes[r] as Obj).wan as string) ?? "internet", wan: lan, gateway: r };
        setAt(t, ["nodes", r, "gateway"], "upstream");
      }),
      `nodes.${r}.gateway`,
    );
    add(
      "gateway-loop",
      mutated((t) => {
        (t.networks as Obj).mid1 = {};
        (t.networks as Obj).mid2 = {};
        (t.nodes as Obj).ra = { kind: "nat-router", lan: "mid1", wan: "mid2", gateway: "rb" };
        (t.nodes as Obj).rb = { kind: "nat-router", lan: "mid2", wan: lan, gateway: "rc" };
        (t.nodes as Obj).rc = { kind: "nat-router", lan, wan: "mid1", gateway: "ra" };
      }),
      "nodes.ra.gateway",
    );
  }
  for (const bad of [
    "127.0.0.0/24",
    "224.0.0.0/24",
    "240.0.0.0/24",
    "0.0.0.0/8",
    "169.254.0.0/16",
    "0.0.0.0/0",
    "10.0.0.0/30",
    "10.0.0.1/24",
    "10.0.0.0/33",
    "300.1.2.0/24",
    "10.0.0.0",
    "; rm -rf /",
  ]) {
    add(
      "bad-subnet",
      mutated((t) => setAt(t, ["networks", netNames[0]!, "subnet"], bad)),
      `networks.${netNames[0]}.subnet`,
    );
  }
  if (netNames.length >= 2) {
    add(
      "overlapping-subnets",
      mutated((t) => {
        setAt(t, ["networks", netNames[0]!, "subnet"], "10.50.0.0/16");
        setAt(t, ["networks", netNames[1]!, "subnet"], "10.50.1.0/24");
      }),
      `networks.${netNames[1]}.subnet`,
    );
  }
  const user = nodeNames.find((nm) => (nodes[nm] as Obj).kind === "user-agent")!;
  const userNet = (nodes[user] as Obj).network as string;
  for (const ip of ["10.60.0.0", "10.60.0.255", "10.60.0.254", "10.61.0.5", "10.60.0.999"]) {
    add(
      "reserved-address",
      mutated((t) => {
        setAt(t, ["networks", userNet, "subnet"], "10.60.0.0/24");
        setAt(t, ["nodes", user, "addresses"], { [userNet]: ip });
      }),
      `nodes.${user}.addresses.${userNet}`,
    );
  }
  add(
    "reserved-address",
    mutated((t) => setAt(t, ["nodes", user, "addresses"], { constructor: "10.1.1.1" })),
    `nodes.${user}.addresses.constructor`,
  );
  // Fields accepted though ignored, a 100,000-character SIP user, duplicate helper ports, VPN roles.
  add(
    "huge-string",
    mutated((t) => setAt(t, ["nodes", user, "sip", "user"], "u".repeat(100_000))),
    `nodes.${user}.sip.user`,
  );
  add(
    "ignored-field",
    mutated((t) => {
      setAt(t, ["nodes", user, "answer"], "manual");
      setAt(t, ["nodes", user, "answerDelayMs"], 10);
    }),
    `nodes.${user}.answerDelayMs`,
  );
  add(
    "ignored-field",
    mutated((t) => {
      setAt(t, ["nodes", user, "sip", "transport"], "tcp");
      setAt(t, ["nodes", user, "sip", "localPort"], 5070);
    }),
    `nodes.${user}.sip.localPort`,
  );
  add(
    "ignored-field",
    mutated((t) => setAt(t, ["nodes", user, "vpn"], { server: "kamailio", mode: "full", routes: ["10.1.0.0/16"] })),
  );
  for (const r of routers.filter((x) => (nodes[x] as Obj).kind === "nat-router")) {
    add(
      "duplicate-ports",
      mutated((t) => setAt(t, ["nodes", r, "alg"], { netfilter: { ports: [5060, 5080, 5060] } })),
      `nodes.${r}.alg.netfilter.ports`,
    );
    add(
      "duplicate-ports",
      mutated((t) => setAt(t, ["nodes", r, "alg"], { rules: { ports: [5060, 5060] } })),
      `nodes.${r}.alg.rules.ports`,
    );
    add(
      "ignored-field",
      mutated((t) => setAt(t, ["nodes", r, "firewall"], { allow: ["kamailio"] })),
      `nodes.${r}.firewall.allow`,
    );
    for (const evil of INJECTIONS)
      add(
        "injection",
        mutated((t) => setAt(t, ["nodes", r, "firewall"], { udp: "block", allow: [evil] })),
        `nodes.${r}.firewall.allow[0]`,
      );
  }
  for (const [name, spec] of Object.entries(nodes)) {
    if ((spec as Obj).kind !== "vpn-gateway") continue;
    const role = (spec as Obj).role;
    const other: Array<[string, Json]> =
      role === "client"
        ? [
            ["mtu", 1400],
            ["proto", "tcp"],
            ["subnet", "10.9.0.0/24"],
            ["natTimeout", 30],
            ["mssfix", 1300],
            ["network", "internet"],
          ]
        : [
            ["lan", "lan1"],
            ["server", "vpn"],
            ["routes", ["10.1.0.0/16"]],
            ["mode", "split"],
            ["gateway", "nat1"],
          ];
    for (const [f, v] of other)
      add(
        "vpn-role-field",
        mutated((t) => setAt(t, ["nodes", name, f], v)),
        `nodes.${name}.${f}`,
      );
    add(
      "vpn-role-field",
      mutated((t) => setAt(t, ["nodes", name, "role"], "peer")),
      `nodes.${name}.role`,
    );
    if (role === "concentrator") {
      for (const sub of ["0.0.0.0/0", "10.123.0.0/16", "10.0.0.0/8", "127.0.0.0/24", "10.8.0.0/30", "$(id)"])
        add(
          "vpn-tunnel-subnet",
          mutated((t) => setAt(t, ["nodes", name, "subnet"], sub)),
          `nodes.${name}.subnet`,
        );
    } else {
      for (const evil of INJECTIONS)
        add(
          "injection",
          mutated((t) => {
            setAt(t, ["nodes", name, "mode"], "split");
            setAt(t, ["nodes", name, "routes"], [evil]);
          }),
          `nodes.${name}.routes[0]`,
        );
    }
  }
  return out;
}

/** Two mutations together: a case's file with a second, random wrong-type mutation somewhere else. */
function combined(cases: readonly FuzzCase[], random: () => number, count: number): FuzzCase[] {
  const out: FuzzCase[] = [];
  const plain = cases.filter(
    (c) =>
      c.text.length < 20_000 && !["alias-bomb", "unknown-tag", "deep-nesting", "duplicate-key", "empty", "not-a-mapping", "prototype-name"].includes(c.cls),
  );
  for (let i = 0; out.length < count && i < count * 4; i++) {
    const a = plain[Math.floor(random() * plain.length)]!;
    let t: unknown;
    try {
      t = parse(a.text);
    } catch {
      continue;
    }
    if (!isObj(t)) continue;
    const all = paths(t);
    const p = all[Math.floor(random() * all.length)];
    const w = p && wrongTypes(p.value)[Math.floor(random() * 3)];
    if (!p || w === undefined) continue;
    setAt(t, p.path, w);
    // No path: the first mutation may already hide the second (a node whose kind is gone is not read further).
    out.push({ id: `combined/${i}`, cls: "combined", text: yaml(t), expect: "reject" });
  }
  return out;
}

/** Variants that must be accepted: the shipped files, and benign changes a user could make. */
function validOf(base: Base): FuzzCase[] {
  const root = parse(base.text) as Obj;
  const out: FuzzCase[] = [{ id: `${base.name}/valid/shipped`, cls: "valid", text: base.text, expect: "accept" }];
  const add = (what: string, f: (t: Obj) => void): void => {
    const t = clone(root);
    f(t);
    out.push({ id: `${base.name}/valid/${what}`, cls: "valid", text: yaml(t), expect: "accept" });
  };
  const nodes = root.nodes as Obj;
  const user = Object.keys(nodes).find((nm) => (nodes[nm] as Obj).kind === "user-agent")!;
  // "constructor" is a valid RFC 1123 label: with own-property lookups it is a name like any other.
  add("constructor-node", (t) => {
    const n = t.nodes as Obj;
    Reflect.set(n, "constructor", { kind: "sip-server", network: Object.keys(t.networks as Obj)[0]! });
  });
  // Free text may hold anything printable and even control characters: it never reaches a shell or a terminal unescaped.
  add("description-free-text", (t) => void (t.description = "Büro \u001b[1m$(not run)\u001b[0m; `nor this`"));
  add("sip-user", (t) => setAt(t, ["nodes", user, "sip", "user"], "alice.office-1"));
  add("impairment", (t) =>
    setAt(t, ["nodes", user, "impair"], {
      [(nodes[user] as Obj).network as string]: {
        both: [{ delay: { ms: 40, jitter: 10, distribution: "normal" } }, { match: { protocol: "udp", port: "10000-20000" }, loss: { random: 1 } }],
      },
    }),
  );
  add("declared-subnets", (t) => {
    Object.entries(t.networks as Obj).forEach(([name, net], i) => {
      const pub = isObj(net) && net.public === true;
      setAt(t, ["networks", name, "subnet"], pub ? "198.51.100.0/27" : `10.70.${i}.0/24`);
    });
  });
  add("fixed-address", (t) => {
    const net = (nodes[user] as Obj).network as string;
    const pub = isObj((root.networks as Obj)[net]) && ((root.networks as Obj)[net] as Obj).public === true;
    setAt(t, ["networks", net, "subnet"], pub ? "198.51.100.0/27" : "10.71.0.0/24");
    setAt(t, ["nodes", user, "addresses"], { [net]: pub ? "198.51.100.20" : "10.71.0.20" });
  });
  return out;
}

/** At least `min` cases: every class from every base, then combinations; deterministic for a seed. */
export function generateCases(bases: readonly Base[], seed = 12, min = 1000): FuzzCase[] {
  const random = prng(seed);
  const bad = bases.flatMap((b) => casesOf(b, random));
  const extra = combined(bad, random, Math.max(100, min - bad.length));
  return [...bad, ...extra, ...bases.flatMap(validOf)];
}
