import assert from "node:assert/strict";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CaptureFileError, captureFormat, checkCaptureFile, readCapinfos } from "./capture-file.js";

const PCAP_HEADER = Buffer.from("d4c3b2a1020004000000000000000000ffff000001000000", "hex");

async function problem(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CaptureFileError, String(e));
    return e.message;
  }
  throw new Error("no problem reported");
}

test("missing, a folder, empty, text, too short, too large: each says what is wrong", async () => {
  const dir = await mkdtemp(join(tmpdir(), "callpath-inspect-"));
  try {
    assert.equal(await problem(checkCaptureFile(join(dir, "missing.pcap"))), "no such file");
    assert.equal(await problem(checkCaptureFile(dir)), "is a folder, not a capture file");
    await writeFile(join(dir, "empty.pcap"), "");
    assert.equal(await problem(checkCaptureFile(join(dir, "empty.pcap"))), "is empty (0 bytes): not a capture");
    await writeFile(join(dir, "notes.pcap"), "hello");
    assert.match(await problem(checkCaptureFile(join(dir, "notes.pcap"))), /^not a capture: .* this one with 68 65 6c 6c 6f \(text\)$/);
    await writeFile(join(dir, "short.pcap"), PCAP_HEADER.subarray(0, 10));
    assert.match(await problem(checkCaptureFile(join(dir, "short.pcap"))), /too short to be a pcap capture \(10 bytes; its header alone is 24\)/);
    await writeFile(join(dir, "big.pcap"), PCAP_HEADER);
    await truncate(join(dir, "big.pcap"), 3 * 1024 * 1024);
    assert.match(
      await problem(checkCaptureFile(join(dir, "big.pcap"), 1024 * 1024)),
      /is 3\.0 MB; inspect reads captures up to 1\.0 MB: cut it to the call first/,
    );
    await writeFile(join(dir, "ok.pcap"), PCAP_HEADER);
    assert.deepEqual(await checkCaptureFile(join(dir, "ok.pcap")), { path: join(dir, "ok.pcap"), size: 24, format: "pcap" });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("formats by their first bytes: pcap both byte orders, nanosecond pcap, pcapng, gzip", () => {
  assert.equal(captureFormat(Buffer.from("a1b2c3d4", "hex"), 100), "pcap");
  assert.equal(captureFormat(Buffer.from("d4c3b2a1", "hex"), 100), "pcap");
  assert.equal(captureFormat(Buffer.from("4d3cb2a1", "hex"), 100), "pcap-ns");
  assert.equal(captureFormat(Buffer.from("0a0d0d0a", "hex"), 100), "pcapng");
  assert.equal(captureFormat(Buffer.from("1f8b0800", "hex"), 100), "gzip");
  assert.throws(() => captureFormat(Buffer.from("7b0a2020", "hex"), 100), /not a capture: .*7b 0a 20 20 \(text\)/);
});

test("capinfos: the count; a capture cut short is read with a warning; anything else is not a readable capture", () => {
  assert.deepEqual(readCapinfos("/inspect/capture.pcap\t718\n", "", 0), { packets: 718, warning: null });
  const cut = readCapinfos(
    "/inspect/capture.pcapng\t378\n",
    'capinfos: An error occurred after reading 378 packets from "x".\ncapinfos: The file "x" appears to have been cut short in the middle of a packet.\n  (will continue anyway, checksums might be incorrect)\n',
    1,
  );
  assert.equal(cut.packets, 378);
  assert.match(cut.warning!, /cut short in the middle of a packet: the 378 packets before it are read/);
  assert.throws(
    () =>
      readCapinfos(
        "",
        'capinfos: The file "/inspect/capture.pcap" appears to be damaged or corrupt.\n(pcap: File has 4008636142-byte packet, bigger than maximum of 262144)\n',
        2,
      ),
    /not a readable capture: the file appears to be damaged or corrupt/,
  );
  // capinfos killed or never started (the container going away under an interrupt): not the file's fault.
  assert.throws(
    () => readCapinfos("", "", 137),
    (e: Error) => !(e instanceof CaptureFileError) && /capinfos did not run in the analyzer \(exit 137\)/.test(e.message),
  );
});
