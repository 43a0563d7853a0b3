/**
 * Webhooks per workspace (`--enable-workspaces`), as MLflow 3.17.2's workspace-aware registry
 * store: a webhook belongs to the workspace it was created in; list, get, update, delete and test
 * see only the request's workspace's webhooks (another's is "not found"); a registry event fires
 * only the webhooks of its workspace, and the envelope carries `workspace` (MLflow adds it when
 * workspaces are on). The default workspace keeps the keys of a server without workspaces.
 *
 * @module
 */
import assert from "node:assert/strict";
import { queryAll } from "../../src/dynamo/batch.ts";
import { webhooksPk } from "../../src/keys/key_schema.ts";
import { type TestBackend, testBackends } from "../support/backends.ts";
import { requestJson } from "../support/request_json.ts";
import { type WebhookApp, withWebhookApp } from "../support/webhook_app.ts";

const RM_CREATED = { entity: "REGISTERED_MODEL", action: "CREATED" };

// deno-lint-ignore no-explicit-any
type Answer = { status: number; body: any };

async function inWs(
  s: WebhookApp,
  workspace: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  const url = path.startsWith("/api/") ? path : `/api/2.0/mlflow${path}`;
  return await requestJson(s.app, method, url, body, { "x-mlflow-workspace": workspace });
}

for (const backend of testBackends()) defineTests(backend);

function defineTests(backend: TestBackend): void {
  Deno.test(`[${backend.name}] webhooks per workspace: CRUD sees one workspace, events fire its webhooks with the workspace in the envelope`, async () => {
    await withWebhookApp(backend, async (s, r, table) => {
      const created = await inWs(s, "default", "POST", "/api/3.0/mlflow/workspaces", {
        name: "team-a",
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const hook = async (ws: string, name: string, path: string) => {
        const res = await inWs(s, ws, "POST", "/webhooks", {
          name,
          url: `${r.base}${path}`,
          events: [RM_CREATED],
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return res.body.webhook.webhook_id as string;
      };
      const a = await hook("team-a", "hook-a", "/a");
      const d = await hook("default", "hook-d", "/d");

      const listA = await inWs(s, "team-a", "GET", "/webhooks");
      assert.deepEqual(listA.body.webhooks.map((w: { name: string }) => w.name), ["hook-a"]);
      const listD = await inWs(s, "default", "GET", "/webhooks");
      assert.deepEqual(listD.body.webhooks.map((w: { name: string }) => w.name), ["hook-d"]);

      for (
        const [method, path, body] of [
          ["GET", `/webhooks/${d}`, undefined],
          ["PATCH", `/webhooks/${d}`, { description: "x" }],
          ["DELETE", `/webhooks/${d}`, undefined],
          ["POST", `/webhooks/${d}/test`, {}],
        ] as const
      ) {
        const res = await inWs(s, "team-a", method, path, body);
        assert.equal(res.status, 404, `${method} ${path}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.error_code, "RESOURCE_DOES_NOT_EXIST");
        assert.equal(res.body.message, `Webhook with ID ${d} not found.`);
      }
      assert.equal((await inWs(s, "default", "GET", `/webhooks/${d}`)).status, 200);
      assert.equal((await inWs(s, "default", "GET", `/webhooks/${a}`)).status, 404);

      // The default workspace keeps today's partition; team-a's webhook has its own.
      const keysOf = async (pk: string) =>
        (await queryAll(table.port, {
          TableName: table.tableName,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": { S: pk } },
        })).map((i) => i.sk!.S);
      assert.equal(webhooksPk(), "WH");
      assert.deepEqual(await keysOf("WH"), [d]);
      assert.deepEqual(await keysOf(webhooksPk("team-a")), [a]);

      const model = await inWs(s, "team-a", "POST", "/registered-models/create", { name: "m" });
      assert.equal(model.status, 200, JSON.stringify(model.body));
      const [gotA] = await r.waitFor("/a", 1);
      const bodyA = JSON.parse(gotA!.body);
      assert.deepEqual(Object.keys(bodyA), ["entity", "action", "timestamp", "data", "workspace"]);
      assert.equal(bodyA.workspace, "team-a");
      assert.equal(bodyA.data.name, "m");

      const modelD = await inWs(s, "default", "POST", "/registered-models/create", { name: "m" });
      assert.equal(modelD.status, 200, JSON.stringify(modelD.body));
      const [gotD] = await r.waitFor("/d", 1);
      assert.equal(JSON.parse(gotD!.body).workspace, "default");
      await new Promise((res) => setTimeout(res, 300));
      assert.equal(r.received.filter((x) => x.path === "/a").length, 1, "team-a fired once");
      assert.equal(r.received.filter((x) => x.path === "/d").length, 1, "default fired once");

      // `test` of a webhook sends the workspace too.
      const tested = await inWs(s, "team-a", "POST", `/webhooks/${a}/test`, {});
      assert.equal(tested.status, 200, JSON.stringify(tested.body));
      const all = await r.waitFor("/a", 2);
      assert.equal(JSON.parse(all[1]!.body).workspace, "team-a");
    }, ["--webhooks-allow-private", "--enable-workspaces"]);
  });

  Deno.test(`[${backend.name}] a workspace holding webhooks or datasets is not deleted (RESTRICT, with MLflow's count); SET_DEFAULT moves its webhooks`, async () => {
    await withWebhookApp(backend, async (s, r) => {
      const WS = "/api/3.0/mlflow/workspaces";
      assert.equal((await inWs(s, "default", "POST", WS, { name: "team-h" })).status, 201);
      const hook = await inWs(s, "team-h", "POST", "/webhooks", {
        name: "h",
        url: `${r.base}/h`,
        events: [RM_CREATED],
      });
      const id = hook.body.webhook.webhook_id as string;
      const restrict = await inWs(s, "default", "DELETE", `${WS}/team-h`);
      assert.equal(restrict.status, 500);
      assert.equal(restrict.body.error_code, "INVALID_STATE");
      assert.equal(
        restrict.body.message,
        "Cannot delete workspace 'team-h': table 'webhooks' still contains 1 resource(s). " +
          "Remove or reassign them before deleting the workspace.",
      );
      const ds = await inWs(s, "team-h", "POST", "/api/3.0/mlflow/datasets/create", { name: "d" });
      assert.equal(ds.status, 200, JSON.stringify(ds.body));
      const both = await inWs(s, "default", "DELETE", `${WS}/team-h`);
      assert.match(both.body.message, /table 'evaluation_datasets' still contains 1 resource\(s\)/);

      const moved = await inWs(s, "default", "DELETE", `${WS}/team-h?mode=SET_DEFAULT`);
      assert.equal(moved.status, 204, JSON.stringify(moved.body));
      const got = await inWs(s, "default", "GET", `/webhooks/${id}`);
      assert.equal(got.status, 200, JSON.stringify(got.body));
      assert.equal(got.body.webhook.name, "h");
      // It fires for default's events now.
      await inWs(s, "default", "POST", "/registered-models/create", { name: "after-move" });
      const [delivered] = await r.waitFor("/h", 1);
      assert.equal(JSON.parse(delivered!.body).workspace, "default");
    }, ["--webhooks-allow-private", "--enable-workspaces"]);
  });

  Deno.test(`[${backend.name}] webhooks without workspaces: the envelope has no workspace`, async () => {
    await withWebhookApp(backend, async (s, r) => {
      const res = await s.call("POST", "/webhooks", {
        name: "h",
        url: `${r.base}/x`,
        events: [RM_CREATED],
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal((await s.call("POST", "/registered-models/create", { name: "m" })).status, 200);
      const [got] = await r.waitFor("/x", 1);
      assert.deepEqual(Object.keys(JSON.parse(got!.body)), [
        "entity",
        "action",
        "timestamp",
        "data",
      ]);
    });
  });
}
