import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { artifactApp, fakeRuns, withLocalStore } from "./test_support.ts";

const RUN = "0123456789abcdef0123456789abcdef";

async function put(app: ReturnType<typeof artifactApp>, path: string, body: string) {
  const res = await app.request(`/api/2.0/mlflow-artifacts/artifacts/${path}`, {
    method: "PUT",
    body,
  });
  assert.equal(res.status, 200, path);
  await res.body?.cancel();
}

Deno.test("run artifacts: list gives run-relative paths and root_uri (proxied root)", async () => {
  await withLocalStore(async (store) => {
    const uri = `mlflow-artifacts:/1/${RUN}/artifacts`;
    const app = artifactApp(store, fakeRuns({ [RUN]: uri }));
    await put(app, `1/${RUN}/artifacts/model/MLmodel`, "flavors: {}");
    await put(app, `1/${RUN}/artifacts/model/data/w.bin`, "0123");
    await put(app, `1/${RUN}/artifacts/notes.txt`, "hi");

    for (const prefix of ["/api/2.0/mlflow", "/ajax-api/2.0/mlflow"]) {
      let res = await app.request(`${prefix}/artifacts/list?run_id=${RUN}`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {
        root_uri: uri,
        files: [
          { path: "model", is_dir: true },
          { path: "notes.txt", is_dir: false, file_size: 2 },
        ],
      });
      res = await app.request(`${prefix}/artifacts/list?run_uuid=${RUN}&path=model&page_token=x`);
      assert.deepEqual(await res.json(), {
        root_uri: uri,
        files: [
          { path: "model/MLmodel", is_dir: false, file_size: 11 },
          { path: "model/data", is_dir: true },
        ],
      });
      res = await app.request(`${prefix}/artifacts/list?run_id=${RUN}&path=nothing`);
      assert.deepEqual(await res.json(), { root_uri: uri });
    }

    let res = await app.request(`/get-artifact?run_id=${RUN}&path=model/MLmodel`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-disposition"), "attachment; filename=MLmodel");
    assert.equal(res.headers.get("content-type"), "text/plain");
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(await res.text(), "flavors: {}");
    res = await app.request(`/get-artifact?run_uuid=${RUN}&path=model/data/w.bin`);
    assert.equal(await res.text(), "0123");
  });
});

Deno.test("run artifacts: errors (missing params, unknown run, traversal, missing file)", async () => {
  await withLocalStore(async (store) => {
    const app = artifactApp(store, fakeRuns({ [RUN]: `mlflow-artifacts:/1/${RUN}/artifacts` }));
    let res = await app.request("/api/2.0/mlflow/artifacts/list");
    assert.equal(res.status, 400);
    assert.match((await res.json()).message, /Missing value for required parameter 'run_id'/);
    res = await app.request(
      "/api/2.0/mlflow/artifacts/list?run_id=ffffffffffffffffffffffffffffffff",
    );
    assert.equal(res.status, 404);
    assert.equal((await res.json()).error_code, "RESOURCE_DOES_NOT_EXIST");
    for (const bad of ["../x", "%2e%2e/x", "/etc", "a/%252e%252e/b"]) {
      res = await app.request(
        `/api/2.0/mlflow/artifacts/list?run_id=${RUN}&path=${encodeURIComponent(bad)}`,
      );
      assert.equal(res.status, 400, bad);
      assert.deepEqual(await res.json(), {
        error_code: "INVALID_PARAMETER_VALUE",
        message: "Invalid path",
      });
      res = await app.request(`/get-artifact?run_id=${RUN}&path=${encodeURIComponent(bad)}`);
      assert.equal(res.status, 400, bad);
      assert.deepEqual(await res.json(), {
        error_code: "INVALID_PARAMETER_VALUE",
        message: "Invalid path",
      });
    }
    res = await app.request(`/get-artifact?run_id=${RUN}`);
    assert.equal(res.status, 400);
    assert.match((await res.json()).message, /'path'/);
    res = await app.request(`/get-artifact?run_id=${RUN}&path=nope.txt`);
    assert.equal(res.status, 404);
    await res.body?.cancel();
  });
});

Deno.test("run artifacts: a run whose root is a plain directory is read in place", async () => {
  await withLocalStore(async (store, tmp) => {
    const runDir = join(tmp, "elsewhere", "5", RUN, "artifacts");
    await Deno.mkdir(join(runDir, "d"), { recursive: true });
    await Deno.writeTextFile(join(runDir, "d", "f.txt"), "direct");
    for (const uri of [runDir, pathToFileURL(runDir).href]) {
      const app = artifactApp(store, fakeRuns({ [RUN]: uri }));
      let res = await app.request(`/api/2.0/mlflow/artifacts/list?run_id=${RUN}&path=d`);
      assert.deepEqual(await res.json(), {
        root_uri: uri,
        files: [{ path: "d/f.txt", is_dir: false, file_size: 6 }],
      });
      res = await app.request(`/get-artifact?run_id=${RUN}&path=d/f.txt`);
      assert.equal(await res.text(), "direct");
    }
  });
});

Deno.test("run artifacts: proxied roots need --serve-artifacts", async () => {
  const app = artifactApp(undefined, fakeRuns({ [RUN]: `mlflow-artifacts:/1/${RUN}/artifacts` }));
  const res = await app.request(`/api/2.0/mlflow/artifacts/list?run_id=${RUN}`);
  assert.equal(res.status, 400);
  assert.match((await res.json()).message, /--no-serve-artifacts/);
});
