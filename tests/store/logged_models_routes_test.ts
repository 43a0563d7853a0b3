/**
 * Logged models (MLflow 3): the HTTP routes through `createApp(...).request(...)` on every test
 * backend (both prefixes, errors, search paging, artifacts).
 */
import assert from "node:assert/strict";
import { createApp } from "../../src/app.ts";
import { ArtifactLocations } from "../../src/artifacts/locations.ts";
import { LocalArtifactStore } from "../../src/artifacts/local_store.ts";
import {
  type LoggedModelRouteOptions,
  mountLoggedModels,
} from "../../src/http/logged_models/logged_models.ts";
import { logBatch } from "../../src/store/runs/log_batch.ts";
import { testBackends } from "../support/backends.ts";
import { type Ctx, sleep, withCtx } from "../support/logged_models_ctx.ts";

for (const backend of testBackends()) {
  const t = (name: string, fn: (c: Ctx) => Promise<void>) =>
    Deno.test(`[${backend.name}] logged models: ${name}`, () => withCtx(backend, fn));

  const tr = (
    name: string,
    fn: (c: Ctx, req: Requester) => Promise<void>,
    options?: () => Promise<LoggedModelRouteOptions>,
  ) =>
    t(`route ${name}`, async (c) => {
      const app = createApp({
        stores: c.s,
        extraRoutes: [mountLoggedModels(c.s, options ? await options() : {})],
      });
      await fn(c, async (method, path, body, prefix = "/api/2.0/mlflow") => {
        const res = await app.request(`${prefix}${path}`, {
          method,
          ...(body === undefined
            ? {}
            : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
        });
        const text = await res.text();
        let json: unknown = undefined;
        try {
          json = JSON.parse(text);
        } catch {
          json = text;
        }
        return { status: res.status, json: json as Json, headers: res.headers };
      });
    });

  tr("create, get, finalize, tags, params, delete (both prefixes)", async (_c, req) => {
    const created = await req("POST", "/logged-models", {
      experiment_id: "0",
      name: "model",
      params: [{ key: "p", value: "1" }],
      tags: [{ key: "t", value: "v" }],
    });
    assert.equal(created.status, 200);
    const info = created.json.model.info;
    const id = info.model_id as string;
    assert.deepEqual(Object.keys(created.json.model).sort(), ["data", "info"]);
    assert.equal(info.status, "LOGGED_MODEL_PENDING");
    assert.equal(info.artifact_uri, `mlflow-artifacts:/0/models/${id}/artifacts`);
    assert.equal(typeof info.creation_timestamp_ms, "number");
    assert.deepEqual(info.tags, [{ key: "t", value: "v" }]);
    assert.deepEqual(created.json.model.data, { params: [{ key: "p", value: "1" }] });

    const got = await req("GET", `/logged-models/${id}`, undefined, "/ajax-api/2.0/mlflow");
    assert.equal(got.status, 200);
    assert.equal(got.json.model.info.name, "model");

    const fin = await req("PATCH", `/logged-models/${id}`, {
      model_id: id,
      status: "LOGGED_MODEL_READY",
    });
    assert.equal(fin.json.model.info.status, "LOGGED_MODEL_READY");
    const finNum = await req("PATCH", `/logged-models/${id}`, { model_id: id, status: 3 });
    assert.equal(finNum.json.model.info.status, "LOGGED_MODEL_UPLOAD_FAILED");
    const noStatus = await req("PATCH", `/logged-models/${id}`, { model_id: id });
    assert.equal(noStatus.status, 400);
    assert.match(noStatus.json.message, /Missing value for required parameter 'status'/);

    assert.deepEqual(
      (await req("PATCH", `/logged-models/${id}/tags`, { tags: [{ key: "a", value: "b" }] })).json,
      {},
    );
    assert.deepEqual((await req("DELETE", `/logged-models/${id}/tags/a`)).json, {});
    const missingTag = await req("DELETE", `/logged-models/${id}/tags/a`);
    assert.equal(missingTag.status, 404);
    assert.equal(missingTag.json.error_code, "RESOURCE_DOES_NOT_EXIST");
    assert.match(missingTag.json.message, /^No tag with key 'a'/);

    assert.deepEqual(
      (await req("POST", `/logged-models/${id}/params`, {
        model_id: id,
        params: [{ key: "q", value: "2" }],
      })).json,
      {},
    );
    const after = await req("GET", `/logged-models/${id}`);
    assert.deepEqual(after.json.model.data.params, [{ key: "p", value: "1" }, {
      key: "q",
      value: "2",
    }]);

    assert.deepEqual((await req("DELETE", `/logged-models/${id}`, { model_id: id })).json, {});
    const gone = await req("GET", `/logged-models/${id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.json.error_code, "RESOURCE_DOES_NOT_EXIST");
    const allowed = await req("GET", `/logged-models/${id}?allow_deleted=true`);
    assert.equal(allowed.status, 200);
  });

  tr("create errors: missing experiment_id, unknown experiment", async (_c, req) => {
    const missing = await req("POST", "/logged-models", {});
    assert.equal(missing.status, 400);
    assert.match(missing.json.message, /Missing value for required parameter 'experiment_id'/);
    const unknown = await req("POST", "/logged-models", { experiment_id: "99" });
    assert.equal(unknown.status, 404);
  });

  tr("search: filter, order_by, paging, metrics in the response", async (c, req) => {
    const m1 =
      (await req("POST", "/logged-models", { experiment_id: "0", name: "one" })).json.model.info;
    await sleep(3);
    const m2 =
      (await req("POST", "/logged-models", { experiment_id: "0", name: "two" })).json.model.info;
    const run = await c.s.runs.create({ experimentId: "0" });
    await logBatch(c.s.runs, run.info.runId, {
      metrics: [{ key: "acc", value: Number.NaN, timestamp: 5, step: 0, modelId: m1.model_id }],
      params: [],
      tags: [],
    });
    const page1 = await req("POST", "/logged-models/search", {
      experiment_ids: ["0"],
      max_results: 1,
    });
    assert.deepEqual(page1.json.models.map((m: Json) => m.info.name), ["two"]);
    assert.ok(page1.json.next_page_token);
    const page2 = await req("POST", "/logged-models/search", {
      experiment_ids: ["0"],
      max_results: 1,
      page_token: page1.json.next_page_token,
    });
    assert.deepEqual(page2.json.models.map((m: Json) => m.info.name), ["one"]);
    assert.equal(page2.json.next_page_token, undefined);
    assert.deepEqual(page2.json.models[0].data.metrics, [
      {
        key: "acc",
        value: "NaN",
        timestamp: 5,
        step: 0,
        model_id: m1.model_id,
        run_id: run.info.runId,
      },
    ]);
    const filtered = await req("POST", "/logged-models/search", {
      experiment_ids: ["0"],
      filter: `name = 'one'`,
      order_by: [{ field_name: "creation_timestamp", ascending: false }],
    });
    assert.deepEqual(filtered.json.models.map((m: Json) => m.info.model_id), [m1.model_id]);
    const ordered = await req("POST", "/logged-models/search", {
      experiment_ids: ["0"],
      order_by: [{ field_name: "name" }],
    });
    assert.deepEqual(ordered.json.models.map((m: Json) => m.info.model_id), [
      m1.model_id,
      m2.model_id,
    ]);
    const empty = await req("POST", "/logged-models/search", {
      experiment_ids: ["0"],
      filter: "name = 'zzz'",
    });
    assert.deepEqual(empty.json, {});
    const bad = await req("POST", "/logged-models/search", {
      experiment_ids: ["0"],
      page_token: "garbage",
    });
    assert.equal(bad.status, 400);
    const noExp = await req("POST", "/logged-models/search", {});
    assert.equal(noExp.status, 400);
    assert.match(noExp.json.message, /Missing value for required parameter 'experiment_ids'/);
  });

  tr("search without max_results returns the proto default of 50", async (c, req) => {
    const exp = await c.s.experiments.create({ name: "many" });
    for (let i = 0; i < 51; i++) await c.lm.create({ experimentId: exp });
    const res = await req("POST", "/logged-models/search", { experiment_ids: [exp] });
    assert.equal(res.json.models.length, 50);
    assert.ok(res.json.next_page_token);
    const zero = await req("POST", "/logged-models/search", {
      experiment_ids: [exp],
      max_results: 0,
    });
    assert.equal(zero.json.models.length, 51);
    assert.equal(zero.json.next_page_token, undefined);
  });

  tr("artifacts/directories without the artifact proxy is 501", async (_c, req) => {
    const id =
      (await req("POST", "/logged-models", { experiment_id: "0" })).json.model.info.model_id;
    const res = await req("GET", `/logged-models/${id}/artifacts/directories`);
    assert.equal(res.status, 501);
    assert.equal(res.json.error_code, "NOT_IMPLEMENTED");
  });

  const artifactDir = { path: "" };
  tr(
    "artifacts/directories and artifacts/files through the proxied store",
    async (_c, req) => {
      const id =
        (await req("POST", "/logged-models", { experiment_id: "0" })).json.model.info.model_id;
      const root = `${artifactDir.path}/0/models/${id}/artifacts`;
      await Deno.mkdir(`${root}/sub`, { recursive: true });
      await Deno.writeTextFile(`${root}/MLmodel`, `model_id: ${id}\n`);
      await Deno.writeTextFile(`${root}/sub/x.txt`, "hello");
      try {
        const listing = await req(
          "GET",
          `/logged-models/${id}/artifacts/directories`,
          undefined,
          "/ajax-api/2.0/mlflow",
        );
        assert.equal(listing.status, 200);
        assert.equal(listing.json.root_uri, `mlflow-artifacts:/0/models/${id}/artifacts`);
        assert.deepEqual(listing.json.files, [
          { path: "MLmodel", is_dir: false, file_size: `model_id: ${id}\n`.length },
          { path: "sub", is_dir: true },
        ]);
        const sub = await req(
          "GET",
          `/logged-models/${id}/artifacts/directories?artifact_directory_path=sub`,
        );
        assert.deepEqual(sub.json.files, [{ path: "sub/x.txt", is_dir: false, file_size: 5 }]);
        const traversal = await req(
          "GET",
          `/logged-models/${id}/artifacts/directories?artifact_directory_path=../x`,
        );
        assert.equal(traversal.status, 400);
        const file = await req(
          "GET",
          `/logged-models/${id}/artifacts/files?artifact_file_path=MLmodel`,
          undefined,
          "/ajax-api/2.0/mlflow",
        );
        assert.equal(file.status, 200);
        assert.ok(String(file.json).includes(id));
        assert.match(file.headers.get("content-disposition") ?? "", /attachment/);
        const noPath = await req("GET", `/logged-models/${id}/artifacts/files`);
        assert.equal(noPath.status, 400);
      } finally {
        await Deno.remove(artifactDir.path, { recursive: true });
      }
    },
    async () => {
      artifactDir.path = await Deno.makeTempDir();
      return { artifacts: new ArtifactLocations(await LocalArtifactStore.open(artifactDir.path)) };
    },
  );
}

// deno-lint-ignore no-explicit-any
type Json = any;
type Requester = (
  method: string,
  path: string,
  body?: unknown,
  prefix?: string,
) => Promise<{ status: number; json: Json; headers: Headers }>;
