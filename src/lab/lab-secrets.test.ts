import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { createServer, connect } from "node:tls";
import { test } from "node:test";
import { LabSecrets } from "./lab-secrets.js";

test("a lab CA signs server certificates that Node's TLS verifies by name and by address", async () => {
  const secrets = await LabSecrets.create("t1");
  const server = await secrets.issue("turn.callpath.test", ["127.0.0.1"]);
  const leaf = new X509Certificate(server.certPem);
  assert.ok(leaf.verify(new X509Certificate(secrets.caPem).publicKey), "leaf is signed by the lab CA");
  assert.match(leaf.subjectAltName ?? "", /DNS:turn\.callpath\.test/);
  assert.match(leaf.subjectAltName ?? "", /IP Address:127\.0\.0\.1/);

  const srv = createServer({ cert: server.chainPem, key: server.keyPem }, (s) => s.end("ok"));
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  const fetch = (opts: { ca: string; servername?: string }): Promise<string> =>
    new Promise((resolve, reject) => {
      const s = connect({ host: "127.0.0.1", port, ...opts }, () => s.once("data", (d) => resolve(String(d))));
      s.once("error", reject);
    });
  try {
    assert.equal(await fetch({ ca: secrets.caPem, servername: "turn.callpath.test" }), "ok");
    assert.equal(await fetch({ ca: secrets.caPem }), "ok");
    const other = await LabSecrets.create("t2");
    await assert.rejects(fetch({ ca: other.caPem, servername: "turn.callpath.test" }), /certificate/i, "another lab's CA must not verify");
  } finally {
    srv.close();
  }
});

test("every lab gets its own TURN password", async () => {
  const [a, b] = await Promise.all([LabSecrets.create("a"), LabSecrets.create("b")]);
  assert.notEqual(a.turn.password, b.turn.password);
  assert.match(a.turn.password, /^[0-9a-f]{24}$/);
});
