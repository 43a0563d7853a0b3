/**
 * Spans too big for a DynamoDB item: spilled to the artifact store (read back, deleted with the
 * trace), or refused whole when there is no artifact store.
 */
import assert from "node:assert/strict";
import { createApp } from "../../src/app.ts";
import { ArtifactLocations } from "../../src/artifacts/locations.ts";
import { LocalArtifactStore } from "../../src/artifacts/local_store.ts";
import { mountTraces } from "../../src/http/traces/mod.ts";
import { createStores } from "../../src/store/stores.ts";
import { artifactSpanSpill } from "../../src/store/traces/span_spill.ts";
import { testBackends } from "../support/backends.ts";
import {
  call,
  type Ctx,
  hex,
  postOtlp,
  protobuf,
  randomText,
  traceId,
  withCtx,
} from "./trace_test_support.ts";

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] traces: a span too big for an item spills to the artifact store`, async () => {
    const { port, tableName, cleanup } = await backend.makePort();
    const dir = await Deno.makeTempDir();
    try {
      const s = await createStores({ port, table: tableName }, "mlflow-artifacts:/");
      const locations = new ArtifactLocations(await LocalArtifactStore.open(dir));
      const app = createApp({
        stores: s,
        extraRoutes: [mountTraces(s, { spill: artifactSpanSpill(locations) })],
      });
      const exp = await s.experiments.create({ name: "big" });
      const c: Ctx = { s, app, exp };
      // 700 KB of nearly incompressible text: over the item limit even gzip-compressed.
      const noise = randomText(700_000);
      const res = await postOtlp(
        c,
        protobuf([
          {
            trace: 12,
            span: 1,
            name: "big",
            startMs: 0,
            endMs: 1,
            attrs: { "mlflow.spanOutputs": noise },
          },
          { trace: 12, span: 2, parent: 1, name: "small", startMs: 0, endMs: 1 },
        ]),
      );
      assert.equal(res.status, 200, await res.text());
      const got = await call(c, "GET", `/api/3.0/mlflow/traces/get?trace_id=${traceId(12)}`);
      const big = got.json.trace.spans.find((x: { name: string }) => x.name === "big");
      assert.equal(big.attributes[0].value.string_value, noise);
      const spilled = `${dir}/${exp}/traces/${traceId(12)}/artifacts/spans/${hex(1, 16)}.json.gz`;
      assert.ok((await Deno.stat(spilled)).isFile);
      const del = await call(c, "POST", "/api/2.0/mlflow/traces/delete-traces", {
        experiment_id: exp,
        request_ids: [traceId(12)],
      });
      assert.equal(del.json.traces_deleted, 1);
      await assert.rejects(Deno.stat(spilled));
      await locations.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
      await cleanup();
    }
  });

  Deno.test(`[${backend.name}] traces: without an artifact store a too-big span is refused whole`, async () => {
    await withCtx(backend, async (c) => {
      const noise = randomText(700_000);
      const res = await postOtlp(
        c,
        protobuf([
          { trace: 13, span: 1, name: "big", startMs: 0, endMs: 1, attrs: { x: noise } },
        ]),
      );
      assert.equal(res.status, 400);
      assert.equal((await res.json()).error_code, "INVALID_PARAMETER_VALUE");
      const none = await call(c, "GET", `/api/3.0/mlflow/traces/${traceId(13)}`);
      assert.equal(none.status, 404);
    });
  });
}

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] traces: get-trace-artifact serves an uploaded traces.json and attachments`, async () => {
    const { port, tableName, cleanup } = await backend.makePort();
    const dir = await Deno.makeTempDir();
    try {
      const s = await createStores({ port, table: tableName }, "mlflow-artifacts:/");
      const locations = new ArtifactLocations(await LocalArtifactStore.open(dir));
      const app = createApp({
        stores: s,
        extraRoutes: [mountTraces(s, { spill: artifactSpanSpill(locations) })],
      });
      const exp = await s.experiments.create({ name: "uploaded" });
      const c: Ctx = { s, app, exp };
      // A client without OTLP: StartTraceV3, then traces.json through the artifact proxy.
      const started = await call(c, "POST", "/api/3.0/mlflow/traces", {
        trace: {
          trace_info: {
            trace_id: traceId(20),
            trace_location: {
              type: "MLFLOW_EXPERIMENT",
              mlflow_experiment: { experiment_id: exp },
            },
            request_time: "2023-11-14T22:13:20Z",
            state: "OK",
          },
        },
      });
      assert.equal(started.status, 200);
      const root = `${dir}/${exp}/traces/${traceId(20)}/artifacts`;
      await Deno.mkdir(`${root}/attachments/x`, { recursive: true });
      await Deno.writeTextFile(`${root}/traces.json`, '{"spans": [{"name": "uploaded"}]}');
      await Deno.writeTextFile(`${root}/attachments/x/a.txt`, "attached");
      const res = await app.request(
        `/ajax-api/2.0/mlflow/get-trace-artifact?request_id=${traceId(20)}`,
      );
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { spans: [{ name: "uploaded" }] });
      const att = await app.request(
        `/ajax-api/3.0/mlflow/get-trace-artifact?request_id=${traceId(20)}&path=x/a.txt`,
      );
      assert.equal(att.status, 200);
      assert.equal(await att.text(), "attached");
      const escape = await app.request(
        `/ajax-api/3.0/mlflow/get-trace-artifact?request_id=${traceId(20)}&path=../../x`,
      );
      assert.equal(escape.status, 400);
      await escape.text();
      await locations.close();
    } finally {
      await Deno.remove(dir, { recursive: true });
      await cleanup();
    }
  });
}

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] traces: an info item that would pass 400 KB is refused with 400`, async () => {
    await withCtx(backend, async (c) => {
      await (await postOtlp(c, protobuf([{ trace: 30, span: 1, name: "r", startMs: 0, endMs: 1 }])))
        .arrayBuffer();
      const base = `/api/3.0/mlflow/traces/${traceId(30)}/assessments`;
      const big = randomText(150_000);
      let last = 0;
      for (let i = 0; i < 3; i++) {
        const res = await call(c, "POST", base, {
          assessment: { assessment_name: `a${i}`, feedback: { value: big } },
        });
        last = res.status;
        if (res.status !== 200) {
          assert.equal(res.json.error_code, "INVALID_PARAMETER_VALUE");
          break;
        }
      }
      assert.equal(last, 400);
      const info = await call(c, "GET", `/api/3.0/mlflow/traces/${traceId(30)}`);
      assert.equal(info.json.trace.trace_info.assessments.length, 2);
    });
  });
}
