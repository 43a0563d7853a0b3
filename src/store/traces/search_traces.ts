/**
 * `SearchTracesV3` over the listing index. Each experiment's traces sit in TRACE_SHARDS index
 * partitions, each sorted newest first (`gsi1sk` = inverted request time, then trace id). The
 * default order (request time descending, trace id ascending) is exactly ascending `gsi1sk`, so
 * a page is a k-way merge of the shards that stops as soon as the page is full; the page token
 * is the last `gsi1sk` returned, and the next page starts after it in every shard. Any other
 * `order_by` reads the experiments' listings in full, sorts, and pages by offset.
 *
 * Filters run on the index items (which carry tags, metadata and assessments). A filter on
 * `trace.run_id = '<run>'` reads the run's link items (`RUNTR#<run>`) and those traces only.
 *
 * @module
 */
import type { QueryCommandInput } from "@aws-sdk/client-dynamodb";
import { runTracesPk, TRACE_SHARDS, traceInfoKey } from "../../keys/key_schema.ts";
import { batchGetAll, queryAll } from "../../dynamo/batch.ts";
import { queryPages } from "../../dynamo/query_pages.ts";
import { pooledMap } from "../../util/pool.ts";
import { keepVisible, type VisibleExperiments } from "../visible_experiments.ts";
import { decodeOptionalPageToken, encodePageToken } from "../../search/page_token.ts";
import {
  parseTraceFilter,
  spanClausesNeedingRows,
  traceMatcher,
  type TraceSearchRecord,
} from "../../search/traces_filter.ts";
import {
  isDefaultOrder,
  orderKeeps,
  parseTraceOrderBy,
  traceComparator,
} from "../../search/traces_order.ts";
import type { SpanSpill } from "./span_spill.ts";
import { spanFilter } from "./span_rows.ts";
import { type Db, type RawItem, rawKey } from "../db.ts";
import { emptyRange, narrowing, shardQuery } from "./listing_query.ts";
import {
  META_SOURCE_RUN,
  recordAssessments,
  type TraceRecord,
  traceRecordFromItem,
} from "./trace_record.ts";

/** A search request. */
export interface SearchTracesInput {
  experimentIds: string[];
  filter?: string;
  maxResults: number;
  orderBy: string[];
  pageToken?: string;
  /** Where spans too big for an item live (read by span-content filters). */
  spill?: SpanSpill;
  /** The experiments the request may read: the others are skipped unread. */
  visible?: VisibleExperiments;
}

/** A page of results. */
export interface SearchTracesPage {
  traces: TraceRecord[];
  nextPageToken?: string;
}

function assessmentValue(a: Record<string, unknown>): unknown {
  const holder = (a.feedback ?? a.expectation) as Record<string, unknown> | undefined;
  if (!holder) return null;
  if ("value" in holder) return holder.value;
  const serialized = holder.serialized_value as { value?: string } | undefined;
  if (serialized?.value !== undefined) {
    try {
      return JSON.parse(serialized.value);
    } catch {
      return serialized.value;
    }
  }
  return null;
}

/** The view of a record the filter and comparator read. */
export function searchRecord(r: TraceRecord): TraceSearchRecord & { record: TraceRecord } {
  let assessments: TraceSearchRecord["assessments"] | undefined;
  return {
    ...r,
    // Parsed only when a filter reads assessments.
    get assessments() {
      assessments ??= recordAssessments(r).map((a) => ({
        name: String(a.assessment_name ?? ""),
        kind: a.expectation !== undefined
          ? "expectation" as const
          : a.issue !== undefined
          ? "issue" as const
          : "feedback" as const,
        value: assessmentValue(a),
        valid: a.valid !== false,
      }));
      return assessments;
    },
    record: r,
  };
}

/** Every (experiment, shard) listing. */
function listings(experimentIds: string[]): [string, number][] {
  const out: [string, number][] = [];
  for (const e of new Set(experimentIds)) {
    for (let s = 0; s < TRACE_SHARDS; s++) out.push([e, s]);
  }
  return out;
}

/** Reads every trace of the experiments (for orders the index does not serve). */
export async function readAllTraces(db: Db, experimentIds: string[]): Promise<TraceRecord[]> {
  const parts = await pooledMap(listings(experimentIds), async ([e, s]) => {
    const items: RawItem[] = [];
    for await (
      const page of queryPages(db.port, shardQuery(db.table, e, s, undefined, { empty: false }), {
        pages: "all",
      })
    ) items.push(...page.items);
    return items.map(traceRecordFromItem);
  });
  return parts.flat();
}

/** The traces linked to a run (`RUNTR#<run>` items, then their info items). */
async function readRunTraces(db: Db, runId: string): Promise<TraceRecord[]> {
  const links = await queryAll(db.port, {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": { S: runTracesPk(runId) } },
  });
  const items = await batchGetAll(
    db.port,
    db.table,
    links.map((l) => rawKey(traceInfoKey(l.sk!.S!))),
  );
  // The link item is the link: a trace linked before it arrived has no `linked_runs` entry.
  return items.map(traceRecordFromItem).map((r) =>
    r.linked_runs?.includes(runId) || r.metadata[META_SOURCE_RUN] === runId
      ? r
      : { ...r, linked_runs: [...(r.linked_runs ?? []), runId] }
  );
}

/** One shard's items in index order, read a page at a time. */
class ShardCursor {
  private buffer: RawItem[] = [];
  private pos = 0;
  private pages: AsyncGenerator<{ items: RawItem[] }>;
  private done = false;
  constructor(db: Db, input: QueryCommandInput, pageSize: number) {
    this.pages = queryPages(db.port, { ...input, Limit: pageSize }, {
      pages: "all",
    });
  }
  /** True when the next item must be read from DynamoDB first. */
  get empty(): boolean {
    return this.pos >= this.buffer.length && !this.done;
  }
  /** Reads pages until an item is buffered or the shard is exhausted. */
  async fill(): Promise<void> {
    while (this.empty) {
      const next = await this.pages.next();
      if (next.done) this.done = true;
      else {
        this.buffer = next.value.items;
        this.pos = 0;
      }
    }
  }
  peek(): RawItem | undefined {
    return this.buffer[this.pos];
  }
  shift(): void {
    this.pos++;
  }
}

/** Searches traces. */
export async function searchTraces(
  db: Db,
  request: SearchTracesInput,
): Promise<SearchTracesPage> {
  const clauses = parseTraceFilter(request.filter);
  const order = parseTraceOrderBy(request.orderBy);
  const matches = traceMatcher(clauses);
  // Span clauses the record's facets cannot answer: read the spans of the traces that pass.
  const spansOk = spanFilter(db, spanClausesNeedingRows(clauses), request.spill);
  // The page token keeps the ids as requested; the search reads the visible ones only.
  const query = {
    e: [...request.experimentIds].sort(),
    f: request.filter ?? "",
    o: request.orderBy,
  };
  const input = {
    ...request,
    experimentIds: await keepVisible(request.visible, request.experimentIds),
  };
  const max = input.maxResults;
  if (max <= 0 || input.experimentIds.length === 0) return { traces: [] };

  // `trace.run_id = '<run>'`: the run's link items name its traces; no listing is read.
  const runClause = clauses.find((c) =>
    c.kind === "metadata" && c.key === META_SOURCE_RUN && c.comparator === "=" &&
    typeof c.value === "string"
  );
  const candidates = runClause ? () => readRunTraces(db, String(runClause.value)) : undefined;

  if (candidates || !isDefaultOrder(order)) {
    const cursor = decodeOptionalPageToken<{ offset: number }>(input.pageToken, query);
    const offset = cursor?.offset ?? 0;
    const experiments = new Set(input.experimentIds);
    const read = candidates
      ? (await candidates()).filter((r) => experiments.has(r.experiment_id))
      : await readAllTraces(db, input.experimentIds);
    const keeps = orderKeeps(order);
    const candidatesOk = read.map(searchRecord).filter((r) => matches(r) && keeps(r));
    const spanChecks = await pooledMap(candidatesOk, (r) => spansOk(r.trace_id));
    const all = candidatesOk.filter((_, i) => spanChecks[i]);
    const cmp = traceComparator(order, (r) =>
      (r as ReturnType<typeof searchRecord>).record
        .experiment_id);
    all.sort(cmp);
    const page = all.slice(offset, offset + max);
    return {
      traces: page.map((r) => (r as ReturnType<typeof searchRecord>).record),
      nextPageToken: offset + max < all.length
        ? encodePageToken({ offset: offset + max }, query)
        : undefined,
    };
  }

  const cursor = decodeOptionalPageToken<{ after: string }>(input.pageToken, query);
  // Each shard holds about 1/n of a page; read twice that per call, more only when needed. A
  // filter may skip most items, so filtered searches read bigger pages.
  const parts = listings(input.experimentIds);
  const share = Math.ceil(((max + 1) / parts.length) * 2);
  const pageSize = Math.min(1000, Math.max(clauses.length > 0 ? 100 : 10, share));
  const narrow = narrowing(clauses);
  if (narrow.empty) return { traces: [] };
  const shards = parts
    .map(([e, s]) => shardQuery(db.table, e, s, cursor?.after, narrow))
    .filter((q) => !emptyRange(q))
    .map((q) => new ShardCursor(db, q, pageSize));
  const out: TraceRecord[] = [];
  let lastSk: string | undefined;
  for (;;) {
    const empty = shards.filter((s) => s.empty);
    if (empty.length > 0) await pooledMap(empty, (s) => s.fill());
    let best: ShardCursor | undefined;
    for (const s of shards) {
      const h = s.peek();
      if (h && (!best || h.gsi1sk!.S! < best.peek()!.gsi1sk!.S!)) best = s;
    }
    if (!best) return { traces: out };
    const item = best.peek()!;
    best.shift();
    const record = traceRecordFromItem(item);
    if (!matches(searchRecord(record)) || !(await spansOk(record.trace_id))) continue;
    if (out.length === max) {
      return { traces: out, nextPageToken: encodePageToken({ after: lastSk }, query) };
    }
    out.push(record);
    lastSk = item.gsi1sk!.S!;
  }
}
