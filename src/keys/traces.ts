/**
 * Trace keys of the key schema (GenAI tracing, MLflow 3): a trace's partition (info and span
 * items), its sharded experiment listing in GSI1, and the run-to-trace links. Part of
 * `key_schema.ts`, which re-exports it; import that, not this file.
 *
 * @module
 */
import { fnv1a, type Gsi1Key, type Key, padInverted } from "./names.ts";

// Traces (GenAI tracing, MLflow 3)
//
// A trace is one partition `TR#<trace_id>`: the info item (`I`: state, times, previews, tags,
// metadata and assessments in one item) and one item per span (`S#<span_id>`), so a trace with
// its spans is one paged Query and the info alone one GetItem. The info item is listed through
// GSI1 in one of TRACE_SHARDS partitions per experiment, newest first, so an experiment ingesting
// thousands of traces per second spreads its index writes. Traces of a run are found through
// small link items in `RUNTR#<run_id>`.

/** Index partitions per experiment for the trace listing (see docs, "hot partitions"). */
export const TRACE_SHARDS = 16;

/** Which listing shard a trace lives in. */
export function traceShard(traceId: string): number {
  return fnv1a(traceId) % TRACE_SHARDS;
}

/** The partition of one trace: info, spans. */
export const tracePartitionPk = (traceId: string): string => `TR#${traceId}`;

/** Sort key of the trace info item; sorts before every span item. */
export const TRACE_INFO_SK = "I";
/** Sort key prefix of span items. */
export const TRACE_SPAN_PREFIX = "S#";

/** The trace info item (tags, metadata and assessments inside it). */
export const traceInfoKey = (traceId: string): Key => ({
  pk: tracePartitionPk(traceId),
  sk: TRACE_INFO_SK,
});

/** One span of a trace (its OTLP payload, or a pointer to the artifact store when too big). */
export const traceSpanKey = (traceId: string, spanId: string): Key => ({
  pk: tracePartitionPk(traceId),
  sk: `${TRACE_SPAN_PREFIX}${spanId}`,
});

/** Index attributes of a trace info item: experiment shard, newest request time first. */
export const traceGsi1 = (experimentId: string, traceId: string, timestampMs: number): Gsi1Key => ({
  gsi1pk: tracesGsi1Pk(experimentId, traceShard(traceId)),
  gsi1sk: traceGsi1Sk(traceId, timestampMs),
});
export const tracesGsi1Pk = (experimentId: string, shard: number): string =>
  `EXPTR#${experimentId}#${shard}`;
export const traceGsi1Sk = (traceId: string, timestampMs: number): string =>
  `${padInverted(Math.max(0, Math.trunc(timestampMs)))}#${traceId}`;
/** The smallest `gsi1sk` of traces at or before `timestampMs` (the index is newest first). */
export const traceGsi1SkAtOrBefore = (timestampMs: number): string =>
  `${padInverted(Math.max(0, Math.trunc(timestampMs)))}#`;

/** Link item: trace `traceId` belongs to run `runId` (`mlflow.sourceRun` or link-to-run). */
export const runTraceKey = (runId: string, traceId: string): Key => ({
  pk: runTracesPk(runId),
  sk: traceId,
});
export const runTracesPk = (runId: string): string => `RUNTR#${runId}`;
