import assert from "node:assert/strict";
import { join } from "node:path";
import { Hono } from "hono";
import { zipSync } from "fflate";
import { createApp } from "../app.ts";
import { createStores } from "../store/stores.ts";
import { createEngine } from "../engine/mod.ts";
import { ensureTable } from "../dynamo/table.ts";
import { mountUi, type UiState } from "./static_routes.ts";
import { cachedBuildDir, findUiBuild } from "./ui_build.ts";
import { extractBuild, writeBuild } from "./wheel.ts";
import { startUi } from "./start_ui.ts";

const INDEX = '<html><script src="static-files/static/js/main.1234.js"></script></html>';

function fakeBuild(): string {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(join(dir, "index.html"), INDEX);
  Deno.mkdirSync(join(dir, "static", "js"), { recursive: true });
  Deno.mkdirSync(join(dir, "static", "media"), { recursive: true });
  Deno.writeTextFileSync(join(dir, "static", "js", "main.1234.js"), "console.log(1)");
  Deno.writeTextFileSync(join(dir, "static", "media", "pdf.worker.min.abcd.mjs"), "export {}");
  return dir;
}

function uiApp(state: UiState, prefix = ""): Hono {
  const root = new Hono();
  mountUi(root, prefix, state);
  root.notFound((c) => c.text("Not Found", 404));
  return root;
}

Deno.test("GET / serves index.html, revalidated on every load", async () => {
  const dir = fakeBuild();
  const res = await uiApp({ dir, missingMessage: "" }).request("/");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(res.headers.get("cache-control"), "no-cache");
  assert.equal(await res.text(), INDEX);
});

Deno.test("static files: long-lived caching, JavaScript MIME type for .js and .mjs", async () => {
  const app = uiApp({ dir: fakeBuild(), missingMessage: "" });
  for (const path of ["static/js/main.1234.js", "static/media/pdf.worker.min.abcd.mjs"]) {
    const res = await app.request(`/static-files/${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get("content-type"), "text/javascript; charset=utf-8", path);
    assert.equal(res.headers.get("cache-control"), "public, max-age=2419200");
    await res.body?.cancel();
  }
  const first = await app.request("/static-files/static/js/main.1234.js");
  const etag = first.headers.get("etag")!;
  await first.body?.cancel();
  const again = await app.request("/static-files/static/js/main.1234.js", {
    headers: { "if-none-match": etag },
  });
  assert.equal(again.status, 304);
});

Deno.test("static files: paths leaving the build and missing files answer 404", async () => {
  const dir = fakeBuild();
  Deno.writeTextFileSync(join(dir, "..", "secret.txt"), "secret");
  const app = uiApp({ dir, missingMessage: "" });
  for (
    const path of ["../secret.txt", "..%2fsecret.txt", "static/../../secret.txt", "nope.js", ""]
  ) {
    const res = await app.request(`/static-files/${path}`);
    assert.equal(res.status, 404, path);
    assert.doesNotMatch(await res.text(), /secret/);
  }
});

Deno.test("--static-prefix: <prefix> redirects to <prefix>/, files under <prefix>/static-files", async () => {
  const app = uiApp({ dir: fakeBuild(), missingMessage: "" }, "/mlflow");
  const redirect = await app.request("/mlflow");
  assert.equal(redirect.status, 308);
  assert.equal(redirect.headers.get("location"), "/mlflow/");
  assert.equal(await (await app.request("/mlflow/")).text(), INDEX);
  const js = await app.request("/mlflow/static-files/static/js/main.1234.js");
  assert.equal(js.status, 200);
  await js.body?.cancel();
  assert.equal((await app.request("/")).status, 404);
  assert.equal((await app.request("/static-files/static/js/main.1234.js")).status, 404);
});

Deno.test("without a build, / explains how to get the UI and the API still serves", async () => {
  const { state } = await startUi(
    { uiDir: undefined, uiDownload: false },
    { MLFLOW_UI_CACHE_DIR: Deno.makeTempDirSync(), HOME: Deno.makeTempDirSync() },
    () => {},
  );
  const engine = createEngine();
  await ensureTable(engine, "ui-test");
  const stores = await createStores({ port: engine, table: "ui-test" }, "mlflow-artifacts:/");
  const app = createApp({ stores, ui: state });
  const res = await app.request("/");
  assert.equal(res.status, 200);
  assert.match(await res.text(), /deno@2\.9\.6 task ui/);
  const api = await app.request("/api/2.0/mlflow/experiments/get?experiment_id=0");
  assert.equal(api.status, 200);
});

function fakeWheel(extra: Record<string, Uint8Array> = {}): Uint8Array {
  const enc = new TextEncoder();
  return zipSync({
    "mlflow/__init__.py": enc.encode(""),
    "mlflow/server/js/build/index.html": enc.encode(INDEX),
    "mlflow/server/js/build/static/js/main.1234.js": enc.encode("x"),
    ...extra,
  });
}

Deno.test("extractBuild keeps only mlflow/server/js/build and refuses unsafe entries", () => {
  const files = extractBuild(fakeWheel());
  assert.deepEqual([...files.keys()].sort(), ["index.html", "static/js/main.1234.js"]);
  assert.throws(
    () => extractBuild(fakeWheel({ "mlflow/server/js/build/../../evil": new Uint8Array(1) })),
    /unsafe path/,
  );
  assert.throws(() => extractBuild(zipSync({ "mlflow/x.py": new Uint8Array(1) })), /index\.html/);
});

Deno.test("the cache written from a wheel is found first after --ui-dir", async () => {
  const cache = Deno.makeTempDirSync();
  const env = { HOME: Deno.makeTempDirSync() };
  assert.equal((await findUiBuild({ cacheDir: cache, env })).build, undefined);
  const dir = await writeBuild(cache, extractBuild(fakeWheel()));
  assert.equal(dir, cachedBuildDir(cache));
  assert.deepEqual((await findUiBuild({ cacheDir: cache, env })).build, {
    dir,
    source: "cache",
  });
  const explicit = fakeBuild();
  assert.deepEqual((await findUiBuild({ uiDir: explicit, cacheDir: cache, env })).build, {
    dir: explicit,
    source: "ui-dir",
  });
  const wrong = await findUiBuild({ uiDir: Deno.makeTempDirSync(), cacheDir: cache, env });
  assert.equal(wrong.build, undefined);
  assert.match(wrong.problem!, /holds no MLflow UI build/);
});

Deno.test("an installed mlflow (a venv's site-packages) is used when there is no cache", async () => {
  const venv = Deno.makeTempDirSync();
  const build = join(venv, "lib", "python3.11", "site-packages", "mlflow", "server", "js", "build");
  Deno.mkdirSync(build, { recursive: true });
  Deno.writeTextFileSync(join(build, "index.html"), INDEX);
  const found = await findUiBuild({
    cacheDir: Deno.makeTempDirSync(),
    env: { VIRTUAL_ENV: venv },
  });
  assert.equal(found.build?.source, "installation");
  assert.equal(found.build?.dir, build);
});

Deno.test("start-up fills a missing cache in the background and then serves the UI", async () => {
  const cache = Deno.makeTempDirSync();
  const lines: string[] = [];
  const ui = await startUi(
    { uiDownload: true },
    { MLFLOW_UI_CACHE_DIR: cache },
    (l) => lines.push(l),
    (dir) => writeBuild(dir, extractBuild(fakeWheel())),
  );
  const app = uiApp(ui.state);
  await ui.download;
  assert.equal(await (await app.request("/")).text(), INDEX);
  assert.ok(lines.some((l) => /fetching mlflow 3\.17\.2's UI/.test(l)), lines.join("\n"));
  assert.ok(lines.some((l) => l.startsWith("UI: ready")), lines.join("\n"));
});
