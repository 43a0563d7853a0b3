/**
 * `POST /v1/traces` is bounded like every JSON body (`--max-json-body-bytes`): a body past the
 * limit, and a gzip body that inflates past it (a decompression bomb), get 413 with an MLflow
 * error body instead of being buffered whole.
 */
import assert from "node:assert/strict";
import { fullApp } from "./full_app.ts";

const LIMIT = 64 * 1024;

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("OTLP bodies over the limit, raw or once inflated, answer 413", async () => {
  const s = await fullApp(["--max-json-body-bytes", String(LIMIT)]);
  try {
    const exp = (await s.call("POST", "/experiments/create", { name: "otlp-limit" })).body as {
      experiment_id: string;
    };
    const headers = {
      "content-type": "application/x-protobuf",
      "x-mlflow-experiment-id": exp.experiment_id,
    };
    const big = new Uint8Array(LIMIT + 1);
    const tooBig = await s.app.request("/v1/traces", { method: "POST", headers, body: big });
    assert.equal(tooBig.status, 413);
    assert.equal((await tooBig.json()).error_code, "INVALID_PARAMETER_VALUE");

    const bomb = await gzip(new Uint8Array(LIMIT * 16)); // a few hundred bytes on the wire
    assert.ok(bomb.byteLength < LIMIT);
    const inflated = await s.app.request("/v1/traces", {
      method: "POST",
      headers: { ...headers, "content-encoding": "gzip" },
      body: bomb as BodyInit,
    });
    assert.equal(inflated.status, 413);
    assert.equal((await inflated.json()).error_code, "INVALID_PARAMETER_VALUE");

    // A small malformed body is still OTLP's own 400.
    const bad = await s.app.request("/v1/traces", {
      method: "POST",
      headers,
      body: new Uint8Array([0xff, 0xff, 0xff]),
    });
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
  } finally {
    await s.close();
  }
});
