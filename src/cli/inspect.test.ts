import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CaptureFileError } from "../inspect/capture-file.js";
import type { Dissector } from "../inspect/dissector.js";
import { inspectCommand, type InspectOptions } from "./inspect.js";
import { validateText } from "./validate.js";

const PCAP_HEADER = Buffer.from("d4c3b2a1020004000000000000000000ffff000001000000", "hex");
const fixtureJson = (name: string): string => readFileSync(new URL(`../inspect/fixtures/${name}.tshark.json`, import.meta.url), "utf8");

/** tshark's side replaced by a fixture (or an error), recording that it was closed. */
function fake(result: { json?: string; error?: Error; warnings?: string[] }): {
  dissector: () => Promise<Dissector>;
  state: { opened: number; closed: number };
} {
  const state = { opened: 0, closed: 0 };
  return {
    state,
    dissector: async () => {
      state.opened++;
      return {
        dissect: async () => {
          if (result.error) throw result.error;
          return { json: result.json ?? "[]", packets: 1, warnings: result.warnings ?? [] };
        },
        close: async () => void state.closed++,
      };
    },
  };
}

async function run(args: string[], options: InspectOptions, deps: ReturnType<typeof fake>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  let flushed = 0;
  const code = await inspectCommand(args, options, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), flush: async () => void flushed++ }, deps);
  if (code === 0) assert.ok(flushed > 0, "the report is flushed before the command returns");
  return { code, stdout, stderr };
}

test("usage errors exit 2; a bad file exits 1 naming it, before any analyzer is started", async () => {
  const deps = fake({});
  assert.equal((await run([], {}, deps)).code, 2);
  assert.equal((await run(["a.pcap", "b.pcap"], {}, deps)).code, 2);
  assert.equal((await run(["a.pcap"], { topologyOut: " " }, deps)).code, 2);
  const missing = await run(["/no/such/capture.pcap"], {}, deps);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, "callpath inspect: /no/such/capture.pcap: no such file\n");
  assert.equal(deps.state.opened, 0);
});

test("what the analyzer finds wrong exits 1 with the file's name, and the analyzer is closed", async () => {
  const dir = await mkdtemp(join(tmpdir(), "callpath-inspect-cli-"));
  try {
    const file = join(dir, "header-only.pcap");
    await writeFile(file, PCAP_HEADER);
    const deps = fake({ error: new CaptureFileError("holds no packets (a capture file header and nothing after it)") });
    const r = await run([file], {}, deps);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `callpath inspect: ${file}: holds no packets (a capture file header and nothing after it)\n`);
    assert.equal(r.stdout, "");
    assert.deepEqual(deps.state, { opened: 1, closed: 1 });
    // Anything else is a bug: it propagates (main prints it, exit 1), and the analyzer is closed all the same.
    const crash = fake({ error: new Error("socket hang up") });
    await assert.rejects(run([file], {}, crash), /socket hang up/);
    assert.deepEqual(crash.state, { opened: 1, closed: 1 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a capture: the text report, or JSON; --topology-out writes the skeleton, which validates", async () => {
  const dir = await mkdtemp(join(tmpdir(), "callpath-inspect-cli-"));
  try {
    const file = join(dir, "customer.pcapng");
    await writeFile(file, PCAP_HEADER);
    const deps = fake({
      json: fixtureJson("alg-headers-not-sdp"),
      warnings: ["the capture was cut short in the middle of a packet: the 378 packets before it are read"],
    });
    const text = await run([file], {}, deps);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^callpath inspect: .*customer\.pcapng\n/);
    assert.match(text.stdout, /\nCauses\n {2}1\. \[certain\] a SIP ALG that rewrites Via\/Contact but leaves the SDP private \(headers-not-sdp\)\n/);
    assert.match(text.stdout, /#\d+ +\d+\.\d{3} s {2}alice:lan1 +10\.123\.1\.2:5060 → 198\.51\.100\.33:5060 udp {2}INVITE before the box/);
    assert.match(text.stdout, /\nTopology skeleton/);
    assert.match(text.stderr, /customer\.pcapng: the capture was cut short/);
    const out = join(dir, "skeleton.yaml");
    const json = await run([file], { json: true, topologyOut: out }, deps);
    assert.equal(json.code, 0);
    const r = JSON.parse(json.stdout) as {
      causes: Array<{ id: string; alg: string; findings: number[] }>;
      findings: Array<{ number: number }>;
      skeleton: { yaml: string };
    };
    assert.equal(r.causes[0]!.id, "sip-alg");
    assert.equal(r.causes[0]!.alg, "headers-not-sdp");
    assert.deepEqual(r.causes[0]!.findings, [1, 2], "findings are numbered from 1, as the text prints them");
    const written = await readFile(out, "utf8");
    assert.equal(written, r.skeleton.yaml);
    assert.ok(validateText(out, written, { occupied: () => [] }).ok);
    assert.match(json.stderr, /topology skeleton written to .*skeleton\.yaml \(ok \(4 nodes, 2 networks\)\)/);
    const unwritable = await run([file], { topologyOut: join(dir, "no", "such", "dir.yaml") }, deps);
    assert.equal(unwritable.code, 1);
    assert.match(unwritable.stderr, /cannot write the topology skeleton to .*dir\.yaml: ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a capture with nothing of interest says so and still exits 0", async () => {
  const dir = await mkdtemp(join(tmpdir(), "callpath-inspect-cli-"));
  try {
    const file = join(dir, "arp.pcap");
    await writeFile(file, PCAP_HEADER);
    const r = await run([file], {}, fake({ json: "[]" }));
    assert.equal(r.code, 0);
    assert.match(r.stderr, /no IPv4 SIP, STUN, RTP, ICMP, TLS handshake or fragment in it/);
    assert.match(r.stdout, /Causes\n {2}none/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
