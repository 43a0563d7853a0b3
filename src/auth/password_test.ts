import assert from "node:assert/strict";
import { hashPassword, verifyPassword } from "./password.ts";

// Made by werkzeug 3 (`generate_password_hash`), as MLflow's auth database stores them.
const WERKZEUG_SCRYPT =
  "scrypt:32768:8:1$plNLtET44SazMMP1$1a6db80e8c7906cf77009949e6b7cd8161c3e1b3e242f358aa8883b5d3d6b6228cc334e6557fc125a9ce56c6617ba1de144c50a54a2ff0d41d2b6f8642024c6b";
const WERKZEUG_PBKDF2 =
  "pbkdf2:sha256:1000$GNQuW2NyIuo4fRFs$95fb007568d8561f45200c862f6cd4f678894927f8281ba07f8824d777edf4a5";

Deno.test("a password hash imported from an MLflow auth database verifies (scrypt and pbkdf2)", async () => {
  assert.equal(await verifyPassword(WERKZEUG_SCRYPT, "correct horse battery"), true);
  assert.equal(await verifyPassword(WERKZEUG_SCRYPT, "correct horse batterY"), false);
  assert.equal(await verifyPassword(WERKZEUG_PBKDF2, "correct horse battery"), true);
  assert.equal(await verifyPassword(WERKZEUG_PBKDF2, "wrong"), false);
});

Deno.test("new hashes are werkzeug's scrypt format with a fresh salt, and verify", async () => {
  const a = await hashPassword("a long password");
  const b = await hashPassword("a long password");
  assert.match(a, /^scrypt:32768:8:1\$[A-Za-z0-9]{16}\$[0-9a-f]{128}$/);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword(a, "a long password"), true);
  assert.equal(await verifyPassword(a, "another password"), false);
  const p = await hashPassword("a long password", "pbkdf2:sha256:1000");
  assert.match(p, /^pbkdf2:sha256:1000\$[A-Za-z0-9]{16}\$[0-9a-f]{64}$/);
  assert.equal(await verifyPassword(p, "a long password"), true);
});

Deno.test("a malformed or hostile hash never matches and never throws", async () => {
  for (
    const bad of [
      "",
      "plain",
      "md5$salt$abcd",
      "scrypt:32768:8:1$salt$zz",
      "scrypt:33:8:1$salt$abcd",
      "scrypt:4194304:8:1$salt$abcd",
      "pbkdf2:sha256:99999999999$salt$abcd",
      "pbkdf2:whirlpool:1000$salt$abcd",
      "scrypt:32768:8:1$salt$",
      "a$b$c$d",
    ]
  ) {
    assert.equal(await verifyPassword(bad, "x"), false, bad);
  }
  await assert.rejects(() => hashPassword("x", "md5"), RangeError);
});
