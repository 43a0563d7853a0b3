import assert from "node:assert/strict";
import { join } from "node:path";
import { BAD_PATHS } from "../../artifacts/testdata.ts";
import { artifactApp, tree, withLocalStore } from "./test_support.ts";

const BASE = "/api/2.0/mlflow-artifacts/artifacts";

Deno.test("proxy: upload, list, download, delete round trip (api and ajax-api)", async () => {
  await withLocalStore(async (store, tmp) => {
    const app = artifactApp(store);
    for (const prefix of ["/api/2.0", "/ajax-api/2.0"]) {
      const base = `${prefix}/mlflow-artifacts/artifacts`;
      let res = await app.request(`${base}/1/run/artifacts/dir/model.json`, {
        method: "PUT",
        body: '{"a": 1}',
        headers: { "content-type": "application/json" },
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {});
      res = await app.request(`${base}/1/run/artifacts/top.bin`, {
        method: "PUT",
        body: new Uint8Array([1, 2, 3]),
      });
      assert.equal(res.status, 200);
      await res.body?.cancel();

      res = await app.request(`${base}?path=1/run/artifacts`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/json");
      assert.deepEqual(await res.json(), {
        files: [
          { path: "dir", is_dir: true },
          { path: "top.bin", is_dir: false, file_size: 3 },
        ],
      });
      res = await app.request(`${base}?path=1/run/artifacts/dir`);
      assert.deepEqual(await res.json(), {
        files: [{ path: "model.json", is_dir: false, file_size: 8 }],
      });

      res = await app.request(`${base}/1/run/artifacts/dir/model.json`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-disposition"), "attachment; filename=model.json");
      assert.equal(res.headers.get("content-type"), "text/plain");
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.equal(res.headers.get("content-length"), "8");
      assert.equal(await res.text(), '{"a": 1}');

      res = await app.request(`${base}/1/run/artifacts/top.bin`);
      assert.equal(res.headers.get("content-type"), "application/octet-stream");
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), new Uint8Array([1, 2, 3]));

      res = await app.request(`${base}/1/run/artifacts/dir`, { method: "DELETE" });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {});
      res = await app.request(`${base}/1/run/artifacts/top.bin`, { method: "DELETE" });
      assert.deepEqual(await res.json(), {});
      res = await app.request(`${base}?path=1/run/artifacts`);
      assert.deepEqual(await res.json(), {});
    }
    assert.deepEqual(await tree(join(tmp, "root", "1")), ["run", "run/artifacts"]);
  });
});

Deno.test("proxy: listing the root, a missing directory and a file", async () => {
  await withLocalStore(async (store) => {
    const app = artifactApp(store);
    let res = await app.request(BASE);
    assert.deepEqual(await res.json(), {});
    await (await app.request(`${BASE}/0/r/artifacts/f.txt`, { method: "PUT", body: "x" })).body
      ?.cancel();
    res = await app.request(BASE);
    assert.deepEqual(await res.json(), { files: [{ path: "0", is_dir: true }] });
    res = await app.request(`${BASE}?path=`);
    assert.deepEqual(await res.json(), { files: [{ path: "0", is_dir: true }] });
    res = await app.request(`${BASE}?path=0/missing`);
    assert.deepEqual(await res.json(), {});
    res = await app.request(`${BASE}?path=0/r/artifacts/f.txt`);
    assert.deepEqual(await res.json(), {});
  });
});

Deno.test("proxy: encoded names, empty bodies, missing files and directories", async () => {
  await withLocalStore(async (store, tmp) => {
    const app = artifactApp(store);
    let res = await app.request(`${BASE}/x/a%20b%C3%A9.csv`, { method: "PUT", body: "1,2" });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    assert.equal(await Deno.readTextFile(join(tmp, "root", "x", "a bé.csv")), "1,2");
    res = await app.request(`${BASE}/x/a%20b%C3%A9.csv`);
    assert.equal(
      res.headers.get("content-disposition"),
      `attachment; filename="a b_.csv"; filename*=UTF-8''a%20b%C3%A9.csv`,
    );
    assert.equal(res.headers.get("content-type"), "text/plain");
    assert.equal(await res.text(), "1,2");

    res = await app.request(`${BASE}/x/empty.png`, { method: "PUT" });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    res = await app.request(`${BASE}/x/empty.png`);
    assert.equal(res.headers.get("content-type"), "image/png");
    assert.equal(await res.text(), "");

    res = await app.request(`${BASE}/x/missing.txt`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), {
      error_code: "RESOURCE_DOES_NOT_EXIST",
      message: "No such artifact: 'x/missing.txt'",
    });
    res = await app.request(`${BASE}/x`);
    assert.equal(res.status, 400);
    assert.equal((await res.json()).error_code, "INVALID_PARAMETER_VALUE");
    res = await app.request(`${BASE}/x/gone`, { method: "DELETE" });
    assert.equal(res.status, 200);
    await res.body?.cancel();

    for (const method of ["GET", "PUT", "DELETE"]) {
      res = await app.request(`${BASE}/`, { method });
      assert.equal(res.status, 404, method);
      assert.equal(await res.text(), "Not Found");
    }
  });
});

/** Bad paths that survive URL parsing in `app.request` (literal and %2e dot segments do not). */
function survivesUrlParsing(p: string): boolean {
  const url = new URL(`http://h${BASE}/${p}`);
  return url.pathname === `${BASE}/${p}`.replaceAll("\\", "/") && !/[#?\n\0]/.test(p) &&
    !p.includes("\\");
}

Deno.test("proxy: traversal attempts answer 400 Invalid path and write nothing", async () => {
  await withLocalStore(async (store, tmp) => {
    await Deno.mkdir(join(tmp, "outside"));
    const app = artifactApp(store);
    const before = await tree(tmp);
    let checked = 0;
    for (const bad of BAD_PATHS) {
      const encoded = encodeURIComponent(bad);
      // As a query parameter (list), every pattern reaches the validation.
      let res = await app.request(`${BASE}?path=${encoded}`);
      assert.equal(res.status, 400, `list ${bad}`);
      assert.deepEqual(await res.json(), {
        error_code: "INVALID_PARAMETER_VALUE",
        message: "Invalid path",
      });
      if (!survivesUrlParsing(bad)) continue;
      for (const method of ["PUT", "GET", "DELETE"]) {
        res = await app.request(`${BASE}/${bad}`, {
          method,
          ...(method === "PUT" ? { body: "pwned" } : {}),
        });
        assert.equal(res.status, 400, `${method} ${bad}`);
        assert.deepEqual(await res.json(), {
          error_code: "INVALID_PARAMETER_VALUE",
          message: "Invalid path",
        });
        checked++;
      }
    }
    // Path forms that URL parsing would change are covered over a real socket in serve_test.ts.
    assert.ok(checked >= 30, `only ${checked} path checks ran`);
    for (const dir of ["/mpu/create", "/mpu/complete", "/mpu/abort"]) {
      const res = await app.request(`/api/2.0/mlflow-artifacts${dir}/%252e%252e/x`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ path: "f.bin", num_parts: 1, upload_id: "u", parts: [] }),
      });
      assert.equal(res.status, 400, dir);
      await res.body?.cancel();
    }
    assert.deepEqual(await tree(tmp), before, "nothing was created anywhere");
  });
});

Deno.test("proxy: multipart upload answers 501 on a local store so the client falls back", async () => {
  await withLocalStore(async (store) => {
    const app = artifactApp(store);
    for (const op of ["create", "complete", "abort"]) {
      const res = await app.request(`/api/2.0/mlflow-artifacts/mpu/${op}/1/r/artifacts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ path: "/tmp/big.bin", num_parts: 3, upload_id: "u", parts: [] }),
      });
      assert.equal(res.status, 501, op);
      assert.deepEqual(await res.json(), {
        error_code: "NOT_IMPLEMENTED",
        message: "Multipart upload is not supported for the current artifact repository",
      });
    }
    const res = await app.request("/api/2.0/mlflow-artifacts/presigned/1/r/artifacts/big.bin");
    assert.equal(res.status, 501);
    assert.match((await res.json()).message, /^Multipart download is not supported/);
    const missing = await app.request("/api/2.0/mlflow-artifacts/mpu/create/1/r/artifacts", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(missing.status, 400);
    assert.match((await missing.json()).message, /Missing value for required parameter 'path'/);
  });
});

Deno.test("proxy: --no-serve-artifacts answers 503 text on every route", async () => {
  const app = artifactApp(undefined);
  const cases: [string, string, string][] = [
    ["GET", `${BASE}?path=x`, "/api/2.0/mlflow-artifacts/artifacts"],
    ["GET", `${BASE}/x/y`, "/api/2.0/mlflow-artifacts/artifacts/<path:artifact_path>"],
    ["PUT", `${BASE}/x/y`, "/api/2.0/mlflow-artifacts/artifacts/<path:artifact_path>"],
    [
      "DELETE",
      `/ajax-api/2.0/mlflow-artifacts/artifacts/x`,
      "/ajax-api/2.0/mlflow-artifacts/artifacts/<path:artifact_path>",
    ],
    [
      "POST",
      "/api/2.0/mlflow-artifacts/mpu/create/x",
      "/api/2.0/mlflow-artifacts/mpu/create/<path:artifact_path>",
    ],
  ];
  for (const [method, url, rule] of cases) {
    const res = await app.request(url, { method, ...(method === "PUT" ? { body: "x" } : {}) });
    assert.equal(res.status, 503, `${method} ${url}`);
    assert.equal(
      await res.text(),
      `Endpoint: ${rule} disabled due to the mlflow server running with \`--no-serve-artifacts\`. To enable artifacts server functionality, run \`mlflow server\` with \`--serve-artifacts\``,
    );
  }
});
