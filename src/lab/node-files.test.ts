import assert from "node:assert/strict";
import { test } from "node:test";
import tar from "tar-stream";
import { tarOf } from "./node-files.js";

test("files become one tar stream with their paths (relative to /), contents and modes", async () => {
  const extract = tar.extract();
  const seen: Array<{ name: string; mode: number | undefined; body: string }> = [];
  extract.on("entry", (header, stream, next) => {
    let body = "";
    stream.on("data", (c: Buffer) => (body += c.toString()));
    stream.on("end", () => {
      seen.push({ name: header.name, mode: header.mode, body });
      next();
    });
  });
  const done = new Promise((r) => extract.on("finish", r));
  tarOf([
    { path: "/etc/kamailio/a.cfg", content: "listen=udp:1.2.3.4:5060\n" },
    { path: "/etc/kamailio/key.pem", content: "secret", mode: 0o600 },
  ]).pipe(extract);
  await done;
  assert.deepEqual(seen, [
    { name: "etc/kamailio/a.cfg", mode: 0o644, body: "listen=udp:1.2.3.4:5060\n" },
    { name: "etc/kamailio/key.pem", mode: 0o600, body: "secret" },
  ]);
  assert.throws(() => tarOf([{ path: "relative", content: "" }]), /absolute/);
});
