/**
 * Traces over the table: start (the client's `StartTraceV3`, sent when a trace ends), info and
 * span reads, tags, run and prompt links. Spans arriving through OTLP are in `log_spans.ts`,
 * assessments in `assessments.ts`, search in `search_traces.ts`, deletion in `delete_traces.ts`.
 *
 * The info item changes by read-modify-write guarded by a version number (`ver`), because
 * spans of one trace may arrive in several concurrent requests, before or after the client's
 * `StartTraceV3`; a lost race is retried.
 *
 * @module
 */
import {
  runTraceKey,
  TRACE_INFO_SK,
  traceInfoKey,
  tracePartitionPk,
} from "../../keys/key_schema.ts";
import { batchGetAll, batchWriteAll, queryAll } from "../../dynamo/batch.ts";
import { invalidParameter, MlflowError, notFound } from "../../errors.ts";
import { pooledMap } from "../../util/pool.ts";
import { type Db, errorName, isConditionFailure, rawKey, toItem } from "../db.ts";
import type { ExperimentStore } from "../experiments/experiment_store.ts";
import { appendToUri } from "../experiments/experiment_item.ts";
import { readSpanItems } from "./span_items.ts";
import type { SpanSpill } from "./span_spill.ts";
import type { StoredSpan } from "./span_model.ts";
import {
  META_INFO_FINALIZED,
  META_SIZE_STATS,
  META_SOURCE_RUN,
  TAG_ARTIFACT_LOCATION,
  TAG_TRACE_NAME,
  traceInfoItem,
  type TraceRecord,
  traceRecordFromItem,
  type TraceState,
} from "./trace_record.ts";

/** What `StartTraceV3` carries (the client's `TraceInfoV3`). */
export interface StartTraceInput {
  traceId: string;
  experimentId: string;
  requestTime: number;
  executionDuration: number | null;
  state: TraceState;
  clientRequestId?: string | null;
  requestPreview?: string | null;
  responsePreview?: string | null;
  tags: Record<string, string>;
  metadata: Record<string, string>;
  assessments: Record<string, unknown>[];
  /**
   * Whether the client's info is final (`StartTraceV3`: metadata `mlflow.trace.infoFinalized`);
   * the legacy v2 start leaves it open, as MLflow's `deprecated_start_trace_v2` does.
   */
  finalized?: boolean;
}

/** Store options. */
export interface TraceStoreOptions {
  /** Days after which DynamoDB's TTL deletes a trace's info item (unset: kept). */
  retentionDays?: number;
  /** Where spans too big for an item go (the artifact store); unset: such spans are refused. */
  spill?: SpanSpill;
  /** Waits before re-reading an incomplete trace in `GetTrace` (MLflow: 1 s, then 2 s). */
  incompleteRetryDelaysMs?: number[];
}

const MAX_MUTATE_ATTEMPTS = 20;
/** `MAX_TRACE_LINKS_PER_REQUEST`. */
export const MAX_TRACE_LINKS_PER_REQUEST = 100;
const MAX_TAG_KEY = 250;
const MAX_TAG_VALUE = 8000;

/** MLflow's message for an absent trace. */
export const traceNotFound = (traceId: string) => notFound(`Trace with ID '${traceId}' not found.`);

/** A trace's info plus its spans. */
export interface TraceWithSpans {
  record: TraceRecord;
  spans: StoredSpan[];
}

/** `_validate_trace_tag`: key ≤ 250, value truncated to 8000. */
export function validateTraceTag(key: string, value: string): [string, string] {
  if (!key) throw invalidParameter("Missing value for required parameter 'key'.");
  if (key.length > MAX_TAG_KEY) {
    throw invalidParameter(`'key' exceeds the maximum length of ${MAX_TAG_KEY} characters`);
  }
  return [key, value.length > MAX_TAG_VALUE ? value.slice(0, MAX_TAG_VALUE) : value];
}

/** Trace operations over the table. */
/** The longest trace id a run link accepts (DynamoDB sort keys hold at most 1,024 bytes). */
const MAX_LINKED_TRACE_ID_BYTES = 512;

export class TraceStore {
  constructor(
    readonly db: Db,
    readonly experiments: ExperimentStore,
    readonly options: TraceStoreOptions = {},
  ) {}

  /** The TTL (epoch seconds) a new trace gets, if retention is configured. */
  expiresAt(requestTimeMs: number): number | undefined {
    const days = this.options.retentionDays;
    if (!days || days <= 0) return undefined;
    return Math.floor(Math.max(requestTimeMs, Date.now()) / 1000) + Math.round(days * 86400);
  }

  /** The artifact location MLflow tags every trace with. */
  static artifactLocation(experimentArtifactLocation: string, traceId: string): string {
    return appendToUri(
      appendToUri(appendToUri(experimentArtifactLocation, "traces"), traceId),
      "artifacts",
    );
  }

  /** The info record, or undefined. */
  async findRecord(traceId: string): Promise<TraceRecord | undefined> {
    const { Item } = await this.db.port.getItem({
      TableName: this.db.table,
      Key: rawKey(traceInfoKey(traceId)),
      ConsistentRead: true,
    });
    return Item ? traceRecordFromItem(Item) : undefined;
  }

  /** The info record; 404 when absent. */
  async getRecord(traceId: string): Promise<TraceRecord> {
    const record = await this.findRecord(traceId);
    if (!record) throw traceNotFound(traceId);
    return record;
  }

  /** Many info records (absent ids are skipped), in the order asked. */
  async getRecords(traceIds: string[]): Promise<TraceRecord[]> {
    const unique = [...new Set(traceIds)];
    const items = await batchGetAll(
      this.db.port,
      this.db.table,
      unique.map((id) => rawKey(traceInfoKey(id))),
      true,
    );
    const byId = new Map(items.map((i) => {
      const r = traceRecordFromItem(i);
      return [r.trace_id, r] as const;
    }));
    return unique.map((id) => byId.get(id)).filter((r): r is TraceRecord => r !== undefined);
  }

  /**
   * Reads, changes and writes back one info item, retrying when another writer got there
   * first. `change` gets the current record (undefined when absent) and returns the new one,
   * or null to write nothing. `known`: the record the caller has just read (the first attempt
   * uses it instead of reading again; a conflict re-reads).
   */
  async mutate(
    traceId: string,
    change: (current: TraceRecord | undefined) => TraceRecord | null | Promise<TraceRecord | null>,
    known?: { record: TraceRecord | undefined },
  ): Promise<TraceRecord | undefined> {
    for (let attempt = 0; attempt < MAX_MUTATE_ATTEMPTS; attempt++) {
      const current = attempt === 0 && known ? known.record : await this.findRecord(traceId);
      const next = await change(current === undefined ? undefined : structuredClone(current));
      if (next === null) return current;
      next.ver = (current?.ver ?? 0) + 1;
      try {
        await this.db.port.putItem({
          TableName: this.db.table,
          Item: traceInfoItem(next),
          ConditionExpression: current ? "ver = :v" : "attribute_not_exists(pk)",
          ...(current ? { ExpressionAttributeValues: { ":v": { N: String(current.ver) } } } : {}),
        });
        return next;
      } catch (e) {
        if (errorName(e) === "ValidationException" && /size/i.test((e as Error).message)) {
          // Tags, metadata and assessments share the 400 KB item: refuse, change nothing.
          throw invalidParameter(
            `Trace '${traceId}' would exceed the maximum stored size (its tags, metadata and ` +
              "assessments together must stay under 400 KB).",
          );
        }
        if (!isConditionFailure(e)) throw e;
      }
    }
    throw new MlflowError(
      "TEMPORARILY_UNAVAILABLE",
      `Trace '${traceId}' is being changed by too many writers; try again.`,
    );
  }

  /** `StartTraceV3`: creates the trace or completes the one spans already created. */
  async startTrace(input: StartTraceInput): Promise<TraceRecord> {
    const experiment = await this.experiments.get(input.experimentId);
    if (experiment.lifecycleStage !== "active") {
      throw invalidParameter(
        `The experiment ${experiment.experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`,
      );
    }
    const artifactLocation = TraceStore.artifactLocation(
      experiment.artifactLocation,
      input.traceId,
    );
    const now = new Date().toISOString();
    const record = await this.mutate(input.traceId, (current) => {
      const base: TraceRecord = current ?? {
        trace_id: input.traceId,
        experiment_id: input.experimentId,
        request_time: input.requestTime,
        execution_duration: null,
        state: input.state,
        tags: {},
        metadata: {},
        assessments: {},
        linked_runs: [],
        ver: 0,
      };
      base.experiment_id = input.experimentId;
      base.request_time = input.requestTime;
      base.execution_duration = input.executionDuration;
      base.state = input.state;
      base.client_request_id = input.clientRequestId ?? null;
      if (input.requestPreview != null || !current) {
        base.request_preview = input.requestPreview ?? base.request_preview ?? null;
      }
      if (input.responsePreview != null || !current) {
        base.response_preview = input.responsePreview ?? base.response_preview ?? null;
      }
      for (const [k, v] of Object.entries(input.tags)) {
        const [key, value] = validateTraceTag(k, v);
        base.tags[key] = value;
      }
      base.tags[TAG_ARTIFACT_LOCATION] = artifactLocation;
      Object.assign(base.metadata, input.metadata);
      if (input.finalized !== false) base.metadata[META_INFO_FINALIZED] = "true";
      for (const a of input.assessments) {
        const id = String(a.assessment_id ?? `a-${crypto.randomUUID().replaceAll("-", "")}`);
        base.assessments[id] = JSON.stringify({
          ...a,
          assessment_id: id,
          trace_id: input.traceId,
          create_time: a.create_time ?? now,
          last_update_time: a.last_update_time ?? now,
        });
      }
      const expires = this.expiresAt(base.request_time);
      if (expires !== undefined && base.expires_at === undefined) base.expires_at = expires;
      return base;
    });
    const runId = record!.metadata[META_SOURCE_RUN];
    if (runId) await this.writeRunLinks(runId, [input.traceId]);
    return record!;
  }

  /** Writes the `RUNTR#` link items. */
  async writeRunLinks(runId: string, traceIds: string[]): Promise<void> {
    await batchWriteAll(
      this.db.port,
      this.db.table,
      traceIds.map((id) => ({ PutRequest: { Item: toItem({ ...runTraceKey(runId, id) }) } })),
    );
  }

  /** The trace and its spans (one paged Query); spans root first, then by start time. */
  async getWithSpans(traceId: string): Promise<TraceWithSpans> {
    const items = await queryAll(this.db.port, {
      TableName: this.db.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: tracePartitionPk(traceId) } },
      ConsistentRead: true,
    });
    const info = items.find((i) => i.sk?.S === TRACE_INFO_SK);
    if (!info) throw notFound(`Trace with ID ${traceId} is not found.`);
    const spans = await readSpanItems(
      items.filter((i) => i.sk?.S !== TRACE_INFO_SK),
      this.options.spill,
    );
    return { record: traceRecordFromItem(info), spans: sortSpans(spans) };
  }

  /**
   * `GetTrace`: 404 until every span the client reported (size stats) has arrived. Like MLflow's
   * SQL store it re-reads twice (after 1 s and 2 s) before giving up, since spans may still be
   * on their way.
   */
  async getTrace(traceId: string, allowPartial: boolean): Promise<TraceWithSpans> {
    const delays = this.options.incompleteRetryDelaysMs ?? [1000, 2000];
    for (let attempt = 0;; attempt++) {
      const trace = await this.getWithSpans(traceId);
      if (allowPartial || isComplete(trace)) return trace;
      const delay = delays[attempt];
      if (delay === undefined) break;
      await new Promise((r) => setTimeout(r, delay));
    }
    throw notFound(`Trace with ID ${traceId} is not fully exported yet, please try again later.`);
  }

  /** `BatchGetTraces`: the traces found (with their spans). */
  async batchGetTraces(traceIds: string[]): Promise<TraceWithSpans[]> {
    const found = await pooledMap([...new Set(traceIds)], async (id) => {
      try {
        return await this.getWithSpans(id);
      } catch (e) {
        if (e instanceof MlflowError && e.code === "RESOURCE_DOES_NOT_EXIST") return undefined;
        throw e;
      }
    });
    return found.filter((t): t is TraceWithSpans => t !== undefined);
  }

  /** Sets a tag (the trace name tag included). */
  async setTag(traceId: string, key: string, value: string): Promise<void> {
    const [k, v] = validateTraceTag(key, value);
    await this.mutate(traceId, (current) => {
      if (!current) throw traceNotFound(traceId);
      current.tags[k] = v;
      return current;
    });
  }

  /** Deletes a tag; 404 when the trace or the tag is absent. */
  async deleteTag(traceId: string, key: string): Promise<void> {
    await this.mutate(traceId, (current) => {
      if (!current) throw traceNotFound(traceId);
      if (!(key in current.tags)) {
        throw notFound(`No trace tag with key '${key}' for trace with ID '${traceId}'`);
      }
      delete current.tags[key];
      return current;
    });
  }

  /** `LinkTracesToRun`: unknown traces are skipped, as MLflow filters them. */
  async linkToRun(traceIds: string[], runId: string): Promise<void> {
    if (traceIds.length === 0) return;
    if (traceIds.length > MAX_TRACE_LINKS_PER_REQUEST) {
      throw invalidParameter(
        `Cannot link more than ${MAX_TRACE_LINKS_PER_REQUEST} traces to a run in a single request. Provided ${traceIds.length} traces.`,
      );
    }
    // Like MLflow's association rows, a link to a trace whose spans are still on their way (the
    // client exports asynchronously) is kept: the run's link item names it, and a search by
    // `run_id` finds the trace once it arrives.
    const ids = [...new Set(traceIds)];
    // The link item's sort key is the trace id: an empty or oversized one can name no trace.
    for (const id of ids) {
      if (id === "" || new TextEncoder().encode(id).length > MAX_LINKED_TRACE_ID_BYTES) {
        throw invalidParameter(`Invalid trace ID '${id.slice(0, 100)}': no trace has this ID.`);
      }
    }
    await pooledMap(ids, async (id) => {
      await this.mutate(id, (current) => {
        if (!current) return null;
        if (current.linked_runs?.includes(runId)) return null;
        current.linked_runs = [...(current.linked_runs ?? []), runId];
        return current;
      });
    });
    await this.writeRunLinks(runId, ids);
  }

  /**
   * `LinkPromptsToTrace`: records the prompt versions on the trace (MLflow keeps them as entity
   * associations; the client itself then updates the `mlflow.linkedPrompts` tag).
   */
  async linkPrompts(traceId: string, prompts: { name: string; version: string }[]): Promise<void> {
    if (prompts.length === 0) return;
    await this.mutate(traceId, (current) => {
      if (!current) throw traceNotFound(traceId);
      const linked = new Set(current.linked_prompts ?? []);
      const before = linked.size;
      for (const p of prompts) linked.add(`${p.name}/${p.version}`);
      if (linked.size === before) return null;
      current.linked_prompts = [...linked];
      return current;
    });
  }
}

/** Root spans first, then by start time (as MLflow returns them). */
export function sortSpans(spans: StoredSpan[]): StoredSpan[] {
  return [...spans].sort((a, b) => {
    const ra = a.parentSpanId ? 1 : 0;
    const rb = b.parentSpanId ? 1 : 0;
    if (ra !== rb) return ra - rb;
    const sa = BigInt(a.startTimeUnixNano ?? "0");
    const sb = BigInt(b.startTimeUnixNano ?? "0");
    return sa < sb ? -1 : sa > sb ? 1 : 0;
  });
}

/** True when the spans the client announced (`mlflow.trace.sizeStats.num_spans`) are all here. */
export function isComplete(trace: TraceWithSpans): boolean {
  const stats = trace.record.metadata[META_SIZE_STATS];
  if (!stats) return trace.spans.length > 0;
  try {
    const n = Number(JSON.parse(stats).num_spans ?? 0);
    return trace.spans.length >= n && trace.spans.length > 0;
  } catch {
    return trace.spans.length > 0;
  }
}

export { TAG_TRACE_NAME };
