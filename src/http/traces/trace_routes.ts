/**
 * Trace endpoints of service.proto: the v3 API (`/api/3.0/mlflow/traces...`), the paths the
 * client still calls under 2.0 (tags, link-to-run, link-prompts, delete-traces), the legacy v2
 * fallbacks, and the UI's `get-trace-artifact`.
 *
 * Hono matches in registration order, so the static `/traces/search`, `/traces/get`,
 * `/traces/batchGet` ... come before `/traces/:trace_id` (Flask prefers static segments).
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import { invalidParameter, missingParameter, MlflowError, notFound } from "../../errors.ts";
import type { Stores } from "../../store/stores.ts";
import { deleteTraces } from "../../store/traces/delete_traces.ts";
import { searchTraces } from "../../store/traces/search_traces.ts";
import { mlflowSpanDict, type StoredSpan } from "../../store/traces/span_model.ts";
import {
  TAG_ARTIFACT_LOCATION,
  TRACE_STATES,
  type TraceState,
} from "../../store/traces/trace_record.ts";
import { TraceStore } from "../../store/traces/trace_store.ts";
import { mlflowJson, nonEmpty } from "../json.ts";
import { visibleExperiments } from "../visibility.ts";
import { bool, int64, list, parseRequest, requireString, str, validate } from "../request.ts";
import { attachment } from "../artifacts/responses.ts";
import { jsonObjectBody } from "./body.ts";
import { assessmentRoutes } from "./assessment_routes.ts";
import { parseDuration, parseTimestamp, traceInfoJson, traceInfoV2Json } from "./wire.ts";
import { jsonTextResponse, traceJsonText } from "./span_wire.ts";

/** `SearchTracesV3.max_results` default and the handler's cap. */
const SEARCH_DEFAULT = 100;
const SEARCH_MAX = 500;

const stringMap = z.record(z.string(), z.string());

/** The fields of a v3 `StartTrace` the handler reads; everything else is ignored, as in MLflow. */
const startTraceSchema = z.object({
  trace: z.object({
    trace_info: z.object({
      trace_id: str.optional(),
      trace_location: z.object({
        mlflow_experiment: z.object({ experiment_id: str.optional() }).optional(),
      }).optional(),
      request_time: z.unknown().optional(),
      execution_duration: z.unknown().optional(),
      state: z.unknown().optional(),
      client_request_id: str.nullish(),
      request_preview: str.nullish(),
      response_preview: str.nullish(),
      tags: stringMap.optional(),
      trace_metadata: stringMap.optional(),
      assessments: z.array(z.record(z.string(), z.unknown())).optional(),
    }).optional(),
  }),
});

function stateOf(v: unknown): TraceState {
  if (typeof v === "number") return TRACE_STATES[v] ?? "STATE_UNSPECIFIED";
  if (typeof v === "string" && (TRACE_STATES as readonly string[]).includes(v)) {
    return v as TraceState;
  }
  if (v === undefined || v === null) return "STATE_UNSPECIFIED";
  throw invalidParameter(`Invalid value ${JSON.stringify(v)} for parameter 'state'`);
}

function searchMax(v: number | undefined): number {
  const n = v ?? SEARCH_DEFAULT;
  if (n > SEARCH_MAX) {
    throw invalidParameter(
      `Invalid value ${n} for parameter 'max_results' supplied:  Hint: Value was of type 'int'. ` +
        "See the API docs for more information about request parameters.",
    );
  }
  return n;
}

async function startTraceV3(c: Context, traces: TraceStore) {
  const { trace } = validate(startTraceSchema, await jsonObjectBody(c));
  const info = trace.trace_info ?? {};
  const traceId = requireString(info.trace_id, "trace_id");
  const record = await traces.startTrace({
    traceId,
    experimentId: requireString(
      info.trace_location?.mlflow_experiment?.experiment_id,
      "experiment_id",
    ),
    requestTime: info.request_time === undefined
      ? Date.now()
      : parseTimestamp(info.request_time, "request_time"),
    executionDuration: info.execution_duration === undefined
      ? null
      : parseDuration(info.execution_duration, "execution_duration"),
    state: stateOf(info.state),
    clientRequestId: info.client_request_id ?? null,
    requestPreview: info.request_preview ?? null,
    responsePreview: info.response_preview ?? null,
    tags: info.tags ?? {},
    metadata: info.trace_metadata ?? {},
    assessments: info.assessments ?? [],
  });
  return mlflowJson({ trace: { trace_info: traceInfoJson(record) } });
}

/** v3 routes (`/api/3.0/mlflow`, `/ajax-api/3.0/mlflow`). */
export function traceRoutesV3(stores: Stores, traces: TraceStore): Hono {
  const app = new Hono();

  app.post("/traces", (c) => startTraceV3(c, traces));

  app.post("/traces/search", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        locations: z.array(z.object({
          type: z.unknown().optional(),
          mlflow_experiment: z.object({ experiment_id: z.string().optional() }).optional(),
        })).optional(),
        filter: z.string().optional(),
        max_results: int64.optional(),
        order_by: list(z.string()).optional(),
        page_token: z.string().optional(),
      }),
    );
    if (!req.locations) throw invalidParameter(missingParameter("locations"));
    const experimentIds = req.locations
      .map((l) => l.mlflow_experiment?.experiment_id)
      .filter((id): id is string => !!id);
    const page = await searchTraces(stores.db, {
      experimentIds,
      visible: visibleExperiments(c),
      filter: req.filter || undefined,
      maxResults: searchMax(req.max_results),
      orderBy: req.order_by ?? [],
      pageToken: req.page_token || undefined,
      spill: traces.options.spill,
    });
    return mlflowJson({
      traces: nonEmpty(page.traces.map(traceInfoJson)),
      next_page_token: page.nextPageToken,
    });
  });

  app.get("/traces/get", async (c) => {
    const req = await parseRequest(
      c,
      z.object({ trace_id: z.string().optional(), allow_partial: bool.optional() }),
    );
    const traceId = requireString(req.trace_id, "trace_id");
    const { record, spans } = await traces.getTrace(traceId, req.allow_partial ?? false);
    return jsonTextResponse(`{"trace":${traceJsonText(traceInfoJson(record), spans)}}`);
  });

  app.get("/traces/batchGet", async (c) => {
    const req = await parseRequest(c, z.object({ trace_ids: list(z.string()).optional() }));
    if (!req.trace_ids) throw invalidParameter(missingParameter("trace_ids"));
    const found = await traces.batchGetTraces(req.trace_ids);
    if (found.length === 0) return mlflowJson({});
    const items = found.map((t) => traceJsonText(traceInfoJson(t.record), t.spans));
    return jsonTextResponse(`{"traces":[${items.join(",")}]}`);
  });

  app.post("/traces/batchGetInfos", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        trace_ids: list(z.string()).optional(),
        experiment_ids: list(z.string()).optional(),
      }),
    );
    if (!req.trace_ids) throw invalidParameter(missingParameter("trace_ids"));
    let records = await traces.getRecords(req.trace_ids);
    if (req.experiment_ids) {
      const allowed = new Set(req.experiment_ids);
      records = records.filter((r) => allowed.has(r.experiment_id));
    }
    return mlflowJson({ trace_infos: nonEmpty(records.map(traceInfoJson)) });
  });

  app.post("/traces/delete-traces", (c) => deleteTracesRoute(c, stores, traces));

  app.get("/traces/:trace_id", async (c) => {
    const record = await traces.getRecord(c.req.param("trace_id"));
    return mlflowJson({ trace: { trace_info: traceInfoJson(record) } });
  });

  mountTagRoutes(app, traces);
  app.route("/", assessmentRoutes(traces));
  app.get("/get-trace-artifact", (c) => traceArtifact(c, traces));
  return app;
}

function mountTagRoutes(app: Hono, traces: TraceStore): void {
  app.patch("/traces/:trace_id/tags", async (c) => {
    const req = await parseRequest(
      c,
      z.object({ key: z.string().optional(), value: z.string().optional() }),
    );
    await traces.setTag(c.req.param("trace_id"), requireString(req.key, "key"), req.value ?? "");
    return mlflowJson({});
  });
  app.delete("/traces/:trace_id/tags", async (c) => {
    const req = await parseRequest(c, z.object({ key: z.string().optional() }));
    await traces.deleteTag(c.req.param("trace_id"), requireString(req.key, "key"));
    return mlflowJson({});
  });
}

async function deleteTracesRoute(c: Context, stores: Stores, traces: TraceStore) {
  const req = await parseRequest(
    c,
    z.object({
      experiment_id: z.string().optional(),
      max_timestamp_millis: int64.optional(),
      max_traces: int64.optional(),
      request_ids: list(z.string()).optional(),
    }),
  );
  const deleted = await deleteTraces(traces, stores.db, {
    experimentId: requireString(req.experiment_id, "experiment_id"),
    maxTimestampMillis: req.max_timestamp_millis,
    maxTraces: req.max_traces,
    traceIds: req.request_ids ?? [],
  });
  return mlflowJson({ traces_deleted: deleted });
}

/**
 * `get-trace-artifact`: the trace's span data as MLflow's `traces.json` (`{"spans": [...]}`),
 * from the span items, or the `traces.json` a client uploaded when the trace has none; with
 * `path=`, an attachment under the trace's artifact root.
 */
async function traceArtifact(c: Context, traces: TraceStore) {
  const requestId = c.req.query("request_id");
  if (!requestId) {
    throw new MlflowError("BAD_REQUEST", 'Request must include the "request_id" query parameter.');
  }
  const path = c.req.query("path");
  const { record, spans } = await traces.getWithSpans(requestId);
  const root = record.tags[TAG_ARTIFACT_LOCATION];
  const files = traces.options.spill;
  const fileResponse = (body: BodyInit, name: string) =>
    new Response(body, {
      headers: {
        "content-type": "text/plain",
        "content-disposition": attachment(name),
      },
    });
  if (path) {
    if (!files || !root) {
      throw notFound(`Failed to download attachment '${path}' for trace '${requestId}'.`);
    }
    const name = path.split("/").pop() ?? path;
    return fileResponse(await files.open(root, `attachments/${path}`), name);
  }
  if (spans.length === 0 && files && root) {
    try {
      return fileResponse(await files.open(root, "traces.json"), "traces.json");
    } catch (e) {
      if (!(e instanceof MlflowError) || e.code !== "RESOURCE_DOES_NOT_EXIST") throw e;
    }
  }
  return fileResponse(tracesJsonText(spans), "traces.json");
}

/**
 * `traces.json` of stored spans (MLflow's `Span.to_dict()` of each), with the nanosecond times
 * written digit for digit: they do not fit a JavaScript number.
 */
export function tracesJsonText(spans: StoredSpan[]): string {
  const nonce = crypto.randomUUID();
  const exact: string[] = [];
  const mark = (nanos: string | undefined) => {
    exact.push(BigInt(nanos || "0").toString());
    return `${nonce}:${exact.length - 1}`;
  };
  const dicts = spans.map((span) => {
    const d = mlflowSpanDict(span);
    d.start_time_unix_nano = mark(span.startTimeUnixNano);
    if (d.end_time_unix_nano !== null) d.end_time_unix_nano = mark(span.endTimeUnixNano);
    d.events = (d.events as Record<string, unknown>[]).map((e, i) => ({
      ...e,
      time_unix_nano: mark(span.events?.[i]?.timeUnixNano),
    }));
    return d;
  });
  const pattern = new RegExp(`"${nonce}:(\\d+)"`, "g");
  return JSON.stringify({ spans: dicts }).replace(pattern, (_, i) => exact[Number(i)]!);
}

/** Routes the client calls under 2.0 (tags, links, delete) plus the v2 legacy API. */
export function traceRoutesV2(stores: Stores, traces: TraceStore): Hono {
  const app = new Hono();

  app.post("/traces/link-to-run", async (c) => {
    const req = await parseRequest(
      c,
      z.object({ trace_ids: list(z.string()).optional(), run_id: z.string().optional() }),
    );
    // MLflow links without checking that the run exists.
    const runId = requireString(req.run_id, "run_id");
    await traces.linkToRun(req.trace_ids ?? [], runId);
    return mlflowJson({});
  });

  app.post("/traces/link-prompts", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        trace_id: z.string().optional(),
        prompt_versions: z.array(
          z.object({ name: z.string().optional(), version: z.string().optional() }),
        ).optional(),
      }),
    );
    const traceId = requireString(req.trace_id, "trace_id");
    await traces.linkPrompts(
      traceId,
      (req.prompt_versions ?? []).map((p, i) => ({
        name: requireString(p.name, `prompt_versions[${i}].name`),
        version: requireString(p.version, `prompt_versions[${i}].version`),
      })),
    );
    return mlflowJson({});
  });

  app.post("/traces/delete-traces", (c) => deleteTracesRoute(c, stores, traces));

  // Legacy v2 API (clients older than 3.2, or when v3 answers ENDPOINT_NOT_FOUND).
  app.post("/traces", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        experiment_id: z.string().optional(),
        timestamp_ms: int64.optional(),
        request_metadata: z.array(z.object({ key: z.string(), value: z.string().optional() }))
          .optional(),
        tags: z.array(z.object({ key: z.string(), value: z.string().optional() })).optional(),
      }),
    );
    const traceId = `tr-${crypto.randomUUID().replaceAll("-", "")}`;
    const record = await traces.startTrace({
      traceId,
      experimentId: requireString(req.experiment_id, "experiment_id"),
      requestTime: req.timestamp_ms ?? Date.now(),
      executionDuration: null,
      state: "IN_PROGRESS",
      tags: Object.fromEntries((req.tags ?? []).map((t) => [t.key, t.value ?? ""])),
      metadata: Object.fromEntries(
        (req.request_metadata ?? []).map((t) => [t.key, t.value ?? ""]),
      ),
      assessments: [],
      finalized: false,
    });
    return mlflowJson({ trace_info: traceInfoV2Json(record) });
  });

  app.get("/traces", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        experiment_ids: list(z.string()).optional(),
        filter: z.string().optional(),
        max_results: int64.optional(),
        order_by: list(z.string()).optional(),
        page_token: z.string().optional(),
      }),
    );
    const page = await searchTraces(stores.db, {
      experimentIds: req.experiment_ids ?? [],
      visible: visibleExperiments(c),
      filter: req.filter || undefined,
      maxResults: searchMax(req.max_results),
      orderBy: req.order_by ?? [],
      pageToken: req.page_token || undefined,
      spill: traces.options.spill,
    });
    return mlflowJson({
      traces: nonEmpty(page.traces.map(traceInfoV2Json)),
      next_page_token: page.nextPageToken,
    });
  });

  app.get("/traces/:request_id/info", async (c) => {
    const record = await traces.getRecord(c.req.param("request_id"));
    return mlflowJson({ trace_info: traceInfoV2Json(record) });
  });

  app.patch("/traces/:request_id", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        timestamp_ms: int64.optional(),
        status: z.union([z.string(), z.number()]).optional(),
        request_metadata: z.array(z.object({ key: z.string(), value: z.string().optional() }))
          .optional(),
        tags: z.array(z.object({ key: z.string(), value: z.string().optional() })).optional(),
      }),
    );
    const traceId = c.req.param("request_id");
    const record = await traces.mutate(traceId, (current) => {
      if (!current) throw invalidParameter(`Trace with ID '${traceId}' not found.`);
      if (req.timestamp_ms !== undefined) {
        current.execution_duration = req.timestamp_ms - current.request_time;
      }
      const status = req.status === "TRACE_STATUS_UNSPECIFIED" ? "STATE_UNSPECIFIED" : req.status;
      if (status !== undefined) current.state = stateOf(status);
      for (const t of req.request_metadata ?? []) current.metadata[t.key] = t.value ?? "";
      for (const t of req.tags ?? []) current.tags[t.key] = t.value ?? "";
      return current;
    });
    const runId = record!.metadata["mlflow.sourceRun"];
    if (runId) await traces.writeRunLinks(runId, [traceId]);
    return mlflowJson({ trace_info: traceInfoV2Json(record!) });
  });

  mountTagRoutes(app, traces);
  app.get("/get-trace-artifact", (c) => traceArtifact(c, traces));
  return app;
}
