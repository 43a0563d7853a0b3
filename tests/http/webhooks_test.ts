/**
 * Webhook CRUD through the HTTP API: create, get, list with paging, update, delete at MLflow's
 * paths (and the ajax twin), MLflow's validation errors, https only by default, and secrets that
 * are never answered, stored sealed, and refused without a configured key. Delivery:
 * `webhook_delivery_test.ts`.
 */
import assert from "node:assert/strict";
import { type TestBackend, testBackends } from "../support/backends.ts";
import { createHook, TEST_WEBHOOK_ENV, withWebhookApp } from "../support/webhook_app.ts";
import { webhooksPk } from "../../src/keys/key_schema.ts";
import { queryAll } from "../../src/dynamo/batch.ts";

const MV_CREATED = { entity: "MODEL_VERSION", action: "CREATED" };
const RM_CREATED = { entity: "REGISTERED_MODEL", action: "CREATED" };

for (const backend of testBackends()) defineTests(backend);

function defineTests(backend: TestBackend): void {
  const withApp = (
    ...a: Parameters<typeof withWebhookApp> extends [unknown, ...infer R] ? R : never
  ) => withWebhookApp(backend, ...a);

  Deno.test(`[${backend.name}] webhooks: create, get, list with paging, update, delete, at MLflow's paths`, async () => {
    await withApp(async (s, r) => {
      const a = await createHook(s, {
        name: "hook-a",
        url: `${r.base}/ok`,
        events: [RM_CREATED],
        description: "first",
      });
      assert.match(a.webhook_id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(
        { ...a, webhook_id: "", creation_timestamp: 0, last_updated_timestamp: 0 },
        {
          webhook_id: "",
          name: "hook-a",
          description: "first",
          url: `${r.base}/ok`,
          events: [RM_CREATED],
          status: "ACTIVE",
          creation_timestamp: 0,
          last_updated_timestamp: 0,
        },
      );
      await new Promise((res) => setTimeout(res, 5));
      await createHook(s, { name: "hook-b", url: `${r.base}/ok`, events: [MV_CREATED] });
      await new Promise((res) => setTimeout(res, 5));
      await createHook(s, {
        name: "hook-c",
        url: `${r.base}/ok`,
        events: [MV_CREATED],
        status: "DISABLED",
      });
      const got = await s.call("GET", `/webhooks/${a.webhook_id}`);
      assert.deepEqual(got.body.webhook, a);
      const ajax = await s.app.request(`/ajax-api/2.0/mlflow/webhooks/${a.webhook_id}`);
      assert.equal(ajax.status, 200);

      const p1 = await s.call("GET", "/webhooks?max_results=2");
      assert.deepEqual(p1.body.webhooks.map((w: { name: string }) => w.name), ["hook-c", "hook-b"]);
      assert.ok(p1.body.next_page_token);
      const p2 = await s.call(
        "GET",
        `/webhooks?max_results=2&page_token=${encodeURIComponent(p1.body.next_page_token)}`,
      );
      assert.deepEqual(p2.body.webhooks.map((w: { name: string }) => w.name), ["hook-a"]);
      assert.equal(p2.body.next_page_token, undefined);

      const u = await s.call("PATCH", `/webhooks/${a.webhook_id}`, {
        name: "hook-a2",
        status: "DISABLED",
        events: [MV_CREATED, { entity: "MODEL_VERSION_ALIAS", action: "DELETED" }],
      });
      assert.equal(u.status, 200);
      assert.equal(u.body.webhook.name, "hook-a2");
      assert.equal(u.body.webhook.status, "DISABLED");
      assert.equal(u.body.webhook.description, "first");
      assert.deepEqual(u.body.webhook.events, [MV_CREATED, {
        entity: "MODEL_VERSION_ALIAS",
        action: "DELETED",
      }]);
      assert.ok(u.body.webhook.last_updated_timestamp >= a.last_updated_timestamp);

      assert.deepEqual((await s.call("DELETE", `/webhooks/${a.webhook_id}`)).body, {});
      const gone = await s.call("GET", `/webhooks/${a.webhook_id}`);
      assert.equal(gone.status, 404);
      assert.deepEqual(gone.body, {
        error_code: "RESOURCE_DOES_NOT_EXIST",
        message: `Webhook with ID ${a.webhook_id} not found.`,
      });
      assert.equal((await s.call("DELETE", `/webhooks/${a.webhook_id}`)).status, 404);
      assert.equal((await s.call("PATCH", `/webhooks/${a.webhook_id}`, { name: "x" })).status, 404);
    });
  });

  Deno.test(`[${backend.name}] webhooks: MLflow's validation errors`, async () => {
    await withApp(async (s, r) => {
      const bad = async (body: unknown, message: RegExp, method = "POST", path = "/webhooks") => {
        const res = await s.call(method, path, body);
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.error_code, "INVALID_PARAMETER_VALUE");
        assert.match(res.body.message, message);
      };
      const url = `${r.base}/ok`;
      await bad({ url, events: [RM_CREATED] }, /Missing value for required parameter 'name'/);
      await bad({ name: "h", events: [RM_CREATED] }, /Missing value for required parameter 'url'/);
      await bad({ name: "h", url }, /Missing value for required parameter 'events'/);
      await bad({ name: "h", url, events: [] }, /Webhook events must be a non-empty list/);
      await bad({ name: "-bad", url, events: [RM_CREATED] }, /Webhook name '-bad' is invalid/);
      await bad({ name: "a".repeat(64), url, events: [RM_CREATED] }, /is invalid/);
      await bad(
        { name: "h", url, events: [{ entity: "REGISTERED_MODEL", action: "DELETED" }] },
        /Invalid action 'deleted' for entity 'registered_model'. Valid actions are: \['created'\]/,
      );
      await bad({ name: "h", url, events: [{ entity: "NOPE", action: "CREATED" }] }, /entity/);
      await bad(
        { name: "h", url: "ftp://x.example/", events: [RM_CREATED] },
        /Invalid webhook URL scheme: 'ftp'/,
      );
      await bad({ name: "h", url: "   ", events: [RM_CREATED] }, /cannot be empty/);
      await bad({ name: "h", url, events: [RM_CREATED], status: "PAUSED" }, /status/);
      await bad(
        undefined,
        /max_results must be between 1 and 1000/,
        "GET",
        "/webhooks?max_results=1001",
      );
      await bad(undefined, /Invalid page token/, "GET", "/webhooks?page_token=garbage!");
    });
  });

  Deno.test(`[${backend.name}] webhooks: https only by default`, async () => {
    const env = { ...TEST_WEBHOOK_ENV };
    delete env.MLFLOW_WEBHOOK_ALLOWED_SCHEMES;
    await withApp(
      async (s, r) => {
        const res = await s.call("POST", "/webhooks", {
          name: "h",
          url: `${r.base}/ok`,
          events: [RM_CREATED],
        });
        assert.equal(res.status, 400);
        assert.equal(
          res.body.message,
          "Invalid webhook URL scheme: 'http'. Allowed schemes are: https.",
        );
      },
      ["--webhooks-allow-private"],
      env,
    );
  });

  Deno.test(`[${backend.name}] webhooks: the secret is never answered and is stored sealed; no key → clear 400`, async () => {
    await withApp(async (s, r, table) => {
      const secret = "s3cr3t-value-xyz";
      const w = await createHook(s, {
        name: "h",
        url: `${r.base}/ok`,
        events: [RM_CREATED],
        secret,
      });
      const answers = [
        JSON.stringify(w),
        JSON.stringify((await s.call("GET", `/webhooks/${w.webhook_id}`)).body),
        JSON.stringify((await s.call("GET", "/webhooks")).body),
        JSON.stringify(
          (await s.call("PATCH", `/webhooks/${w.webhook_id}`, { secret: "other-secret" })).body,
        ),
      ];
      for (const a of answers) {
        assert.ok(!a.includes(secret) && !a.includes("other-secret") && !a.includes("secret"), a);
      }
      const items = await queryAll(table.port, {
        TableName: table.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: webhooksPk() } },
      });
      const raw = JSON.stringify(items);
      assert.ok(!raw.includes("other-secret") && !raw.includes(secret), raw);
      assert.match(raw, /secret_sealed/);
    });
    const env = { ...TEST_WEBHOOK_ENV };
    delete env.MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY;
    await withApp(
      async (s, r) => {
        const res = await s.call("POST", "/webhooks", {
          name: "h",
          url: `${r.base}/ok`,
          events: [RM_CREATED],
          secret: "x",
        });
        assert.equal(res.status, 400);
        assert.match(res.body.message, /MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY/);
        assert.equal(
          (await s.call("GET", "/webhooks")).body.webhooks,
          undefined,
          "nothing written",
        );
        // Without a secret, creating works.
        await createHook(s, { name: "h", url: `${r.base}/ok`, events: [RM_CREATED] });
      },
      ["--webhooks-allow-private"],
      env,
    );
  });
}
