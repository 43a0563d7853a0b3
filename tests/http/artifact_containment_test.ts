/**
 * Issue #8 item 1 (and the artifact parts of item 3), through the whole app on the in-process
 * engine: no artifact route reads, lists, writes or deletes anything outside an artifact root.
 *
 * Each test plants a secret file in a directory outside every root, then tries MLflow's
 * path-traversal CVE patterns: bad experiment locations (refused at create), the same locations
 * stored by an older version (refused at every read), bad model-version sources, and bad paths on
 * every artifact route of `docs/artifacts.md`. The secret never comes back, nothing outside the
 * roots changes, and no error body names the server's absolute paths.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { BAD_PATHS, badLocations } from "../../src/artifacts/testdata.ts";
import type { Config } from "../../src/config/config.ts";
import { artifactApp, fakeRuns, tree } from "../../src/http/artifacts/test_support.ts";
import { LocalArtifactStore } from "../../src/artifacts/local_store.ts";
import { buildExtraRoutes } from "../../src/server/extra_routes.ts";
import type { Experiment } from "../../src/store/entities.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import { engineBackend } from "../support/backends.ts";

const SECRET = "root:x:0:0:SECRET-OUTSIDE-THE-ROOT";

interface Ctx {
  app: ReturnType<typeof createApp>;
  stores: Stores;
  /** Temporary directory holding `dest/` (the artifact destination) and `outside/`. */
  tmp: string;
  dest: string;
  outside: string;
  /** Every error body answered so far, for the path-disclosure check. */
  errors: string[];
}

async function withServer(fn: (c: Ctx) => Promise<void>): Promise<void> {
  const tmp = await Deno.realPath(await Deno.makeTempDir({ prefix: "containment-" }));
  const dest = join(tmp, "dest");
  const outside = join(tmp, "outside");
  await Deno.mkdir(join(outside, "sub"), { recursive: true });
  await Deno.writeTextFile(join(outside, "passwd"), SECRET);
  await Deno.writeTextFile(join(outside, "sub", "passwd"), SECRET);
  const { port, tableName, cleanup } = await engineBackend.makePort();
  try {
    const stores = await createStores({ port, table: tableName }, "mlflow-artifacts:/");
    const config = {
      serveArtifacts: true,
      artifactsDestination: dest,
      defaultArtifactRoot: "mlflow-artifacts:/",
    } as Config;
    const app = createApp({ stores, extraRoutes: await buildExtraRoutes(config, stores) });
    await fn({ app, stores, tmp, dest, outside, errors: [] });
  } finally {
    await cleanup();
    await Deno.remove(tmp, { recursive: true });
  }
}

async function call(
  c: Ctx,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; text: string; json: Record<string, unknown> | undefined }> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers = { "content-type": "application/json" };
  }
  const res = await c.app.request(path, init);
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (res.status >= 400) c.errors.push(text);
  return { status: res.status, text, json };
}

const A = "/api/2.0/mlflow";

/** Stores an experiment as a version without location validation would have. */
async function storeExperimentUnchecked(stores: Stores, id: string, location: string) {
  const raw = stores.experiments as unknown as { put(e: Experiment): Promise<void> };
  await raw.put({
    experimentId: id,
    name: `stored-${id}`,
    artifactLocation: location,
    lifecycleStage: "active",
    creationTime: 1,
    lastUpdateTime: 1,
    tags: {},
  });
}

function assertNoLeak(c: Ctx, what: string, res: { status: number; text: string }) {
  assert.ok(!res.text.includes("SECRET-OUTSIDE"), `${what}: the secret came back`);
  assert.ok(!/"passwd"|root:x:0/.test(res.text), `${what}: a listing outside the root`);
  assert.ok(!res.text.includes(c.tmp), `${what}: the body names a server path: ${res.text}`);
}

function assertInvalid(what: string, res: { status: number; json?: Record<string, unknown> }) {
  assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.json)}`);
  assert.equal(res.json?.error_code, "INVALID_PARAMETER_VALUE", what);
}

Deno.test("experiments/create refuses locations with a query, a fragment or traversal, and writes nothing", async () => {
  await withServer(async (c) => {
    for (const location of badLocations(c.outside)) {
      const name = `bad ${location}`;
      const res = await call(c, "POST", `${A}/experiments/create`, {
        name,
        artifact_location: location,
      });
      assertInvalid(`create ${JSON.stringify(location)}`, res);
      assertNoLeak(c, location, res);
      const get = await call(
        c,
        "GET",
        `${A}/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
      );
      assert.equal(get.status, 404, `${location} was stored`);
    }
    // What MLflow accepts is still accepted, and stored whole.
    for (const location of [`${c.outside}/ok`, `file://${c.outside}/ok2`, "s3://b/p", "gs://b/p"]) {
      const res = await call(c, "POST", `${A}/experiments/create`, {
        name: `ok ${location}`,
        artifact_location: location,
      });
      assert.equal(res.status, 200, `${location}: ${res.text}`);
      const got = await call(
        c,
        "GET",
        `${A}/experiments/get?experiment_id=${res.json!.experiment_id}`,
      );
      assert.equal(
        (got.json!.experiment as Record<string, unknown>).artifact_location,
        location,
      );
    }
  });
});

Deno.test("a stored bad location (older data) never reads outside: runs, logged models, all four routes", async () => {
  await withServer(async (c) => {
    // s3:// and other remote schemes are left out: the old code would have called the network.
    const locations = badLocations(c.outside).filter((l) => !/^(s3|dbfs|http):/.test(l));
    let id = 9000;
    let reads = 0;
    for (const location of locations) {
      const exp = String(id++);
      await storeExperimentUnchecked(c.stores, exp, location);
      const run = await call(c, "POST", `${A}/runs/create`, { experiment_id: exp });
      assert.equal(run.status, 200, run.text);
      const runId = ((run.json!.run as Record<string, unknown>).info as Record<string, string>)
        .run_id!;
      const model = await call(c, "POST", `${A}/logged-models`, { experiment_id: exp });
      assert.equal(model.status, 200, model.text);
      const modelId = (model.json!.model as { info: { model_id: string } }).info.model_id;
      const requests = [
        `/get-artifact?run_id=${runId}&path=passwd`,
        `/get-artifact?run_id=${runId}&path=sub/passwd`,
        `${A}/artifacts/list?run_id=${runId}`,
        `/ajax-api/2.0/mlflow/artifacts/list?run_id=${runId}&path=sub`,
        `${A}/logged-models/${modelId}/artifacts/directories`,
        `/ajax-api/2.0/mlflow/logged-models/${modelId}/artifacts/directories?artifact_directory_path=sub`,
        `${A}/logged-models/${modelId}/artifacts/files?artifact_file_path=passwd`,
      ];
      for (const path of requests) {
        const res = await call(c, "GET", path);
        reads++;
        assertNoLeak(c, `${location} ${path}`, res);
        assertInvalid(`${location} ${path}`, res);
      }
    }
    console.log(`stored bad locations: ${locations.length}, reads tried: ${reads}, leaks: 0`);
  });
});

Deno.test("model-versions/create: no source is inside a run root the artifact routes refuse", async () => {
  await withServer(async (c) => {
    const locations = badLocations(c.outside).filter((l) => !/^(s3|dbfs|http):/.test(l));
    let id = 9000;
    let tried = 0;
    await call(c, "POST", `${A}/registered-models/create`, { name: "m" });
    for (const location of locations) {
      const exp = String(id++);
      await storeExperimentUnchecked(c.stores, exp, location);
      const run = await call(c, "POST", `${A}/runs/create`, { experiment_id: exp });
      const runId = ((run.json!.run as Record<string, unknown>).info as Record<string, string>)
        .run_id!;
      for (
        const source of [
          `file://${c.outside}/passwd`,
          `${c.outside}/sub`,
          `file://${c.outside}/#`,
          "file:///etc/#",
          "file:///etc/shadow",
          "mlflow-artifacts:/x",
        ]
      ) {
        const res = await call(c, "POST", `${A}/model-versions/create`, {
          name: "m",
          source,
          run_id: runId,
        });
        tried++;
        assertInvalid(`source ${source} with the run of ${location}`, res);
      }
    }
    // A source inside a good run's root with a query or fragment is refused as well.
    const run = await call(c, "POST", `${A}/runs/create`, { experiment_id: "0" });
    const info = (run.json!.run as Record<string, unknown>).info as Record<string, string>;
    for (const suffix of ["#", "?x=1", "%23", "/model#/../.."]) {
      const res = await call(c, "POST", `${A}/model-versions/create`, {
        name: "m",
        source: `${info.artifact_uri}${suffix}`,
        run_id: info.run_id,
      });
      assertInvalid(`source ${info.artifact_uri}${suffix}`, res);
    }
    const ok = await call(c, "POST", `${A}/model-versions/create`, {
      name: "m",
      source: `${info.artifact_uri}/model`,
      run_id: info.run_id,
    });
    assert.equal(ok.status, 200, ok.text);
    console.log(`sources tried against stored bad roots: ${tried}, accepted: 0`);
  });
});

Deno.test("runs whose artifact_uri an older version built after a fragment or query are refused", async () => {
  const tmp = await Deno.realPath(await Deno.makeTempDir({ prefix: "containment-old-" }));
  try {
    const outside = join(tmp, "outside");
    await Deno.mkdir(outside);
    await Deno.writeTextFile(join(outside, "passwd"), SECRET);
    const store = await LocalArtifactStore.open(join(tmp, "dest"));
    const run = "0123456789abcdef0123456789abcdef";
    const locations = badLocations(outside).filter((l) => !/^(s3|dbfs|http):/.test(l));
    // How the old code built a run's root: the run part lands in the fragment or query.
    const runs = Object.fromEntries(
      locations.map((l, i) => [`${run}${i}`, `${l.replace(/\/?$/, "/")}${run}/artifacts`]),
    );
    const app = artifactApp(store, fakeRuns(runs));
    for (const runId of Object.keys(runs)) {
      for (
        const path of [
          `/get-artifact?run_id=${runId}&path=passwd`,
          `${A}/artifacts/list?run_id=${runId}`,
        ]
      ) {
        const res = await app.request(path);
        const text = await res.text();
        assert.ok(!text.includes("SECRET-OUTSIDE") && !text.includes('"passwd"'), `${runs[runId]}`);
        assert.equal(res.status, 400, `${runs[runId]} ${path}: ${text}`);
      }
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("every CVE path pattern on every artifact route: 400, nothing outside touched", async () => {
  await withServer(async (c) => {
    const run = await call(c, "POST", `${A}/runs/create`, { experiment_id: "0" });
    const runId = ((run.json!.run as Record<string, unknown>).info as Record<string, string>)
      .run_id!;
    const model = await call(c, "POST", `${A}/logged-models`, { experiment_id: "0" });
    const modelId = (model.json!.model as { info: { model_id: string } }).info.model_id;
    await call(c, "PUT", `/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/a.txt`, "a");
    const before = await tree(c.tmp);
    let tried = 0;
    for (const bad of BAD_PATHS) {
      const q = encodeURIComponent(bad);
      const queries: [string, string][] = [
        ["GET", `/api/2.0/mlflow-artifacts/artifacts?path=${q}`],
        ["GET", `/ajax-api/2.0/mlflow-artifacts/artifacts?path=${q}`],
        ["GET", `/get-artifact?run_id=${runId}&path=${q}`],
        ["GET", `${A}/artifacts/list?run_id=${runId}&path=${q}`],
        ["GET", `/ajax-api/2.0/mlflow/artifacts/list?run_id=${runId}&path=${q}`],
        ["GET", `${A}/logged-models/${modelId}/artifacts/directories?artifact_directory_path=${q}`],
        ["GET", `${A}/logged-models/${modelId}/artifacts/files?artifact_file_path=${q}`],
        // The path routes, with the pattern as one encoded segment (every pattern reaches them).
        ["GET", `/api/2.0/mlflow-artifacts/artifacts/${q}`],
        ["PUT", `/api/2.0/mlflow-artifacts/artifacts/${q}`],
        ["DELETE", `/api/2.0/mlflow-artifacts/artifacts/${q}`],
        ["POST", `/api/2.0/mlflow-artifacts/mpu/create/${q}`],
        ["POST", `/api/2.0/mlflow-artifacts/mpu/complete/${q}`],
        ["POST", `/api/2.0/mlflow-artifacts/mpu/abort/${q}`],
        ["GET", `/api/2.0/mlflow-artifacts/presigned/${q}`],
      ];
      for (const [method, path] of queries) {
        const body = method === "PUT"
          ? "pwned"
          : method === "POST"
          ? { path: "f.bin", num_parts: 1, upload_id: "u", parts: [] }
          : undefined;
        const res = await call(c, method, path, body);
        tried++;
        assertNoLeak(c, `${method} ${path}`, res);
        // A pattern that decodes to a plain relative path is no traversal (e.g. a%2fb).
        assert.ok(
          res.status === 400 || res.status === 404,
          `${method} ${path} answered ${res.status}: ${res.text}`,
        );
        if (res.status === 400) assert.equal(res.json?.error_code, "INVALID_PARAMETER_VALUE");
      }
    }
    assert.deepEqual(await tree(c.tmp), before, "something changed on disk");
    assert.equal(await Deno.readTextFile(join(c.outside, "passwd")), SECRET);
    console.log(`path patterns: ${BAD_PATHS.length}, requests: ${tried}, reads/writes outside: 0`);
  });
});

Deno.test("an artifact path segment over 255 bytes is a 400, and no error names a server path", async () => {
  await withServer(async (c) => {
    const run = await call(c, "POST", `${A}/runs/create`, { experiment_id: "0" });
    const runId = ((run.json!.run as Record<string, unknown>).info as Record<string, string>)
      .run_id!;
    const model = await call(c, "POST", `${A}/logged-models`, { experiment_id: "0" });
    const modelId = (model.json!.model as { info: { model_id: string } }).info.model_id;
    const long = [
      "a".repeat(256),
      "é".repeat(128), // 256 bytes in UTF-8
      "%c0%ae".repeat(100), // overlong UTF-8: each pair decodes to two U+FFFD (6 bytes)
      `0/${"b".repeat(300)}/x`,
    ];
    for (const seg of long) {
      const q = encodeURIComponent(seg);
      for (
        const [method, path] of [
          ["PUT", `/api/2.0/mlflow-artifacts/artifacts/${seg}`],
          ["GET", `/api/2.0/mlflow-artifacts/artifacts/${seg}`],
          ["DELETE", `/api/2.0/mlflow-artifacts/artifacts/${seg}`],
          ["GET", `/api/2.0/mlflow-artifacts/artifacts?path=${q}`],
          ["GET", `/get-artifact?run_id=${runId}&path=${q}`],
          ["GET", `${A}/artifacts/list?run_id=${runId}&path=${q}`],
          ["GET", `${A}/logged-models/${modelId}/artifacts/files?artifact_file_path=${q}`],
          [
            "GET",
            `${A}/logged-models/${modelId}/artifacts/directories?artifact_directory_path=${q}`,
          ],
        ] as const
      ) {
        const res = await call(c, method, path, method === "PUT" ? "x" : undefined);
        assert.equal(res.status, 400, `${method} ${path.slice(0, 80)}: ${res.text}`);
        assert.deepEqual(res.json, {
          error_code: "INVALID_PARAMETER_VALUE",
          message: "Invalid path",
        });
      }
    }
    // Segments that fit but a whole path the filesystem cannot hold: 400, not a 500 naming it.
    const deep = Array.from({ length: 20 }, () => "d".repeat(250)).join("/");
    const res = await call(c, "PUT", `/api/2.0/mlflow-artifacts/artifacts/${deep}`, "x");
    assert.equal(res.status, 400, res.text);
    for (const body of c.errors) {
      assert.ok(!body.includes(c.tmp), `an error names the server path: ${body.slice(0, 200)}`);
    }
  });
});
