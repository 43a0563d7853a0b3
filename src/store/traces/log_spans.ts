/**
 * Spans arriving through OTLP (`log_spans` in MLflow's SQL store): the spans of each trace are
 * written as span items, then the trace's info item is created or updated from them (see
 * `derive.ts`). Spans of one trace may come in any number of requests, in any order, before or
 * after the client's `StartTraceV3`; each request folds its spans into the info item.
 *
 * Spans only ever join a trace of the experiment the request names: a span whose trace exists
 * in another experiment refuses the whole request before anything is written (MLflow appends it
 * to the foreign trace, so EDIT on one experiment would write into any other's traces).
 *
 * @module
 */
import { batchWriteAll } from "../../dynamo/batch.ts";
import { pooledMap } from "../../util/pool.ts";
import { aggregateSpans, applySpanAggregate } from "./derive.ts";
import { type KeyValue, pyJsonOfAnyValue } from "./otlp_values.ts";
import { spanPutRequest } from "./span_items.ts";
import { translateOtelSpan } from "./otel_translation.ts";
import { mlflowTraceId, type StoredSpan } from "./span_model.ts";
import { TAG_ARTIFACT_LOCATION, type TraceRecord } from "./trace_record.ts";
import { TraceStore, validateTraceTag } from "./trace_store.ts";
import { invalidParameter } from "../../errors.ts";

function foreignTrace(traceId: string, experimentId: string) {
  return invalidParameter(
    `Trace '${traceId}' does not belong to experiment ${experimentId} ` +
      "(X-Mlflow-Experiment-Id); spans can only be added to traces of that experiment.",
  );
}

/** Spans that share one OTLP resource. */
export interface SpanBatch {
  resource: KeyValue[];
  spans: StoredSpan[];
}

/** Trace tags from resource attributes (MLflow skips `telemetry.sdk.*` and `mlflow.*`). */
export function resourceTags(resource: KeyValue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of resource) {
    if (a.key.startsWith("telemetry.sdk.") || a.key.startsWith("mlflow.")) continue;
    const v = a.value;
    const text = v?.stringValue !== undefined ? v.stringValue : pyJsonOfAnyValue(v);
    try {
      const [k, value] = validateTraceTag(a.key, text);
      out[k] = value;
    } catch {
      // MLflow skips invalid resource attributes.
    }
  }
  return out;
}

/**
 * The OTel clients whose `service.name` MLflow copies onto root spans (`_KNOWN_SERVICE_NAMES`
 * in `mlflow/server/otel_api.py`); other names are not stored on spans.
 */
const KNOWN_SERVICE_NAMES = new Set([
  "claude-code",
  "codex_cli_rs",
  "codex_vscode",
  "gemini-cli",
  "qwen-code",
]);

/** The resource's `service.name` when it is a known client's, else null. */
function knownServiceName(resource: KeyValue[]): string | null {
  const attr = resource.find((a) => a.key === "service.name");
  if (!attr?.value) return null;
  const v = attr.value;
  const text = v.stringValue !== undefined ? v.stringValue : pyJsonOfAnyValue(v);
  return KNOWN_SERVICE_NAMES.has(text) ? text : null;
}

/** A root span with the resource's known `service.name` as an attribute (as MLflow's server). */
function withServiceName(span: StoredSpan, service: string | null): StoredSpan {
  if (service === null || span.parentSpanId) return span;
  const attributes = (span.attributes ?? []).filter((a) => a.key !== "service.name");
  attributes.push({ key: "service.name", value: { stringValue: service } });
  return { ...span, attributes };
}

/** Stores the spans; returns the ids of the traces whose root span arrived. */
export async function logSpans(
  store: TraceStore,
  experimentId: string,
  batches: SpanBatch[],
): Promise<string[]> {
  const byTrace = new Map<string, { spans: StoredSpan[]; tags: Record<string, string> }>();
  for (const batch of batches) {
    const tags = resourceTags(batch.resource);
    const service = knownServiceName(batch.resource);
    for (const received of batch.spans) {
      const span = translateOtelSpan(withServiceName(received, service));
      const id = mlflowTraceId(span);
      const entry = byTrace.get(id) ?? { spans: [], tags: {} };
      entry.spans.push(span);
      Object.assign(entry.tags, tags);
      byTrace.set(id, entry);
    }
  }
  if (byTrace.size === 0) return [];
  // 404 for an unknown experiment, before anything is written.
  const experiment = await store.experiments.get(experimentId);
  // Every trace is read (and checked) before any span is written: one read per trace, which
  // the info update below reuses instead of reading again.
  const current = new Map(
    await pooledMap([...byTrace.keys()], async (id) => [id, await store.findRecord(id)] as const),
  );
  for (const [id, record] of current) {
    if (record && record.experiment_id !== experimentId) throw foreignTrace(id, experimentId);
  }
  const completed: string[] = [];
  await pooledMap([...byTrace.entries()], async ([traceId, { spans, tags }]) => {
    const agg = aggregateSpans(spans);
    // Span items live as long as the trace: a TTL is set only when retention is configured.
    const expiresAt = store.expiresAt(agg.minStartMs);
    const artifactLocation = TraceStore.artifactLocation(experiment.artifactLocation, traceId);
    const target = { spill: store.options.spill, root: artifactLocation };
    await batchWriteAll(
      store.db.port,
      store.db.table,
      await Promise.all(spans.map((s) => spanPutRequest(traceId, s, expiresAt, target))),
    );
    await store.mutate(traceId, (now) => {
      // A trace started elsewhere between the check above and this write: still refused.
      if (now && now.experiment_id !== experimentId) throw foreignTrace(traceId, experimentId);
      const record: TraceRecord = now ?? {
        trace_id: traceId,
        experiment_id: experimentId,
        request_time: agg.minStartMs,
        execution_duration: null,
        state: "IN_PROGRESS",
        tags: { [TAG_ARTIFACT_LOCATION]: artifactLocation },
        metadata: {},
        assessments: {},
        linked_runs: [],
        ver: 0,
        ...(expiresAt !== undefined ? { expires_at: expiresAt } : {}),
      };
      return applySpanAggregate(record, agg, tags, now === undefined);
    }, { record: current.get(traceId) });
    if (agg.root) completed.push(traceId);
  });
  return completed;
}
