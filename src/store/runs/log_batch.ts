/**
 * `log-batch` (and the single-value log calls built on it).
 *
 * Order of writes, so that a rejected request writes nothing: everything is validated first;
 * then params (one transaction, the only write a user error can fail), then tags (one update of
 * the record), then the metric history chunk, then the latest-value group (registered on the
 * record before it is first written). A failure part-way leaves the points in the history only,
 * never in a group that one route reads and another does not; the client's retry completes it
 * (identical points are read once).
 *
 * Cost of a 10-key metric batch: one chunk (≤ 1 KB, 1 WCU) + one group put (≤ 1 KB, 1 WCU) =
 * 0.2 WCU per point; a 1000-point batch ≈ 40 KB chunk + one group ≈ 0.045 WCU per point.
 *
 * Hot path: a metric-only batch to a run this process found active within the last second
 * (`RunStore.activeGroups`) reads nothing: two calls, the chunk PutItem and the group's
 * conditional PutItem (`metric_groups.ts`), and concurrent batches of one group share the latter.
 * A batch with params or tags reads the record strongly (legacy params, the listing key) but
 * trusts an experiment found active within the last second (`ExperimentStore.cachedActive`):
 * a steady-state param batch is two calls, the GetItem and the params' transaction.
 *
 * @module
 */
import { invalidParameter } from "../../errors.ts";
import type { Db } from "../db.ts";
import type { Metric, Tag } from "../entities.ts";
import { appendModelMetrics } from "../logged_models/model_metrics.ts";
import { appendChunk } from "../metrics/metric_history.ts";
import { noteAppended } from "../metrics/compaction_scheduler.ts";
import { writeLatest } from "../metrics/metric_groups.ts";
import {
  MAX_ENTITIES_PER_BATCH,
  MAX_METRICS_PER_BATCH,
  MAX_PARAMS_TAGS_PER_BATCH,
  validateKey,
} from "../validation.ts";
import type { RunStore } from "./run_store.ts";

/** A log-batch request after wire parsing. */
export interface LogBatchInput {
  metrics: Metric[];
  params: Tag[];
  tags: Tag[];
}

function validateLimits(b: LogBatchInput): void {
  const check = (n: number, max: number, what: string) => {
    if (n > max) {
      throw invalidParameter(
        `A batch logging request can contain at most ${max} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`,
      );
    }
  };
  check(b.metrics.length, MAX_METRICS_PER_BATCH, "metrics");
  check(b.params.length, MAX_PARAMS_TAGS_PER_BATCH, "params");
  check(b.tags.length, MAX_PARAMS_TAGS_PER_BATCH, "tags");
  const total = b.metrics.length + b.params.length + b.tags.length;
  if (total > MAX_ENTITIES_PER_BATCH) {
    throw invalidParameter(
      `A batch logging request can contain at most ${MAX_ENTITIES_PER_BATCH} metrics, params, and tags in total. Got ${total} total. Please split up metrics, params, and tags across multiple requests and try again.`,
    );
  }
}

/** MLflow rejects a batch that repeats a param key, even with the same value. */
function validateParamsUnique(params: Tag[]): Tag[] {
  const seen = new Set<string>();
  const dupes: string[] = [];
  for (const p of params) {
    if (seen.has(p.key)) dupes.push(p.key);
    seen.add(p.key);
  }
  if (dupes.length > 0) {
    throw invalidParameter(
      `Duplicate parameter keys have been submitted: [${
        dupes.map((k) => `'${k}'`).join(", ")
      }]. Please ensure the request contains only one param value per param key.`,
    );
  }
  return params;
}

function validateMetric(m: Metric): void {
  validateKey(m.key, "metric");
  if (typeof m.value !== "number") {
    throw invalidParameter(
      `Got invalid value ${m.value} for metric '${m.key}' (timestamp=${m.timestamp}). Please specify value as a valid double (64-bit floating point)`,
    );
  }
  if (!Number.isSafeInteger(m.timestamp) || m.timestamp < 0) {
    throw invalidParameter(
      `Got invalid timestamp ${m.timestamp} for metric '${m.key}' (value=${m.value}). Timestamp must be a nonnegative long (64-bit integer) `,
    );
  }
  if (!Number.isSafeInteger(m.step)) {
    throw invalidParameter(
      `Got invalid step ${m.step} for metric '${m.key}' (value=${m.value}). Step must be a valid long (64-bit integer).`,
    );
  }
}

/** Validates and writes a batch to an active run. */
export async function logBatch(runs: RunStore, runId: string, batch: LogBatchInput): Promise<void> {
  validateLimits(batch);
  const params = validateParamsUnique(batch.params);
  for (const p of params) validateKey(p.key, "param");
  for (const t of batch.tags) validateKey(t.key, "tag");
  for (const m of batch.metrics) validateMetric(m);
  // A tag key given twice: the last value wins, as in MLflow's `_set_tags`.
  const tags = [...new Map(batch.tags.map((t) => [t.key, t])).values()];
  if (params.length === 0 && tags.length === 0) {
    // The hot path: a metric-only batch needs no read of the run record (see the module notes).
    const groups = await runs.activeGroups(runId);
    if (batch.metrics.length > 0) await writeMetrics(runs.db, runId, batch.metrics, groups);
    return;
  }
  const { record } = await runs.loadActive(runId, true);
  await runs.writeParamsAndTags(runId, params, tags, record);
  if (batch.metrics.length > 0) {
    await writeMetrics(runs.db, runId, batch.metrics, new Set(record.groups ?? []));
  }
}

/**
 * Appends history, then folds the latest values into the key set's group. Points that carry a
 * `model_id` are also appended to their logged models (no extra request otherwise).
 * `registered`: the run record's group ids, when the caller has read the record.
 */
export async function writeMetrics(
  db: Db,
  runId: string,
  metrics: Metric[],
  registered?: Set<string>,
): Promise<void> {
  await Promise.all([appendChunk(db, runId, metrics), appendModelMetrics(db, runId, metrics)]);
  noteAppended(db, runId, metrics.length); // may queue a background compaction; never waits
  await writeLatest(db, runId, metrics, registered);
}
