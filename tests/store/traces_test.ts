/**
 * Traces end to end through the HTTP app (`createApp(...).request(...)`) on every test backend:
 * OTLP ingestion (protobuf, JSON, gzip, errors), spans of one trace assembled across requests,
 * StartTraceV3 before and after the spans, get/search/tags/assessments/delete.
 */
import assert from "node:assert/strict";
import { testBackends } from "../support/backends.ts";
import {
  call,
  type Ctx,
  gzip,
  hex,
  otlpObject,
  postOtlp,
  protobuf,
  traceId,
  withCtx,
} from "./trace_test_support.ts";

for (const backend of testBackends()) {
  const t = (name: string, fn: (c: Ctx) => Promise<void>) =>
    Deno.test(`[${backend.name}] traces: ${name}`, () => withCtx(backend, fn));

  t("OTLP protobuf spans come back as one trace with derived info", async (c) => {
    const res = await postOtlp(
      c,
      protobuf([
        {
          trace: 1,
          span: 1,
          name: "root",
          startMs: 0,
          endMs: 50,
          attrs: {
            "mlflow.spanInputs": { q: "hi" },
            "mlflow.spanOutputs": "hello",
          },
        },
        {
          trace: 1,
          span: 2,
          parent: 1,
          name: "llm",
          startMs: 5,
          endMs: 40,
          attrs: { "mlflow.chat.tokenUsage": { input_tokens: 3, output_tokens: 4 } },
        },
      ], { "service.name": "svc", "telemetry.sdk.name": "x" }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/x-protobuf");
    await res.arrayBuffer();
    const got = await call(c, "GET", `/api/3.0/mlflow/traces/get?trace_id=${traceId(1)}`);
    assert.equal(got.status, 200, JSON.stringify(got.json));
    const info = got.json.trace.trace_info;
    assert.equal(info.state, "OK");
    assert.equal(info.request_time, "2023-11-14T22:13:20Z");
    assert.equal(info.execution_duration, "0.050s");
    assert.equal(info.request_preview, '{"q": "hi"}');
    assert.equal(info.response_preview, '"hello"');
    assert.equal(info.tags["mlflow.trace.spansLocation"], "TRACKING_STORE");
    assert.equal(info.tags["service.name"], "svc");
    assert.equal(info.tags["telemetry.sdk.name"], undefined);
    assert.equal(
      info.tags["mlflow.artifactLocation"],
      `mlflow-artifacts:/${c.exp}/traces/${traceId(1)}/artifacts`,
    );
    // As MLflow: the spans gave no total, so the total is 0.
    assert.equal(
      info.trace_metadata["mlflow.trace.tokenUsage"],
      '{"input_tokens": 3, "output_tokens": 4, "total_tokens": 0}',
    );
    assert.deepEqual(got.json.trace.spans.map((s: { name: string }) => s.name), ["root", "llm"]);
    // Spans as MLflow's server writes them: snake_case, status by name, exact int64 numbers.
    const llm = got.json.trace.spans[1];
    assert.equal(llm.parent_span_id, got.json.trace.spans[0].span_id);
    assert.deepEqual(llm.status, { code: "STATUS_CODE_OK" });
    assert.equal(llm.kind, undefined);
    assert.deepEqual(llm.attributes.at(-1), {
      key: "mlflow.traceRequestId",
      value: { string_value: traceId(1) },
    });
    const raw = await (await c.app.request(`/api/3.0/mlflow/traces/get?trace_id=${traceId(1)}`))
      .text();
    assert.match(raw, /"start_time_unix_nano":1700000000005000000,/);
  });

  t("spans of one trace sent in several requests, out of order, assemble", async (c) => {
    const child = protobuf([{
      trace: 2,
      span: 2,
      parent: 1,
      name: "child",
      startMs: 10,
      endMs: 90,
    }]);
    const root = protobuf([{
      trace: 2,
      span: 1,
      name: "root",
      startMs: 5,
      endMs: 100,
      error: true,
    }]);
    assert.equal((await postOtlp(c, child)).status, 200);
    const partial = await call(c, "GET", `/api/3.0/mlflow/traces/${traceId(2)}`);
    assert.equal(partial.json.trace.trace_info.state, "IN_PROGRESS");
    assert.equal((await postOtlp(c, await gzip(root), { "content-encoding": "gzip" })).status, 200);
    const got = await call(c, "GET", `/api/3.0/mlflow/traces/get?trace_id=${traceId(2)}`);
    const info = got.json.trace.trace_info;
    assert.equal(info.state, "ERROR");
    assert.equal(info.request_time, "2023-11-14T22:13:20.005Z");
    assert.equal(info.execution_duration, "0.095s");
    assert.deepEqual(got.json.trace.spans.map((s: { name: string }) => s.name), ["root", "child"]);
  });

  t("OTLP JSON with hex ids is accepted", async (c) => {
    const obj = otlpObject([{ trace: 3, span: 7, name: "json-root", startMs: 0, endMs: 1 }]);
    const span = obj.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    span.traceId = hex(3, 32);
    span.spanId = hex(7, 16);
    const res = await postOtlp(c, JSON.stringify(obj), { "content-type": "application/json" });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const got = await call(c, "GET", `/api/3.0/mlflow/traces/get?trace_id=${traceId(3)}`);
    assert.equal(got.json.trace.spans[0].name, "json-root");
  });

  t(
    "OTLP errors: missing header 422, bad content type 400, garbage 400, unknown experiment 404",
    async (c) => {
      const body = protobuf([{ trace: 4, span: 1, name: "r", startMs: 0, endMs: 1 }]);
      const noHeader = await c.app.request("/v1/traces", {
        method: "POST",
        body: body as BodyInit,
        headers: { "content-type": "application/x-protobuf" },
      });
      assert.equal(noHeader.status, 422);
      await noHeader.text();
      const badType = await postOtlp(c, body, { "content-type": "text/plain" });
      assert.equal(badType.status, 400);
      await badType.text();
      const garbage = await postOtlp(c, new Uint8Array([0xff, 0xff, 0xff]));
      assert.equal(garbage.status, 400);
      assert.match(await garbage.text(), /Invalid OpenTelemetry format/);
      const unknown = await postOtlp(c, body, { "x-mlflow-experiment-id": "987654" });
      assert.equal(unknown.status, 404);
      assert.equal((await unknown.json()).error_code, "RESOURCE_DOES_NOT_EXIST");
      const none = await call(c, "GET", `/api/3.0/mlflow/traces/${traceId(4)}`);
      assert.equal(none.status, 404);
    },
  );

  t("StartTraceV3 after the spans keeps the spans and finalizes the info", async (c) => {
    await (await postOtlp(c, protobuf([{ trace: 5, span: 1, name: "r", startMs: 0, endMs: 9 }])))
      .arrayBuffer();
    const started = await call(c, "POST", "/api/3.0/mlflow/traces", {
      trace: {
        trace_info: {
          trace_id: traceId(5),
          trace_location: {
            type: "MLFLOW_EXPERIMENT",
            mlflow_experiment: { experiment_id: c.exp },
          },
          request_time: "2023-11-14T22:13:20Z",
          execution_duration: "0.009s",
          state: "OK",
          request_preview: "req",
          trace_metadata: { "mlflow.trace.sizeStats": '{"num_spans": 1}', "myKey": "x" },
          tags: { "mlflow.traceName": "r", "camelTag": "y" },
        },
      },
    });
    assert.equal(started.status, 200, JSON.stringify(started.json));
    const info = started.json.trace.trace_info;
    assert.equal(info.tags["mlflow.trace.spansLocation"], "TRACKING_STORE");
    assert.equal(info.tags.camelTag, "y");
    assert.equal(info.trace_metadata.myKey, "x");
    assert.equal(info.trace_metadata["mlflow.trace.infoFinalized"], "true");
    assert.equal(info.request_preview, "req");
    const got = await call(c, "GET", `/api/3.0/mlflow/traces/get?trace_id=${traceId(5)}`);
    assert.equal(got.json.trace.spans.length, 1);
  });

  t("get is 404 until every announced span arrived, unless allow_partial", async (c) => {
    await call(c, "POST", "/api/3.0/mlflow/traces", {
      trace: {
        trace_info: {
          trace_id: traceId(6),
          trace_location: {
            type: "MLFLOW_EXPERIMENT",
            mlflow_experiment: { experiment_id: c.exp },
          },
          request_time: "2023-11-14T22:13:20Z",
          state: "OK",
          trace_metadata: { "mlflow.trace.sizeStats": '{"num_spans": 2}' },
        },
      },
    });
    await (await postOtlp(c, protobuf([{ trace: 6, span: 1, name: "r", startMs: 0, endMs: 9 }])))
      .arrayBuffer();
    const partial = await call(
      c,
      "GET",
      `/api/3.0/mlflow/traces/get?trace_id=${traceId(6)}&allow_partial=true`,
    );
    assert.equal(partial.status, 200);
    assert.equal(partial.json.trace.spans.length, 1);
    const full = await call(c, "GET", `/api/3.0/mlflow/traces/get?trace_id=${traceId(6)}`);
    assert.equal(full.status, 404);
    assert.match(full.json.message, /not fully exported yet/);
  });

  t("search pages through every shard newest first; filters; order_by", async (c) => {
    const n = 40;
    for (let i = 0; i < n; i++) {
      const res = await postOtlp(
        c,
        protobuf([{
          trace: 100 + i,
          span: 1,
          name: `t${i}`,
          startMs: i * 10,
          endMs: i * 10 + i,
          error: i % 5 === 0,
        }]),
      );
      await res.arrayBuffer();
    }
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await call(c, "POST", "/api/3.0/mlflow/traces/search", {
        locations: [{ type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: c.exp } }],
        max_results: 7,
        ...(token ? { page_token: token } : {}),
      });
      assert.equal(page.status, 200, JSON.stringify(page.json));
      seen.push(...page.json.traces.map((t: { trace_id: string }) => t.trace_id));
      token = page.json.next_page_token;
    } while (token);
    assert.deepEqual(seen, Array.from({ length: n }, (_, i) => traceId(100 + n - 1 - i)));
    const errors = await call(c, "POST", "/api/3.0/mlflow/traces/search", {
      locations: [{ mlflow_experiment: { experiment_id: c.exp } }],
      filter: "trace.status = 'ERROR'",
    });
    assert.equal(errors.json.traces.length, 8);
    // A time range is read as a key range; pages of it still follow on.
    const window: string[] = [];
    let windowToken: string | undefined;
    do {
      const page = await call(c, "POST", "/api/3.0/mlflow/traces/search", {
        locations: [{ mlflow_experiment: { experiment_id: c.exp } }],
        filter: "trace.timestamp_ms >= 1700000000100 AND trace.timestamp_ms < 1700000000200 " +
          "AND trace.status != 'ERROR'",
        max_results: 3,
        ...(windowToken ? { page_token: windowToken } : {}),
      });
      window.push(...page.json.traces.map((t: { trace_id: string }) => t.trace_id));
      windowToken = page.json.next_page_token;
    } while (windowToken);
    assert.deepEqual(window, [19, 18, 17, 16, 14, 13, 12, 11].map((i) => traceId(100 + i)));
    const bySpan = await call(c, "POST", "/api/3.0/mlflow/traces/search", {
      locations: [{ mlflow_experiment: { experiment_id: c.exp } }],
      filter: "span.name = 't7' AND span.status = 'OK'",
    });
    assert.deepEqual(bySpan.json.traces.map((t: { trace_id: string }) => t.trace_id), [
      traceId(107),
    ]);
    const slow = await call(c, "POST", "/api/3.0/mlflow/traces/search", {
      locations: [{ mlflow_experiment: { experiment_id: c.exp } }],
      filter: "trace.execution_time_ms >= 35",
      order_by: ["execution_time_ms ASC"],
    });
    assert.deepEqual(
      slow.json.traces.map((t: { trace_id: string }) => t.trace_id),
      [35, 36, 37, 38, 39].map((i) => traceId(100 + i)),
    );
    const bad = await call(c, "POST", "/api/3.0/mlflow/traces/search", {
      locations: [{ mlflow_experiment: { experiment_id: c.exp } }],
      filter: "trace.bogus = 'x'",
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error_code, "INVALID_PARAMETER_VALUE");
    const tooMany = await call(c, "POST", "/api/3.0/mlflow/traces/search", {
      locations: [{ mlflow_experiment: { experiment_id: c.exp } }],
      max_results: 501,
    });
    assert.equal(tooMany.status, 400);
  });

  t("tags: set, delete, 404 for an absent tag or trace", async (c) => {
    await (await postOtlp(c, protobuf([{ trace: 8, span: 1, name: "r", startMs: 0, endMs: 1 }])))
      .arrayBuffer();
    const path = `/api/2.0/mlflow/traces/${traceId(8)}/tags`;
    assert.equal((await call(c, "PATCH", path, { key: "k", value: "v" })).status, 200);
    const got = await call(c, "GET", `/api/3.0/mlflow/traces/${traceId(8)}`);
    assert.equal(got.json.trace.trace_info.tags.k, "v");
    assert.equal((await call(c, "DELETE", path, { key: "k" })).status, 200);
    const again = await call(c, "DELETE", path, { key: "k" });
    assert.equal(again.status, 404);
    const long = await call(c, "PATCH", path, { key: "k".repeat(251), value: "v" });
    assert.equal(long.status, 400);
    assert.equal(long.json.message, "'key' exceeds the maximum length of 250 characters");
    const missing = await call(c, "PATCH", `/api/2.0/mlflow/traces/${traceId(999)}/tags`, {
      key: "k",
      value: "v",
    });
    assert.equal(missing.status, 404);
  });

  t("an expectation with a list or object value comes back serialized, as MLflow's", async (c) => {
    // MLflow's test_assessments_end_to_end reads `expectation.serialized_value.value`.
    await (await postOtlp(c, protobuf([{ trace: 12, span: 1, name: "r", startMs: 0, endMs: 1 }])))
      .arrayBuffer();
    const base = `/api/3.0/mlflow/traces/${traceId(12)}/assessments`;
    const post = (value: unknown) =>
      call(c, "POST", base, {
        assessment: {
          assessment_name: "e",
          expectation: { value },
          source: { source_type: "CODE", source_id: "t" },
        },
      });
    const obj = await post({ threshold_ms: 1000, actual_ms: 750.5, passed: true, n: null });
    assert.equal(obj.status, 200, JSON.stringify(obj.json));
    const serialized = {
      serialization_format: "JSON_FORMAT",
      value: '{"threshold_ms": 1000.0, "actual_ms": 750.5, "passed": true, "n": null}',
    };
    assert.deepEqual(obj.json.assessment.expectation, { serialized_value: serialized });
    const got = await call(c, "GET", `${base}/${obj.json.assessment.assessment_id}`);
    assert.deepEqual(got.json.assessment.expectation, { serialized_value: serialized });
    assert.deepEqual((await post([1, "a"])).json.assessment.expectation, {
      serialized_value: { serialization_format: "JSON_FORMAT", value: '[1.0, "a"]' },
    });
    assert.deepEqual((await post("str")).json.assessment.expectation, { value: "str" });
  });

  t(
    "assessments: create, override marks the old one invalid, update with mask, delete restores",
    async (c) => {
      await (await postOtlp(c, protobuf([{ trace: 9, span: 1, name: "r", startMs: 0, endMs: 1 }])))
        .arrayBuffer();
      const base = `/api/3.0/mlflow/traces/${traceId(9)}/assessments`;
      const first = await call(c, "POST", base, {
        assessment: {
          assessment_name: "quality",
          trace_id: traceId(9),
          source: { source_type: "HUMAN", source_id: "bob" },
          feedback: { value: { camelCase: 1 } },
          metadata: { someKey: "v" },
        },
      });
      assert.equal(first.status, 200, JSON.stringify(first.json));
      const a1 = first.json.assessment;
      assert.match(a1.assessment_id, /^a-[0-9a-f]{32}$/);
      assert.deepEqual(a1.feedback.value, { camelCase: 1 });
      assert.deepEqual(a1.metadata, { someKey: "v" });
      assert.equal(a1.valid, true);
      const second = await call(c, "POST", base, {
        assessment: {
          assessment_name: "quality",
          feedback: { value: 0.2 },
          overrides: a1.assessment_id,
        },
      });
      const a2 = second.json.assessment;
      const old = await call(c, "GET", `${base}/${a1.assessment_id}`);
      assert.equal(old.json.assessment.valid, false);
      const upd = await call(c, "PATCH", `${base}/${a2.assessment_id}`, {
        assessment: { feedback: { value: 0.9 }, rationale: "why" },
        update_mask: "feedback,rationale",
      });
      assert.equal(upd.status, 200, JSON.stringify(upd.json));
      assert.equal(upd.json.assessment.feedback.value, 0.9);
      assert.equal(upd.json.assessment.rationale, "why");
      const wrong = await call(c, "PATCH", `${base}/${a2.assessment_id}`, {
        assessment: { expectation: { value: 1 } },
        update_mask: "expectation",
      });
      assert.equal(wrong.status, 400);
      assert.equal((await call(c, "DELETE", `${base}/${a2.assessment_id}`)).status, 200);
      const restored = await call(c, "GET", `${base}/${a1.assessment_id}`);
      assert.equal(restored.json.assessment.valid, true);
      const info = await call(c, "GET", `/api/3.0/mlflow/traces/${traceId(9)}`);
      assert.equal(info.json.trace.trace_info.assessments.length, 1);
      const gone = await call(c, "GET", `${base}/${a2.assessment_id}`);
      assert.equal(gone.status, 404);
      // As MLflow: deleting an absent assessment, even on an absent trace, answers 200.
      const noTrace = await call(
        c,
        "DELETE",
        `/api/3.0/mlflow/traces/${traceId(998)}/assessments/a-x`,
      );
      assert.equal(noTrace.status, 200);
    },
  );

  t("delete-traces by ids and by timestamp (oldest first, max_traces)", async (c) => {
    for (let i = 0; i < 6; i++) {
      await (await postOtlp(
        c,
        protobuf([{ trace: 200 + i, span: 1, name: "r", startMs: i * 100, endMs: i * 100 + 1 }]),
      ))
        .arrayBuffer();
    }
    const byIds = await call(c, "POST", "/api/2.0/mlflow/traces/delete-traces", {
      experiment_id: c.exp,
      request_ids: [traceId(205), traceId(999)],
    });
    assert.equal(byIds.json.traces_deleted, 1);
    const byTs = await call(c, "POST", "/api/2.0/mlflow/traces/delete-traces", {
      experiment_id: c.exp,
      max_timestamp_millis: 1_700_000_000_000 + 300,
      max_traces: 2,
    });
    assert.equal(byTs.json.traces_deleted, 2);
    const left = await call(c, "POST", "/api/3.0/mlflow/traces/search", {
      locations: [{ mlflow_experiment: { experiment_id: c.exp } }],
    });
    assert.deepEqual(
      left.json.traces.map((t: { trace_id: string }) => t.trace_id),
      [traceId(204), traceId(203), traceId(202)],
    );
    const spans = await call(c, "GET", `/api/3.0/mlflow/traces/get?trace_id=${traceId(200)}`);
    assert.equal(spans.status, 404);
    const neither = await call(c, "POST", "/api/2.0/mlflow/traces/delete-traces", {
      experiment_id: c.exp,
    });
    assert.equal(neither.status, 400);
    assert.match(neither.json.message, /Either `max_timestamp_millis` or `trace_ids`/);
  });

  t("a link made before the trace's spans arrive still finds the trace by run_id", async (c) => {
    // The stock client exports spans in the background and may link first (MLflow's
    // test_link_traces_to_run_and_search_traces); MLflow keeps the association row.
    const run = await c.s.runs.create({ experimentId: c.exp });
    const early = await call(c, "POST", "/api/2.0/mlflow/traces/link-to-run", {
      trace_ids: [traceId(11)],
      run_id: run.info.runId,
    });
    assert.equal(early.status, 200, JSON.stringify(early.json));
    await (await postOtlp(c, protobuf([{ trace: 11, span: 1, name: "r", startMs: 0, endMs: 1 }])))
      .arrayBuffer();
    const found = await call(c, "POST", "/api/3.0/mlflow/traces/search", {
      locations: [{ mlflow_experiment: { experiment_id: c.exp } }],
      filter: `trace.run_id = '${run.info.runId}'`,
    });
    assert.deepEqual(found.json.traces.map((t: { trace_id: string }) => t.trace_id), [traceId(11)]);
  });

  t("link-to-run refuses an empty or oversized trace id with 400 and links nothing", async (c) => {
    const run = await c.s.runs.create({ experimentId: c.exp });
    for (const bad of ["", "x".repeat(600)]) {
      const res = await call(c, "POST", "/api/2.0/mlflow/traces/link-to-run", {
        trace_ids: [traceId(12), bad],
        run_id: run.info.runId,
      });
      assert.equal(res.status, 400, JSON.stringify(res.json));
      assert.equal(res.json.error_code, "INVALID_PARAMETER_VALUE");
    }
    await (await postOtlp(c, protobuf([{ trace: 12, span: 1, name: "r", startMs: 0, endMs: 1 }])))
      .arrayBuffer();
    const found = await call(c, "POST", "/api/3.0/mlflow/traces/search", {
      locations: [{ mlflow_experiment: { experiment_id: c.exp } }],
      filter: `trace.run_id = '${run.info.runId}'`,
    });
    assert.deepEqual(found.json.traces ?? [], []);
  });

  t("link-to-run makes a trace findable by run_id", async (c) => {
    await (await postOtlp(c, protobuf([{ trace: 10, span: 1, name: "r", startMs: 0, endMs: 1 }])))
      .arrayBuffer();
    const run = await c.s.runs.create({ experimentId: c.exp });
    const linked = await call(c, "POST", "/api/2.0/mlflow/traces/link-to-run", {
      trace_ids: [traceId(10)],
      run_id: run.info.runId,
    });
    assert.equal(linked.status, 200, JSON.stringify(linked.json));
    const found = await call(c, "POST", "/api/3.0/mlflow/traces/search", {
      locations: [{ mlflow_experiment: { experiment_id: c.exp } }],
      filter: `trace.run_id = '${run.info.runId}'`,
    });
    // MLflow does not check that the run exists.
    const unknownRun = await call(c, "POST", "/api/2.0/mlflow/traces/link-to-run", {
      trace_ids: [traceId(10)],
      run_id: "no-such-run",
    });
    assert.equal(unknownRun.status, 200);
    // link-prompts records the versions; the tag is the client's to write, as with MLflow.
    const prompts = await call(c, "POST", "/api/2.0/mlflow/traces/link-prompts", {
      trace_id: traceId(10),
      prompt_versions: [{ name: "p", version: "1" }],
    });
    assert.equal(prompts.status, 200);
    const after = await call(c, "GET", `/api/3.0/mlflow/traces/${traceId(10)}`);
    assert.equal(after.json.trace.trace_info.tags["mlflow.linkedPrompts"], undefined);
    const noTrace = await call(c, "POST", "/api/2.0/mlflow/traces/link-prompts", {
      trace_id: traceId(997),
      prompt_versions: [{ name: "p", version: "1" }],
    });
    assert.equal(noTrace.status, 404);
    assert.equal(noTrace.json.message, `Trace with ID '${traceId(997)}' not found.`);
    assert.deepEqual(found.json.traces.map((t: { trace_id: string }) => t.trace_id), [traceId(10)]);
  });

  t("the legacy v2 start answers only the metadata the client sent", async (c) => {
    // MLflow's test_legacy_start_and_end_trace_v2: no `mlflow.trace.infoFinalized` there.
    const started = await call(c, "POST", "/api/2.0/mlflow/traces", {
      experiment_id: c.exp,
      timestamp_ms: 1000,
      request_metadata: [{ key: "meta1", value: "apple" }],
      tags: [{ key: "tag1", value: "red" }],
    });
    assert.equal(started.status, 200, JSON.stringify(started.json));
    assert.deepEqual(started.json.trace_info.request_metadata, [{ key: "meta1", value: "apple" }]);
  });

  t("a known client's service.name is copied onto the root span only", async (c) => {
    // MLflow's test_service_name_propagated_to_root_span (allow-listed names only).
    for (const [trace, service] of [[13, "gemini-cli"], [14, "my-custom-app"]] as const) {
      await (await postOtlp(
        c,
        protobuf([
          { trace, span: 1, name: "root", startMs: 0, endMs: 5 },
          { trace, span: 2, parent: 1, name: "child", startMs: 1, endMs: 2 },
        ], { "service.name": service }),
      )).arrayBuffer();
    }
    const spansOf = async (n: number) => {
      const res = await c.app.request(
        `/ajax-api/2.0/mlflow/get-trace-artifact?request_id=${traceId(n)}`,
      );
      const data = await res.json();
      return data.spans as { name: string; attributes: Record<string, string> }[];
    };
    const known = await spansOf(13);
    assert.equal(known.find((s) => s.name === "root")?.attributes["service.name"], '"gemini-cli"');
    assert.equal(known.find((s) => s.name === "child")?.attributes["service.name"], undefined);
    const unknown = await spansOf(14);
    assert.equal(unknown.find((s) => s.name === "root")?.attributes["service.name"], undefined);
  });

  t("traces.json keeps nanosecond times digit for digit", async (c) => {
    // MLflow's test_get_trace_artifact_handler compares span.to_dict() exactly.
    const body = otlpObject([{ trace: 15, span: 1, name: "r", startMs: 0, endMs: 1 }]);
    const span = body.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    span.startTimeUnixNano = "1796064603386701270";
    span.endTimeUnixNano = "1796064603387718371";
    (span as Record<string, unknown>).events = [{ name: "e", timeUnixNano: "1796064603386701271" }];
    const posted = await postOtlp(c, JSON.stringify(body), { "content-type": "application/json" });
    assert.equal(posted.status, 200, await posted.text());
    const res = await c.app.request(
      `/ajax-api/2.0/mlflow/get-trace-artifact?request_id=${traceId(15)}`,
    );
    const text = await res.text();
    assert.match(text, /"start_time_unix_nano":1796064603386701270,/);
    assert.match(text, /"end_time_unix_nano":1796064603387718371,/);
    assert.match(text, /"time_unix_nano":1796064603386701271,/);
  });

  t(
    "OpenInference, GenAI and Traceloop attributes become MLflow's type, inputs and usage",
    async (c) => {
      // MLflow's test_span_kind_translation, test_span_inputs_outputs_translation and
      // test_span_token_usage_translation (tests/tracing/test_otel_loading.py).
      await (await postOtlp(
        c,
        protobuf([
          {
            trace: 16,
            span: 1,
            name: "root",
            startMs: 0,
            endMs: 5,
            attrs: {
              "openinference.span.kind": "TOOL",
              "input.value": "Hello, world!",
              "output.value": "Bye!",
              "llm.token_count.prompt": 100,
              "llm.token_count.completion": 50,
            },
          },
          {
            trace: 16,
            span: 2,
            parent: 1,
            name: "kept",
            startMs: 1,
            endMs: 2,
            attrs: { "traceloop.span.kind": "tool", "mlflow.spanType": '"CHAIN"' },
          },
          {
            trace: 16,
            span: 3,
            parent: 1,
            name: "genai",
            startMs: 1,
            endMs: 2,
            attrs: { "gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 7 },
          },
        ]),
      )).arrayBuffer();
      const res = await c.app.request(
        `/ajax-api/2.0/mlflow/get-trace-artifact?request_id=${traceId(16)}`,
      );
      const spans = (await res.json()).spans as {
        name: string;
        attributes: Record<string, string>;
      }[];
      const attrs = (name: string) => spans.find((s) => s.name === name)!.attributes;
      assert.equal(attrs("root")["mlflow.spanType"], '"TOOL"');
      assert.equal(attrs("root")["mlflow.spanInputs"], '"Hello, world!"');
      assert.equal(attrs("root")["mlflow.spanOutputs"], '"Bye!"');
      assert.equal(
        attrs("root")["mlflow.chat.tokenUsage"],
        '{"input_tokens": 100, "output_tokens": 50, "total_tokens": 150}',
      );
      assert.equal(attrs("kept")["mlflow.spanType"], JSON.stringify('"CHAIN"'));
      assert.equal(attrs("genai")["mlflow.spanType"], '"CHAT_MODEL"');
      assert.equal(attrs("genai")["mlflow.chat.tokenUsage"], '{"input_tokens": 7}');
      const got = await call(c, "GET", `/api/3.0/mlflow/traces/get?trace_id=${traceId(16)}`);
      assert.equal(got.json.trace.trace_info.request_preview, '"Hello, world!"');
    },
  );

  t("get-trace-artifact answers MLflow's traces.json", async (c) => {
    await (await postOtlp(
      c,
      protobuf([{ trace: 11, span: 1, name: "r", startMs: 0, endMs: 1, attrs: { x: 1.0, y: 2 } }]),
    )).arrayBuffer();
    const res = await c.app.request(
      `/ajax-api/2.0/mlflow/get-trace-artifact?request_id=${traceId(11)}`,
    );
    assert.equal(res.status, 200);
    // As MLflow's handler (test_get_trace_artifact_handler): a plain token filename, no quotes.
    assert.equal(res.headers.get("content-disposition"), "attachment; filename=traces.json");
    assert.equal(res.headers.get("content-type"), "text/plain");
    const data = await res.json();
    assert.equal(data.spans[0].name, "r");
    assert.equal(data.spans[0].attributes["mlflow.traceRequestId"], JSON.stringify(traceId(11)));
    assert.equal(data.spans[0].attributes.y, "2");
    const missing = await c.app.request("/ajax-api/3.0/mlflow/get-trace-artifact");
    assert.equal(missing.status, 400);
    await missing.text();
  });
}
