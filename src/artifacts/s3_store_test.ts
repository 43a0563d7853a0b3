/**
 * S3 store against a real S3-compatible server. Runs when `MLFLOW_TEST_S3_ENDPOINT` is set
 * (the test runner's S3 tier starts moto and sets it; see tests/support/s3_server.ts), and is
 * ignored otherwise.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { CreateBucketCommand, ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { MlflowError } from "../errors.ts";
import { parseS3Uri, S3ArtifactStore, s3ClientConfig } from "./s3_store.ts";

const ENDPOINT = Deno.env.get("MLFLOW_TEST_S3_ENDPOINT");
const CLIENT = {
  region: "us-east-1",
  credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
};
const enc = new TextEncoder();

function s3Test(name: string, fn: (store: S3ArtifactStore) => Promise<void>, prefix = "pre/fix") {
  Deno.test({
    name: `s3 store: ${name}`,
    ignore: !ENDPOINT,
    async fn() {
      const bucket = `mlflow-test-${crypto.randomUUID().slice(0, 12)}`;
      const store = await S3ArtifactStore.open(`s3://${bucket}/${prefix}`, {
        env: { MLFLOW_S3_ENDPOINT_URL: ENDPOINT },
        clientConfig: CLIENT,
        partSize: 5 * 1024 * 1024,
      });
      try {
        await store.client.send(new CreateBucketCommand({ Bucket: bucket }));
        await fn(store);
      } finally {
        await store.close();
      }
    },
  });
}

function streamOf(...chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  return ReadableStream.from(chunks.map((c) => (typeof c === "string" ? enc.encode(c) : c)));
}

async function bytes(store: S3ArtifactStore, path: string): Promise<Uint8Array> {
  const { body } = await store.get(path);
  return new Uint8Array(await new Response(body).arrayBuffer());
}

function isMlflow(code: string) {
  return (e: unknown) => e instanceof MlflowError && e.code === code;
}

Deno.test("s3 store: URI parsing and client configuration", () => {
  assert.deepEqual(parseS3Uri("s3://b"), { bucket: "b", prefix: "" });
  assert.deepEqual(parseS3Uri("s3://b/"), { bucket: "b", prefix: "" });
  assert.deepEqual(parseS3Uri("s3://b/x//y/"), { bucket: "b", prefix: "x/y" });
  assert.throws(() => parseS3Uri("gs://b/x"));
  const c = s3ClientConfig({
    MLFLOW_S3_ENDPOINT_URL: "http://127.0.0.1:9000",
    AWS_REGION: "eu-west-1",
  });
  assert.equal(c.endpoint, "http://127.0.0.1:9000");
  assert.equal(c.forcePathStyle, true);
  assert.equal(c.region, "eu-west-1");
  assert.equal(s3ClientConfig({ AWS_ENDPOINT_URL_S3: "http://x" }).endpoint, "http://x");
  assert.equal(
    s3ClientConfig({
      AWS_ENDPOINT_URL_S3: "http://x",
      MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE: "virtual",
    })
      .forcePathStyle,
    false,
  );
  assert.equal(s3ClientConfig({}).endpoint, undefined);
});

s3Test("put, get, list, delete", async (store) => {
  await store.put("1/run/artifacts/a.txt", streamOf("hello ", "world"), {
    contentType: "text/plain",
  });
  await store.put("1/run/artifacts/dir/b.bin", streamOf(new Uint8Array([1, 2])));
  await store.put("1/run/artifacts/dir/sub/c", null);
  await store.put("1/run/artifacts/a.txt.bak", streamOf("sibling"));

  assert.equal(
    new TextDecoder().decode(await bytes(store, "1/run/artifacts/a.txt")),
    "hello world",
  );
  const opened = await store.get("1/run/artifacts/a.txt");
  assert.equal(opened.size, 11);
  await opened.body.cancel();
  assert.equal((await bytes(store, "1/run/artifacts/dir/sub/c")).length, 0);

  assert.deepEqual(await store.list("1/run/artifacts"), [
    { name: "a.txt", isDir: false, fileSize: 11 },
    { name: "a.txt.bak", isDir: false, fileSize: 7 },
    { name: "dir", isDir: true },
  ]);
  assert.deepEqual(await store.list(""), [{ name: "1", isDir: true }]);
  assert.deepEqual(await store.list("1/run/artifacts/a.txt"), []);
  assert.deepEqual(await store.list("missing"), []);

  // Deleting a file leaves a sibling sharing its name prefix alone.
  await store.delete("1/run/artifacts/a.txt");
  assert.deepEqual((await store.list("1/run/artifacts")).map((e) => e.name), ["a.txt.bak", "dir"]);
  await store.delete("1/run/artifacts/dir");
  assert.deepEqual((await store.list("1/run/artifacts")).map((e) => e.name), ["a.txt.bak"]);
  await store.delete("1/run/artifacts/nothing-here");
  await assert.rejects(store.get("1/run/artifacts/a.txt"), isMlflow("RESOURCE_DOES_NOT_EXIST"));
  await assert.rejects(store.get("1/run"), isMlflow("RESOURCE_DOES_NOT_EXIST"));
});

s3Test("a multi-part streamed upload round-trips (lib-storage)", async (store) => {
  const size = 12 * 1024 * 1024 + 123; // three parts of 5 MiB
  const up = createHash("sha256");
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent >= size) return c.close();
      const chunk = new Uint8Array(Math.min(1024 * 1024, size - sent)).fill(sent % 251);
      up.update(chunk);
      sent += chunk.length;
      c.enqueue(chunk);
    },
  });
  await store.put("big/blob.bin", body);
  const { body: down, size: got } = await store.get("big/blob.bin");
  assert.equal(got, size);
  const h = createHash("sha256");
  for await (const chunk of down) h.update(chunk);
  assert.equal(h.digest("hex"), up.digest("hex"));
  assert.deepEqual(await store.list("big"), [{ name: "blob.bin", isDir: false, fileSize: size }]);
});

s3Test("multipart upload through presigned part URLs", async (store) => {
  const part1 = new Uint8Array(5 * 1024 * 1024).fill(1);
  const part2 = new Uint8Array(1000).fill(2);
  const { uploadId, credentials } = await store.multipart.create("mpu/file.bin", 2);
  assert.equal(credentials.length, 2);
  assert.deepEqual(credentials.map((c) => c.partNumber), [1, 2]);
  const parts = [];
  for (const [i, data] of [part1, part2].entries()) {
    const cred = credentials[i]!;
    const res = await fetch(cred.url, { method: "PUT", body: data, headers: cred.headers });
    assert.equal(res.status, 200, await res.clone().text());
    await res.body?.cancel();
    parts.push({ partNumber: cred.partNumber, etag: res.headers.get("etag") ?? "" });
  }
  await store.multipart.complete("mpu/file.bin", uploadId, parts);
  const got = await bytes(store, "mpu/file.bin");
  assert.equal(got.length, part1.length + part2.length);
  assert.equal(got[0], 1);
  assert.equal(got[got.length - 1], 2);

  const aborted = await store.multipart.create("mpu/other.bin", 1);
  await store.multipart.abort("mpu/other.bin", aborted.uploadId);
  const open = await store.client.send(new ListMultipartUploadsCommand({ Bucket: store.bucket }));
  assert.deepEqual((open.Uploads ?? []).map((u) => u.Key), []);
  await assert.rejects(store.get("mpu/other.bin"), isMlflow("RESOURCE_DOES_NOT_EXIST"));
  await assert.rejects(
    store.multipart.create("mpu/x", 10_001),
    isMlflow("INVALID_PARAMETER_VALUE"),
  );
});

s3Test("a store at the bucket root", async (store) => {
  await store.put("x/y.txt", streamOf("root"));
  assert.deepEqual(await store.list(""), [{ name: "x", isDir: true }]);
  assert.equal(store.location, `s3://${store.bucket}`);
}, "");
