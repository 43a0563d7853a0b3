/**
 * Model registry: the HTTP routes through `createApp(...).request(...)` on every test backend
 * (JSON shapes, methods, errors).
 */
import assert from "node:assert/strict";
import { createApp, mountMlflow } from "../../src/app.ts";
import { retryingPort } from "../../src/dynamo/retry.ts";
import { registryDeps, registryRoutes } from "../../src/http/registry/mod.ts";
import { createStores } from "../../src/store/stores.ts";
import { testBackends } from "../support/backends.ts";

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] registry routes: JSON shapes, methods, errors`, async () => {
    const { port, tableName, cleanup } = await backend.makePort();
    try {
      const stores = await createStores(
        { port: retryingPort(port), table: tableName },
        "mlflow-artifacts:/",
      );
      const deps = registryDeps({
        defaultArtifactRoot: "mlflow-artifacts:/",
        artifactsDestination: "/tmp/a",
      }, stores);
      const app = createApp({ stores, extraRoutes: [(a) => mountMlflow(a, registryRoutes(deps))] });
      const call = async (
        method: string,
        path: string,
        body?: unknown,
        prefix = "/api/2.0/mlflow",
      ) => {
        const res = await app.request(`${prefix}${path}`, {
          method,
          ...(body === undefined ? {} : {
            body: JSON.stringify(body),
            headers: { "content-type": "application/json" },
          }),
        });
        const text = await res.text();
        return { status: res.status, json: text ? JSON.parse(text) : undefined };
      };

      let res = await call("POST", "/registered-models/create", {
        name: "m",
        tags: [{ key: "a", value: "b" }],
      });
      assert.equal(res.status, 200);
      const rm = res.json.registered_model;
      assert.equal(rm.name, "m");
      assert.equal(typeof rm.creation_timestamp, "number");
      assert.deepEqual(rm.tags, [{ key: "a", value: "b" }]);
      assert.equal(rm.latest_versions, undefined);
      assert.equal(rm.aliases, undefined);
      assert.equal(rm.description, undefined);

      res = await call("POST", "/registered-models/create", { name: "m" });
      assert.equal(res.status, 400);
      assert.equal(res.json.error_code, "RESOURCE_ALREADY_EXISTS");

      res = await call("POST", "/registered-models/create", {});
      assert.equal(res.status, 400);
      assert.match(
        res.json.message,
        /^Missing value for required parameter 'name'\. See the API docs/,
      );

      res = await call("POST", "/model-versions/create", {
        name: "m",
        source: "s3://bucket/model",
      });
      assert.equal(res.status, 200);
      const mv = res.json.model_version;
      assert.equal(mv.version, "1");
      assert.equal(mv.current_stage, "None");
      assert.equal(mv.status, "READY");
      assert.equal(mv.description, "");
      assert.equal(mv.run_id, "");
      assert.equal(mv.source, "s3://bucket/model");

      res = await call("POST", "/model-versions/create", { name: "m", source: "/local/path" });
      assert.equal(res.status, 400);
      assert.match(
        res.json.message,
        /To use a local path as a model version source, the run_id request parameter/,
      );

      res = await call("POST", "/model-versions/create", { name: "m", source: "s3://b/../etc" });
      assert.equal(res.status, 400);
      assert.match(
        res.json.message,
        /an absolute path must be provided without relative path references/,
      );

      res = await call("POST", "/model-versions/create", {
        name: "m",
        source: "prompt",
        tags: [{ key: "mlflow.prompt.is_prompt", value: "true" }],
      });
      assert.equal(res.status, 400);
      assert.match(res.json.message, /^Invalid prompt source: 'prompt'/);

      res = await call(
        "GET",
        "/model-versions/get?name=m&version=1",
        undefined,
        "/ajax-api/2.0/mlflow",
      );
      assert.equal(res.status, 200);
      assert.equal(res.json.model_version.version, "1");

      res = await call("PATCH", "/model-versions/update", {
        name: "m",
        version: "1",
        description: "hello",
      });
      assert.equal(res.json.model_version.description, "hello");

      res = await call("POST", "/model-versions/transition-stage", {
        name: "m",
        version: "1",
        stage: "production",
        archive_existing_versions: false,
      });
      assert.equal(res.json.model_version.current_stage, "Production");

      res = await call("GET", "/registered-models/get-latest-versions?name=m&stages=Production");
      assert.deepEqual(res.json.model_versions.map((v: { version: string }) => v.version), ["1"]);
      res = await call("POST", "/registered-models/get-latest-versions", {
        name: "m",
        stages: ["None"],
      });
      assert.deepEqual(res.json, {});

      res = await call("POST", "/registered-models/alias", {
        name: "m",
        alias: "champ",
        version: "1",
      });
      assert.deepEqual(res.json, {});
      res = await call("GET", "/registered-models/alias?name=m&alias=champ");
      assert.deepEqual(res.json.model_version.aliases, ["champ"]);
      res = await call("GET", "/registered-models/get?name=m");
      assert.deepEqual(res.json.registered_model.aliases, [{ alias: "champ", version: "1" }]);
      res = await call("GET", "/registered-models/alias?name=m&alias=nope");
      assert.equal(res.status, 400);
      assert.equal(res.json.error_code, "INVALID_PARAMETER_VALUE");
      res = await call("DELETE", "/registered-models/alias", { name: "m", alias: "champ" });
      assert.equal(res.status, 200);

      res = await call("POST", "/registered-models/set-tag", { name: "m", key: "k", value: "v" });
      assert.equal(res.status, 200);
      res = await call("DELETE", "/registered-models/delete-tag", { name: "m", key: "k" });
      assert.equal(res.status, 200);
      res = await call("POST", "/model-versions/set-tag", {
        name: "m",
        version: "1",
        key: "k",
        value: "v",
      });
      assert.equal(res.status, 200);
      res = await call("DELETE", "/model-versions/delete-tag", {
        name: "m",
        version: "1",
        key: "k",
      });
      assert.equal(res.status, 200);

      res = await call("GET", "/model-versions/get-download-uri?name=m&version=1");
      assert.deepEqual(res.json, { artifact_uri: "s3://bucket/model" });

      for (let i = 0; i < 3; i++) {
        await call("POST", "/registered-models/create", { name: `z${i}` });
      }
      res = await call("GET", "/registered-models/search?max_results=2&order_by=name+DESC");
      assert.deepEqual(res.json.registered_models.map((m: { name: string }) => m.name), [
        "z2",
        "z1",
      ]);
      const token = res.json.next_page_token;
      assert.ok(token);
      res = await call(
        "GET",
        `/registered-models/search?max_results=2&order_by=name+DESC&page_token=${
          encodeURIComponent(token)
        }`,
      );
      assert.deepEqual(res.json.registered_models.map((m: { name: string }) => m.name), [
        "z0",
        "m",
      ]);
      assert.equal(res.json.next_page_token, undefined);
      res = await call("GET", "/registered-models/search?page_token=invalid_token");
      assert.equal(res.status, 400);
      res = await call("GET", "/registered-models/search?max_results=1001");
      assert.equal(res.status, 400);
      assert.match(res.json.message, /^Invalid value "1001" for parameter 'max_results' supplied/);
      res = await call("GET", "/registered-models/search?filter=evilhax+%3D+true");
      assert.equal(res.status, 400);
      res = await call("GET", "/model-versions/search?filter=name%3D%27m%27");
      assert.deepEqual(res.json.model_versions.map((v: { version: string }) => v.version), ["1"]);
      res = await call("POST", "/registered-models/search", { filter: "name = 'z1'" });
      assert.deepEqual(res.json.registered_models.map((m: { name: string }) => m.name), ["z1"]);

      res = await call("POST", "/registered-models/rename", { name: "m", new_name: "m2" });
      assert.equal(res.json.registered_model.name, "m2");
      res = await call("PATCH", "/registered-models/update", { name: "m2", description: "d" });
      assert.equal(res.json.registered_model.description, "d");
      res = await call("DELETE", "/model-versions/delete", { name: "m2", version: "1" });
      assert.equal(res.status, 200);
      res = await call("GET", "/model-versions/get?name=m2&version=1");
      assert.equal(res.status, 404);
      assert.equal(res.json.error_code, "RESOURCE_DOES_NOT_EXIST");
      res = await call("DELETE", "/registered-models/delete", { name: "m2" });
      assert.equal(res.status, 200);
      res = await call("GET", "/registered-models/get?name=m2");
      assert.equal(res.status, 404);
    } finally {
      await cleanup();
    }
  });
}
