/**
 * Unit tests of the webhook building blocks: MLflow's signature (a vector computed by MLflow
 * 3.17.2's `_generate_hmac_signature`), the envelope's Python JSON, which addresses count as
 * public, the connect-time refusal of a name that resolves to loopback (DNS rebinding), sealed
 * secrets, event parsing and settings.
 */
import assert from "node:assert/strict";
import { deliveryHeaders, envelope, pythonUtcIso, sign } from "./delivery.ts";
import { isPublicAddress, validateWebhookUrl } from "./address_policy.ts";
import { BlockedAddressError, guardedPost } from "./guarded_post.ts";
import { SecretBox } from "./secret_box.ts";
import { eventJson, examplePayload, parseEvent, parseEvents } from "./events.ts";
import { webhookSettings } from "./settings.ts";
import { backoffMs, isRetryable } from "./worker.ts";
import { MlflowError } from "../errors.ts";
import { webhookDeliveriesDueBy, webhookDeliveryKey } from "../keys/key_schema.ts";

Deno.test("signature: the value MLflow computes for the same delivery", async () => {
  const body = envelope("registered_model.created", { name: "m", tags: {}, description: null }, 0)
    .replace(/"timestamp": "[^"]*"/, '"timestamp": "t"');
  assert.equal(
    body,
    '{"entity": "registered_model", "action": "created", "timestamp": "t", "data": {"name": "m", "tags": {}, "description": null}}',
  );
  assert.equal(
    await sign("whsec", "d-1", "1700000000", body),
    "v1,R69AVzoUqjY+K3/b6G64MSlPQl3niHrdJV7pMmZoBBw=",
  );
  const h = await deliveryHeaders("d-1", body, undefined, 1_700_000_000_999);
  assert.equal(h["X-MLflow-Timestamp"], "1700000000");
  assert.equal(h["X-MLflow-Signature"], undefined, "no secret, no signature");
  assert.equal(
    pythonUtcIso(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
    "2026-01-02T03:04:05.678000+00:00",
  );
});

Deno.test("public addresses: Python's is_global after unwrapping IPv4 in IPv6", () => {
  for (const a of ["8.8.8.8", "93.184.215.14", "2606:4700::1111"]) assert.ok(isPublicAddress(a), a);
  for (
    const a of [
      "127.0.0.1",
      "10.0.0.1",
      "172.16.5.4",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "::",
      "fe80::1",
      "fd00::1",
      "::ffff:127.0.0.1",
      "::ffff:169.254.169.254",
      "2002:7f00:1::", // 6to4 of 127.0.0.1
      "64:ff9b::a00:1", // NAT64 of 10.0.0.1
      "2001:db8::1",
      "224.0.0.1",
      "not-an-ip",
    ]
  ) assert.ok(!isPublicAddress(a), a);
});

Deno.test("URL validation: a hostname is resolved and every address must be public", async () => {
  const policy = {
    allowedSchemes: ["https"],
    allowPrivate: false,
    resolve: (h: string) =>
      Promise.resolve(h === "mixed.example" ? ["93.184.215.14", "10.0.0.5"] : ["93.184.215.14"]),
  };
  await validateWebhookUrl("https://ok.example/hook", policy);
  await assert.rejects(
    validateWebhookUrl("https://mixed.example/hook", policy),
    /'mixed.example' resolves to 10.0.0.5/,
  );
  await assert.rejects(
    validateWebhookUrl("https://x/", { ...policy, resolve: () => Promise.reject(new Error("NX")) }),
    /Cannot resolve Webhook URL hostname 'x'/,
  );
  await assert.rejects(validateWebhookUrl("https://127.1/", policy), /not a canonical IP/);
  await validateWebhookUrl("https://127.0.0.1/", { ...policy, allowPrivate: true });
});

Deno.test("delivery: a name that resolves to loopback at send time is refused before connecting", async () => {
  let hits = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    hits++;
    return new Response("ok");
  });
  try {
    const url = new URL(`http://rebind.example:${server.addr.port}/hook`);
    const policy = {
      allowedSchemes: ["http"],
      allowPrivate: false,
      resolve: () => Promise.resolve(["127.0.0.1"]),
    };
    await assert.rejects(
      guardedPost(url, {}, new Uint8Array(), policy, 2000),
      BlockedAddressError,
    );
    await assert.rejects(
      guardedPost(
        new URL(`http://127.0.0.1:${server.addr.port}/`),
        {},
        new Uint8Array(),
        policy,
        2000,
      ),
      BlockedAddressError,
    );
    assert.equal(hits, 0);
    // Allowed: the same request goes to the resolved address, with the original Host header.
    const answer = await guardedPost(url, { "X-A": "1" }, new TextEncoder().encode("{}"), {
      ...policy,
      allowPrivate: true,
    }, 2000);
    assert.equal(answer.status, 200);
    assert.equal(answer.body, "ok");
    assert.equal(hits, 1);
  } finally {
    await server.shutdown();
  }
});

Deno.test("delivery: a chunked answer is read whole; a silent server times out", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    if (new URL(req.url).pathname === "/slow") {
      return new Promise<Response>((res) => setTimeout(() => res(new Response("late")), 1500));
    }
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode("part1-"));
        c.enqueue(new TextEncoder().encode("part2"));
        c.close();
      },
    });
    return new Response(stream, { status: 201 });
  });
  const policy = { allowedSchemes: ["http"], allowPrivate: true };
  try {
    const a = await guardedPost(
      new URL(`http://127.0.0.1:${server.addr.port}/chunked`),
      {},
      new Uint8Array(),
      policy,
      2000,
    );
    assert.equal(a.status, 201);
    assert.equal(a.body, "part1-part2");
    await assert.rejects(
      guardedPost(
        new URL(`http://127.0.0.1:${server.addr.port}/slow`),
        {},
        new Uint8Array(),
        policy,
        200,
      ),
      /timed out/,
    );
    await assert.rejects(
      guardedPost(new URL(`ftp://127.0.0.1/`), {}, new Uint8Array(), policy, 200),
      BlockedAddressError,
    );
  } finally {
    await new Promise((r) => setTimeout(r, 1600));
    await server.shutdown();
  }
});

Deno.test("secrets: sealed with AES-GCM, bound to the webhook, refused without a key", async () => {
  const box = await SecretBox.create("a passphrase");
  const sealed = await box.seal("s3cret", "w1");
  assert.ok(!sealed.includes("s3cret"));
  assert.notEqual(sealed, await box.seal("s3cret", "w1"), "random IV");
  assert.equal(await box.open(sealed, "w1"), "s3cret");
  await assert.rejects(box.open(sealed, "w2"));
  await assert.rejects((await SecretBox.create("another key")).open(sealed, "w1"));
  const none = await SecretBox.create(undefined);
  assert.equal(none.configured, false);
  await assert.rejects(none.seal("x", "w1"), (e) => e instanceof MlflowError);
  await assert.rejects(none.open(sealed, "w1"));
  await assert.rejects(box.open("v0:abc", "w1"), /format/);
});

Deno.test("events: proto names or numbers, MLflow's valid pairs, example payloads", () => {
  assert.equal(parseEvent({ entity: "MODEL_VERSION_TAG", action: "SET" }), "model_version_tag.set");
  assert.equal(parseEvent({ entity: 1, action: 1 }), "registered_model.created");
  assert.equal(parseEvent({ entity: "10", action: "5" }), "budget_policy.exceeded");
  assert.throws(() => parseEvent({ entity: "model_version", action: "CREATED" }), /entity/);
  assert.throws(() => parseEvent({ action: "CREATED" }), /entity/);
  assert.throws(() => parseEvent("x"), /expected an object/);
  assert.throws(() => parseEvent({ entity: "PROMPT", action: "SET" }), /Invalid action 'set'/);
  assert.deepEqual(
    parseEvents([{ entity: "PROMPT", action: "CREATED" }, { entity: "PROMPT", action: "CREATED" }]),
    ["prompt.created"],
  );
  assert.deepEqual(eventJson("prompt_alias.deleted"), {
    entity: "PROMPT_ALIAS",
    action: "DELETED",
  });
  const events = [
    "registered_model.created",
    "model_version.created",
    "model_version_tag.set",
    "model_version_tag.deleted",
    "model_version_alias.created",
    "model_version_alias.deleted",
    "prompt.created",
    "prompt_version.created",
    "prompt_tag.set",
    "prompt_tag.deleted",
    "prompt_version_tag.set",
    "prompt_version_tag.deleted",
    "prompt_alias.created",
    "prompt_alias.deleted",
    "budget_policy.exceeded",
  ] as const;
  for (const e of events) assert.ok(Object.keys(examplePayload(e)).length >= 2, e);
  assert.deepEqual(examplePayload("prompt_version_tag.deleted"), {
    name: "example_prompt",
    version: "1",
    key: "example_key",
  });
});

Deno.test("settings: MLflow's variable names and defaults; retry policy", () => {
  const d = webhookSettings({});
  assert.deepEqual(d.policy, { allowedSchemes: ["https"], allowPrivate: false });
  assert.equal(d.timeoutMs, 30_000);
  assert.equal(d.maxRetries, 3);
  assert.equal(d.encryptionKey, undefined);
  const s = webhookSettings({
    MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS: "true",
    MLFLOW_WEBHOOK_ALLOWED_SCHEMES: "HTTP, https",
    MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES: "5",
  });
  assert.deepEqual(s.policy, { allowedSchemes: ["http", "https"], allowPrivate: true });
  assert.equal(s.maxRetries, 5);
  assert.equal(webhookSettings({}, true).policy.allowPrivate, true);
  assert.throws(() => webhookSettings({ MLFLOW_WEBHOOK_REQUEST_TIMEOUT: "soon" }), /TIMEOUT/);
  for (const code of [429, 500, 502, 503, 504]) assert.ok(isRetryable(code));
  for (const code of [200, 302, 400, 404, 501]) assert.ok(!isRetryable(code));
  assert.equal(backoffMs(d, 0), 1000);
  assert.equal(backoffMs(d, 2), 4000);
  assert.equal(backoffMs(d, 10), 60_000);
  const answer = { status: 429, headers: new Headers({ "retry-after": "7" }), body: "" };
  assert.equal(backoffMs(d, 0, answer), 7000);
});

Deno.test("delivery keys: sort by due time; the due bound takes everything due now, nothing later", () => {
  const id = "0f0f0f0f-ffff-4fff-8fff-ffffffffffff";
  const early = webhookDeliveryKey(999, id).sk;
  const now = webhookDeliveryKey(1000, id).sk;
  const later = webhookDeliveryKey(1001, "00000000-0000-4000-8000-000000000000").sk;
  assert.ok(early < now && now < later);
  const bound = webhookDeliveriesDueBy(1000);
  assert.ok(early <= bound && now <= bound && later > bound);
});

/** A throwaway CA and a certificate for `name` it signed (openssl). */
async function caAndLeaf(
  dir: string,
  name: string,
): Promise<{ ca: string; cert: string; key: string }> {
  const run = async (args: string[]) => {
    const out = await new Deno.Command("openssl", {
      args,
      cwd: dir,
      stdout: "null",
      stderr: "null",
    })
      .output();
    if (!out.success) throw new Error(`openssl ${args[0]} failed`);
  };
  await run([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=test-ca",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
  ]);
  await run([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    "leaf.key",
    "-out",
    "leaf.csr",
  ]);
  await Deno.writeTextFile(
    `${dir}/ext.cnf`,
    `subjectAltName=DNS:${name}\nbasicConstraints=CA:FALSE\n`,
  );
  await run([
    "x509",
    "-req",
    "-in",
    "leaf.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    "ext.cnf",
    "-out",
    "leaf.pem",
  ]);
  return {
    ca: await Deno.readTextFile(`${dir}/ca.pem`),
    cert: await Deno.readTextFile(`${dir}/leaf.pem`),
    key: await Deno.readTextFile(`${dir}/leaf.key`),
  };
}

const hasOpenssl = (() => {
  try {
    return new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

Deno.test({
  name:
    "delivery: https runs TLS over the checked socket, verifying the certificate against the hostname",
  ignore: !hasOpenssl,
  async fn() {
    const dir = await Deno.makeTempDir();
    const { ca, cert, key } = await caAndLeaf(dir, "hook.test");
    let hits = 0;
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, cert, key, onListen: () => {} },
      () => {
        hits++;
        return new Response("tls ok");
      },
    );
    const policy = {
      allowedSchemes: ["https"],
      allowPrivate: true,
      resolve: () => Promise.resolve(["127.0.0.1"]),
    };
    const body = new Uint8Array();
    try {
      const port = server.addr.port;
      const ok = await guardedPost(new URL(`https://hook.test:${port}/h`), {}, body, policy, 3000, [
        ca,
      ]);
      assert.equal(ok.status, 200);
      assert.equal(ok.body, "tls ok");
      // An untrusted certificate, or one for another name, is refused.
      await assert.rejects(
        guardedPost(new URL(`https://hook.test:${port}/h`), {}, body, policy, 3000),
      );
      await assert.rejects(
        guardedPost(new URL(`https://other.test:${port}/h`), {}, body, policy, 3000, [ca]),
      );
      assert.equal(hits, 1);
    } finally {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("emitter: a failing enqueue is logged and never fails the registry write", async () => {
  const { WebhookEmitter } = await import("./emitter.ts");
  const logged: string[] = [];
  const hook = { webhookId: "w", status: "ACTIVE" };
  const store = { subscribers: () => Promise.resolve([hook]) };
  const queue = { enqueue: () => Promise.reject(new Error("ProvisionedThroughputExceeded")) };
  // deno-lint-ignore no-explicit-any
  const e = new WebhookEmitter(store as any, queue as any, () => {}, (l) => logged.push(l));
  await e.emit("registered_model.created", { name: "m" });
  await e.emitEither(() => Promise.reject(new Error("lookup failed")), ["prompt_tag.set", {}]);
  assert.match(logged[0]!, /could not enqueue registered_model.created: ProvisionedThroughput/);
  assert.match(logged[1]!, /could not enqueue prompt_tag.set: lookup failed/);
});
