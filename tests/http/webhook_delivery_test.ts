/**
 * Webhook delivery through the HTTP API with a receiver on loopback (allowed by
 * `--webhooks-allow-private` and `MLFLOW_WEBHOOK_ALLOWED_SCHEMES=http,https`): registry and prompt
 * events with MLflow's payloads, the HMAC signature a receiver verifies, retries on 503, no
 * redirect followed, `test`, SSRF refusals on save and at delivery, a delivery that survives a
 * restart, two replicas sending each delivery once, and a secret sealed under another key.
 */
import assert from "node:assert/strict";
import { type TestBackend, testBackends } from "../support/backends.ts";
import { startReceiver } from "../support/webhook_receiver.ts";
import {
  createHook,
  drained,
  pendingDeliveries as pending,
  TEST_WEBHOOK_ENV,
  verifySignature as verify,
  webhookApp,
  withWebhookApp,
} from "../support/webhook_app.ts";

const MV_CREATED = { entity: "MODEL_VERSION", action: "CREATED" };
const RM_CREATED = { entity: "REGISTERED_MODEL", action: "CREATED" };

for (const backend of testBackends()) defineTests(backend);

function defineTests(backend: TestBackend): void {
  const withApp = (
    ...a: Parameters<typeof withWebhookApp> extends [unknown, ...infer R] ? R : never
  ) => withWebhookApp(backend, ...a);

  Deno.test(`[${backend.name}] webhooks: registry events arrive with MLflow's envelope, headers and a signature that verifies`, async () => {
    await withApp(async (s, r, table) => {
      const secret = "whsec-test";
      await createHook(s, {
        name: "models",
        url: `${r.base}/ok`,
        secret,
        events: [
          RM_CREATED,
          MV_CREATED,
          { entity: "MODEL_VERSION_TAG", action: "SET" },
          { entity: "MODEL_VERSION_ALIAS", action: "CREATED" },
          { entity: "MODEL_VERSION_ALIAS", action: "DELETED" },
        ],
      });
      const ok = async (method: string, path: string, body: unknown) => {
        const res = await s.call(method, path, body);
        assert.equal(res.status, 200, JSON.stringify(res.body));
      };
      await ok("POST", "/registered-models/create", {
        name: "m1",
        tags: [{ key: "team", value: "a" }],
      });
      await ok("POST", "/model-versions/create", { name: "m1", source: "s3://bucket/m" });
      await ok("POST", "/model-versions/set-tag", {
        name: "m1",
        version: "1",
        key: "k",
        value: "v",
      });
      await ok("POST", "/registered-models/alias", { name: "m1", alias: "champion", version: "1" });
      await ok("DELETE", "/registered-models/alias", { name: "m1", alias: "champion" });
      const got = await r.waitFor("/ok", 5);
      const bodies = got.map((g) => JSON.parse(g.body));
      const byEvent = new Map(bodies.map((b) => [`${b.entity}.${b.action}`, b.data]));
      assert.deepEqual(byEvent.get("registered_model.created"), {
        name: "m1",
        tags: { team: "a" },
        description: "",
      });
      assert.deepEqual(byEvent.get("model_version.created"), {
        name: "m1",
        version: "1",
        source: "s3://bucket/m",
        run_id: null,
        tags: {},
        description: null,
      });
      assert.deepEqual(byEvent.get("model_version_tag.set"), {
        name: "m1",
        version: "1",
        key: "k",
        value: "v",
      });
      assert.deepEqual(byEvent.get("model_version_alias.created"), {
        name: "m1",
        alias: "champion",
        version: "1",
      });
      assert.deepEqual(byEvent.get("model_version_alias.deleted"), {
        name: "m1",
        alias: "champion",
      });
      for (const g of got) {
        assert.equal(g.headers.get("content-type"), "application/json");
        assert.match(g.headers.get("x-mlflow-delivery-id")!, /^[0-9a-f-]{36}$/);
        assert.ok(Math.abs(Number(g.headers.get("x-mlflow-timestamp")) - Date.now() / 1000) < 60);
        assert.ok(verify(secret, g.headers, g.body), "signature verifies");
        assert.ok(!verify("wrong", g.headers, g.body));
        assert.match(
          JSON.parse(g.body).timestamp,
          /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/,
        );
      }
      // Python's json.dumps separators, as MLflow sends.
      assert.match(got[0]!.body, /^\{"entity": "/);
      assert.equal(await drained(table), 0, "the queue is empty once delivered");
    });
  });

  Deno.test(`[${backend.name}] webhooks: prompt events (created, version, tags, alias) with MLflow's payloads`, async () => {
    await withApp(async (s, r) => {
      await createHook(s, {
        name: "prompts",
        url: `${r.base}/ok`,
        events: [
          { entity: "PROMPT", action: "CREATED" },
          { entity: "PROMPT_VERSION", action: "CREATED" },
          { entity: "PROMPT_TAG", action: "SET" },
          { entity: "PROMPT_TAG", action: "DELETED" },
          { entity: "PROMPT_VERSION_TAG", action: "DELETED" },
          { entity: "PROMPT_ALIAS", action: "CREATED" },
          RM_CREATED,
        ],
      });
      const ok = async (method: string, path: string, body: unknown) => {
        const res = await s.call(method, path, body);
        assert.equal(res.status, 200, JSON.stringify(res.body));
      };
      const isPrompt = { key: "mlflow.prompt.is_prompt", value: "true" };
      await ok("POST", "/registered-models/create", {
        name: "p1",
        tags: [isPrompt, { key: "_mlflow_prompt_type", value: "text" }, { key: "x", value: "y" }],
        description: "d",
      });
      await ok("POST", "/model-versions/create", {
        name: "p1",
        source: "dummy-source",
        tags: [isPrompt, { key: "mlflow.prompt.text", value: "Hi {{n}}" }, {
          key: "t",
          value: "1",
        }],
      });
      await ok("POST", "/registered-models/set-tag", { name: "p1", key: "k", value: "v" });
      await ok("DELETE", "/registered-models/delete-tag", { name: "p1", key: "k" });
      await ok("POST", "/model-versions/set-tag", {
        name: "p1",
        version: "1",
        key: "vk",
        value: "1",
      });
      await ok("DELETE", "/model-versions/delete-tag", { name: "p1", version: "1", key: "vk" });
      await ok("POST", "/registered-models/alias", { name: "p1", alias: "prod", version: "1" });
      // A model's tag set is no prompt_tag event.
      await ok("POST", "/registered-models/create", { name: "plain" });
      await ok("POST", "/registered-models/set-tag", { name: "plain", key: "k", value: "v" });
      const got = await r.waitFor("/ok", 7);
      await new Promise((res) => setTimeout(res, 200));
      const events = r.received.map((g) => JSON.parse(g.body));
      const byEvent = new Map(events.map((b) => [`${b.entity}.${b.action}`, b.data]));
      assert.equal(got.length, 7);
      assert.deepEqual(byEvent.get("prompt.created"), {
        name: "p1",
        tags: { x: "y" },
        description: "d",
      });
      assert.deepEqual(byEvent.get("prompt_version.created"), {
        name: "p1",
        version: "1",
        template: "Hi {{n}}",
        tags: { t: "1" },
        description: null,
      });
      assert.deepEqual(byEvent.get("prompt_tag.set"), { name: "p1", key: "k", value: "v" });
      assert.deepEqual(byEvent.get("prompt_tag.deleted"), { name: "p1", key: "k" });
      assert.deepEqual(byEvent.get("prompt_version_tag.deleted"), {
        name: "p1",
        version: "1",
        key: "vk",
      });
      assert.deepEqual(byEvent.get("prompt_alias.created"), {
        name: "p1",
        alias: "prod",
        version: "1",
      });
      assert.deepEqual(byEvent.get("registered_model.created"), {
        name: "plain",
        tags: {},
        description: "",
      });
    });
  });

  Deno.test(`[${backend.name}] webhooks: 503 is retried with backoff until it succeeds, same delivery id`, async () => {
    await withApp(async (s, r, table) => {
      r.failures = 2;
      await createHook(s, { name: "flaky", url: `${r.base}/flaky`, events: [RM_CREATED] });
      await s.call("POST", "/registered-models/create", { name: "m" });
      const got = await r.waitFor("/flaky", 3);
      const ids = new Set(got.map((g) => g.headers.get("x-mlflow-delivery-id")));
      assert.equal(ids.size, 1);
      await new Promise((res) => setTimeout(res, 300));
      assert.equal(r.received.length, 3, "no attempt after the 200");
      assert.equal(await drained(table), 0);
    });
  });

  Deno.test(`[${backend.name}] webhooks: a 302 is not followed, and a 4xx is not retried`, async () => {
    await withApp(async (s, r) => {
      await createHook(s, { name: "redir", url: `${r.base}/redirect`, events: [RM_CREATED] });
      await createHook(s, { name: "gone", url: `${r.base}/status/410`, events: [RM_CREATED] });
      await s.call("POST", "/registered-models/create", { name: "m" });
      await r.waitFor("/redirect", 1);
      await r.waitFor("/status/410", 1);
      await new Promise((res) => setTimeout(res, 400));
      assert.equal(r.received.filter((g) => g.path === "/target").length, 0);
      assert.equal(r.received.length, 2);
    });
  });

  Deno.test(`[${backend.name}] webhooks: test sends MLflow's example payload and answers the outcome`, async () => {
    await withApp(async (s, r) => {
      const secret = "test-secret";
      const w = await createHook(s, {
        name: "t",
        url: `${r.base}/ok`,
        events: [{ entity: "MODEL_VERSION_ALIAS", action: "CREATED" }],
        secret,
      });
      const res = await s.call("POST", `/webhooks/${w.webhook_id}/test`, {});
      assert.deepEqual(res.body, {
        result: { success: true, response_status: 200, response_body: "received" },
      });
      const [g] = await r.waitFor("/ok", 1);
      assert.deepEqual(JSON.parse(g!.body).data, {
        name: "example_model",
        alias: "example_alias",
        version: "1",
      });
      assert.ok(verify(secret, g!.headers, g!.body));
      const other = await s.call("POST", `/webhooks/${w.webhook_id}/test`, {
        event: { entity: "PROMPT", action: "CREATED" },
      });
      assert.equal(other.body.result.success, true);
      assert.equal(JSON.parse(r.received[1]!.body).entity, "prompt");

      const failing = await createHook(s, {
        name: "f",
        url: `${r.base}/status/500`,
        events: [RM_CREATED],
      });
      const f = await s.call("POST", `/webhooks/${failing.webhook_id}/test`, {});
      assert.equal(f.body.result.success, false);
      assert.equal(f.body.result.response_status, 500);
      assert.equal(r.received.filter((g) => g.path === "/status/500").length, 4, "1 + 3 retries");
      const redirect = await createHook(s, {
        name: "r",
        url: `${r.base}/redirect`,
        events: [RM_CREATED],
      });
      const rr = await s.call("POST", `/webhooks/${redirect.webhook_id}/test`, {});
      assert.equal(rr.body.result.response_status, 302);
      assert.equal(r.received.filter((g) => g.path === "/target").length, 0);
      assert.equal((await s.call("POST", "/webhooks/nope/test", {})).status, 404);
    });
  });

  Deno.test(`[${backend.name}] webhooks: SSRF refusals without --webhooks-allow-private`, async () => {
    await withApp(
      async (s) => {
        for (
          const url of [
            "http://127.0.0.1:8080/h",
            "http://10.1.2.3/h",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/h",
            "http://[::ffff:127.0.0.1]/h",
            "http://localhost:9000/h",
            "http://192.168.0.10/h",
            "http://100.64.0.1/h",
          ]
        ) {
          const res = await s.call("POST", "/webhooks", { name: "h", url, events: [RM_CREATED] });
          assert.equal(res.status, 400, url);
          assert.match(res.body.message, /must not resolve to a non-public IP address/, url);
        }
        const octal = await s.call("POST", "/webhooks", {
          name: "h",
          url: "http://0177.0.0.1/h",
          events: [RM_CREATED],
        });
        assert.equal(octal.status, 400);
      },
      [],
      TEST_WEBHOOK_ENV,
    );
  });

  Deno.test(`[${backend.name}] webhooks: a private target saved earlier is refused again at delivery time`, async () => {
    const table = await backend.makePort();
    const r = startReceiver();
    try {
      // Saved while private targets were allowed (or when the name resolved elsewhere) ...
      const a = await webhookApp(table, ["--webhooks-allow-private"], TEST_WEBHOOK_ENV, false);
      await createHook(a, { name: "h", url: `${r.base}/ok`, events: [RM_CREATED] });
      await a.call("POST", "/registered-models/create", { name: "m" });
      await a.stop();
      assert.equal((await pending(table)).length, 1);
      // ... and delivered by a server that does not allow them: dropped, nothing sent.
      const b = await webhookApp(table, [], TEST_WEBHOOK_ENV);
      const warn = console.warn;
      const logged: string[] = [];
      console.warn = (l: string) => logged.push(l);
      try {
        const until = Date.now() + 5000;
        while ((await pending(table)).length > 0 && Date.now() < until) {
          await new Promise((res) => setTimeout(res, 20));
        }
      } finally {
        console.warn = warn;
        await b.stop();
      }
      assert.equal(await drained(table), 0);
      assert.equal(r.received.length, 0);
      assert.match(logged.join("\n"), /not a public address/);
    } finally {
      await r.close();
      await table.cleanup();
    }
  });

  Deno.test(`[${backend.name}] webhooks: a pending delivery survives a restart and is delivered once`, async () => {
    const table = await backend.makePort();
    const r = startReceiver();
    try {
      const a = await webhookApp(table, ["--webhooks-allow-private"], TEST_WEBHOOK_ENV, false);
      await createHook(a, { name: "h", url: `${r.base}/ok`, events: [RM_CREATED] });
      await a.call("POST", "/registered-models/create", { name: "durable" });
      await a.stop(); // the app stops before anything was delivered
      assert.equal(r.received.length, 0);
      assert.equal((await pending(table)).length, 1);
      const b = await webhookApp(table, ["--webhooks-allow-private"], TEST_WEBHOOK_ENV);
      try {
        const [g] = await r.waitFor("/ok", 1);
        assert.equal(JSON.parse(g!.body).data.name, "durable");
        await new Promise((res) => setTimeout(res, 300));
        assert.equal(r.received.length, 1, "exactly once");
        assert.equal(await drained(table), 0);
      } finally {
        await b.stop();
      }
    } finally {
      await r.close();
      await table.cleanup();
    }
  });

  Deno.test(`[${backend.name}] webhooks: two replicas on one table send each delivery once`, async () => {
    const table = await backend.makePort();
    const r = startReceiver();
    const a = await webhookApp(table, ["--webhooks-allow-private"], TEST_WEBHOOK_ENV);
    const b = await webhookApp(table, ["--webhooks-allow-private"], TEST_WEBHOOK_ENV);
    try {
      await createHook(a, { name: "h", url: `${r.base}/ok`, events: [RM_CREATED] });
      for (let i = 0; i < 6; i++) {
        const res = await (i % 2 ? a : b).call("POST", "/registered-models/create", {
          name: `m${i}`,
        });
        assert.equal(res.status, 200);
      }
      const got = await r.waitFor("/ok", 6);
      await new Promise((res) => setTimeout(res, 400));
      assert.equal(r.received.length, 6, "no delivery sent twice");
      assert.equal(new Set(got.map((g) => JSON.parse(g.body).data.name)).size, 6);
    } finally {
      await a.stop();
      await b.stop();
      await r.close();
      await table.cleanup();
    }
  });

  Deno.test(`[${backend.name}] webhooks: a secret sealed under another key is dropped, never sent unsigned`, async () => {
    const table = await backend.makePort();
    const r = startReceiver();
    try {
      const a = await webhookApp(table, ["--webhooks-allow-private"], TEST_WEBHOOK_ENV, false);
      await createHook(a, { name: "h", url: `${r.base}/ok`, events: [RM_CREATED], secret: "x" });
      await a.call("POST", "/registered-models/create", { name: "m" });
      await a.stop();
      const rotated = { ...TEST_WEBHOOK_ENV, MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY: "another-key" };
      const warn = console.warn;
      const logged: string[] = [];
      console.warn = (l: string) => logged.push(l);
      const b = await webhookApp(table, ["--webhooks-allow-private"], rotated);
      try {
        const until = Date.now() + 5000;
        while ((await pending(table)).length > 0 && Date.now() < until) {
          await new Promise((res) => setTimeout(res, 20));
        }
      } finally {
        console.warn = warn;
        await b.stop();
      }
      assert.equal(await drained(table), 0);
      assert.equal(r.received.length, 0);
      assert.match(logged.join("\n"), /cannot be opened/);
    } finally {
      await r.close();
      await table.cleanup();
    }
  });
}
