/**
 * The proxy routes over an S3 destination (moto), including MLflow's multipart-upload protocol.
 * Runs when `MLFLOW_TEST_S3_ENDPOINT` is set (the test runner's S3 tier), ignored otherwise.
 */
import assert from "node:assert/strict";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { S3ArtifactStore } from "../../artifacts/s3_store.ts";
import { artifactApp, fakeRuns } from "./test_support.ts";

const ENDPOINT = Deno.env.get("MLFLOW_TEST_S3_ENDPOINT");
const RUN = "0123456789abcdef0123456789abcdef";
const BASE = "/api/2.0/mlflow-artifacts";
const JSON_HEADERS = { "content-type": "application/json" };

Deno.test({
  name: "s3 routes: upload, list, download, delete and multipart through the proxy",
  ignore: !ENDPOINT,
  async fn() {
    const bucket = `mlflow-routes-${crypto.randomUUID().slice(0, 12)}`;
    const store = await S3ArtifactStore.open(`s3://${bucket}/mlartifacts`, {
      env: { MLFLOW_S3_ENDPOINT_URL: ENDPOINT },
      clientConfig: {
        region: "us-east-1",
        credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
      },
    });
    try {
      await store.client.send(new CreateBucketCommand({ Bucket: bucket }));
      const app = artifactApp(store, fakeRuns({ [RUN]: `mlflow-artifacts:/2/${RUN}/artifacts` }));
      const dir = `2/${RUN}/artifacts`;

      let res = await app.request(`${BASE}/artifacts/${dir}/model/MLmodel`, {
        method: "PUT",
        body: "flavors: {}",
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {});
      res = await app.request(`${BASE}/artifacts?path=${dir}`);
      assert.deepEqual(await res.json(), { files: [{ path: "model", is_dir: true }] });
      res = await app.request(`/api/2.0/mlflow/artifacts/list?run_id=${RUN}&path=model`);
      assert.deepEqual(await res.json(), {
        root_uri: `mlflow-artifacts:/2/${RUN}/artifacts`,
        files: [{ path: "model/MLmodel", is_dir: false, file_size: 11 }],
      });
      res = await app.request(`${BASE}/artifacts/${dir}/model/MLmodel`);
      assert.equal(res.headers.get("content-disposition"), "attachment; filename=MLmodel");
      assert.equal(res.headers.get("content-length"), "11");
      assert.equal(await res.text(), "flavors: {}");
      res = await app.request(`${BASE}/artifacts/${dir}/model/missing`);
      assert.equal(res.status, 404);
      await res.body?.cancel();

      // MLflow's multipart protocol: create → PUT parts to presigned URLs → complete.
      res = await app.request(`${BASE}/mpu/create/${dir}/data`, {
        method: "POST",
        headers: JSON_HEADERS,
        body: JSON.stringify({ path: "/home/me/weights.bin", num_parts: 2 }),
      });
      assert.equal(res.status, 200);
      const created = await res.json();
      assert.equal(typeof created.upload_id, "string");
      assert.deepEqual(created.credentials.map((c: { part_number: number }) => c.part_number), [
        1,
        2,
      ]);
      const parts = [];
      for (const [i, cred] of created.credentials.entries()) {
        const data = new Uint8Array(i === 0 ? 5 * 1024 * 1024 : 10).fill(i + 1);
        const put = await fetch(cred.url, { method: "PUT", body: data });
        assert.equal(put.status, 200);
        await put.body?.cancel();
        parts.push({ part_number: cred.part_number, etag: put.headers.get("etag"), url: cred.url });
      }
      res = await app.request(`${BASE}/mpu/complete/${dir}/data`, {
        method: "POST",
        headers: JSON_HEADERS,
        body: JSON.stringify({ path: "/home/me/weights.bin", upload_id: created.upload_id, parts }),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {});
      res = await app.request(`${BASE}/artifacts?path=${dir}/data`);
      assert.deepEqual(await res.json(), {
        files: [{ path: "weights.bin", is_dir: false, file_size: 5 * 1024 * 1024 + 10 }],
      });

      res = await app.request(`${BASE}/mpu/create/${dir}`, {
        method: "POST",
        headers: JSON_HEADERS,
        body: JSON.stringify({ path: "C:\\Users\\me\\other.bin", num_parts: 1 }),
      });
      const other = await res.json();
      res = await app.request(`${BASE}/mpu/abort/${dir}`, {
        method: "POST",
        headers: JSON_HEADERS,
        body: JSON.stringify({ path: "C:\\Users\\me\\other.bin", upload_id: other.upload_id }),
      });
      assert.equal(res.status, 200);
      await res.body?.cancel();

      res = await app.request(`${BASE}/artifacts/${dir}`, { method: "DELETE" });
      assert.equal(res.status, 200);
      await res.body?.cancel();
      res = await app.request(`${BASE}/artifacts?path=${dir}`);
      assert.deepEqual(await res.json(), {});
    } finally {
      await store.close();
    }
  },
});
