/**
 * `POST /v1/traces`: OTLP/HTTP trace export (MLflow's `mlflow/server/otel_api.py`).
 *
 * - `Content-Type` `application/x-protobuf` or `application/json` (else 400), optional
 *   `Content-Encoding: gzip`/`deflate`; the experiment comes from `x-mlflow-experiment-id`
 *   (required: 422 without it, as FastAPI answers), an optional `x-mlflow-run-id` links the
 *   completed traces to a run.
 * - The body is decoded with the OTLP schema that `@opentelemetry/otlp-transformer` ships as a
 *   protobufjs static module (`build/src/generated/root.js`, imported as `otlp-root`; 0.215 is
 *   the last release that ships it, later ones hand-write only an encoder). Nothing is parsed by
 *   hand. OTLP JSON carries ids as hex; they are turned into base64 first, as MLflow does, so
 *   both encodings give the same message.
 * - The answer is an empty `ExportTraceServiceResponse` (protobuf), or MLflow's JSON error.
 *
 * @module
 */
import { HTTPException } from "hono/http-exception";
import { jsonBodyLimitOf, readBodyBytes, readBounded } from "../middleware/body_limit.ts";
import type { Context } from "hono";
import root from "otlp-root";
import { MlflowError } from "../../errors.ts";
import { logSpans, type SpanBatch } from "../../store/traces/log_spans.ts";
import type { StoredSpan } from "../../store/traces/span_model.ts";
import { hexToBase64 } from "../../store/traces/span_model.ts";
import type { TraceStore } from "../../store/traces/trace_store.ts";
import { httpStatusOf } from "../error_status.ts";

/** The OTLP trace path. */
export const OTLP_TRACES_PATH = "/v1/traces";

interface ProtoType {
  decode(bytes: Uint8Array): unknown;
  fromObject(obj: unknown): unknown;
  toObject(msg: unknown, opts: Record<string, unknown>): unknown;
  encode(msg: unknown): { finish(): Uint8Array };
  create(obj?: unknown): unknown;
}

// deno-lint-ignore no-explicit-any
const otlp = (root as any).opentelemetry.proto.collector.trace.v1;
const RequestType = otlp.ExportTraceServiceRequest as ProtoType;
const ResponseType = otlp.ExportTraceServiceResponse as ProtoType;

const TO_OBJECT = { longs: String, bytes: String, enums: Number, defaults: false, arrays: false };

interface DecodedRequest {
  resourceSpans?: {
    resource?: { attributes?: SpanBatch["resource"] };
    scopeSpans?: { spans?: StoredSpan[] }[];
  }[];
}

function detail(status: number, message: string): Response {
  return new Response(JSON.stringify({ detail: message }), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** Inflates a gzip/deflate body, refusing (413) one that inflates past `max` bytes. */
async function decompress(body: Uint8Array, encoding: string, max: number): Promise<Uint8Array> {
  if (encoding === "identity" || encoding === "") return body;
  if (encoding !== "gzip" && encoding !== "deflate") {
    throw new Error(`Unsupported Content-Encoding: ${encoding}`);
  }
  const stream = new Blob([body as BlobPart]).stream().pipeThrough(
    new DecompressionStream(encoding),
  );
  return await readBounded(stream, max);
}

function hexIdsToBase64(json: unknown): unknown {
  const data = json as DecodedRequest & Record<string, unknown>;
  for (const rs of data.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        const s = span as unknown as Record<string, unknown>;
        for (const f of ["traceId", "spanId", "parentSpanId"]) {
          const v = s[f];
          if (typeof v === "string" && v !== "" && /^[0-9a-fA-F]+$/.test(v)) {
            s[f] = hexToBase64(v.toLowerCase());
          }
        }
      }
    }
  }
  return data;
}

/** Decodes an OTLP request body into plain objects; throws on malformed input. */
export function decodeOtlp(body: Uint8Array, json: boolean): DecodedRequest {
  const message = json
    ? RequestType.fromObject(hexIdsToBase64(JSON.parse(new TextDecoder().decode(body))))
    : RequestType.decode(body);
  return RequestType.toObject(message, TO_OBJECT) as DecodedRequest;
}

/** Handles `POST /v1/traces`. */
export async function otlpTraces(c: Context, traces: TraceStore) {
  const experimentId = c.req.header("x-mlflow-experiment-id");
  if (!experimentId) {
    // FastAPI's validation error for a missing required header.
    return new Response(
      JSON.stringify({
        detail: [{
          type: "missing",
          loc: ["header", "x-mlflow-experiment-id"],
          msg: "Field required",
          input: null,
        }],
      }),
      { status: 422, headers: { "content-type": "application/json" } },
    );
  }
  const contentType = c.req.header("content-type");
  const media = contentType === undefined ? null : contentType.split(";")[0]!.trim();
  if (media !== "application/x-protobuf" && media !== "application/json") {
    return detail(
      400,
      `Invalid Content-Type: ${
        contentType ?? null
      }. Expected: application/x-protobuf or application/json`,
    );
  }
  // Bounded like every JSON body (--max-json-body-bytes), before and after inflating.
  const raw = await readBodyBytes(c);
  let decoded: DecodedRequest;
  try {
    const encoding = (c.req.header("content-encoding") ?? "").toLowerCase();
    const body = await decompress(raw, encoding, jsonBodyLimitOf(c));
    decoded = decodeOtlp(body, media === "application/json");
  } catch (e) {
    if (e instanceof HTTPException && e.status === 413) throw e;
    return detail(400, "Invalid OpenTelemetry format");
  }
  if (!decoded.resourceSpans || decoded.resourceSpans.length === 0) {
    return detail(400, "Invalid OpenTelemetry format - no spans found");
  }
  const batches: SpanBatch[] = [];
  for (const rs of decoded.resourceSpans) {
    const spans = (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? []);
    if (spans.some((s) => !s.traceId || !s.spanId)) {
      return detail(422, "Cannot convert OpenTelemetry span to MLflow span");
    }
    batches.push({ resource: rs.resource?.attributes ?? [], spans });
  }
  try {
    const completed = await logSpans(traces, experimentId, batches);
    const runId = c.req.header("x-mlflow-run-id");
    if (runId && completed.length > 0) {
      try {
        await traces.linkToRun(completed, runId);
      } catch {
        // MLflow logs and ignores a failed run link.
      }
    }
  } catch (e) {
    if (e instanceof MlflowError) {
      return new Response(JSON.stringify(e.toJSON()), {
        status: httpStatusOf(e.code),
        headers: { "content-type": "application/json" },
      });
    }
    throw e;
  }
  const out = ResponseType.encode(ResponseType.create({})).finish();
  return new Response(out as BodyInit, {
    headers: { "content-type": "application/x-protobuf" },
  });
}
