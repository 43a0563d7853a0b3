/**
 * SearchRuns ordered by one metric (`order_by metrics.<key> ASC|DESC`) without reading the whole
 * experiment: the run-end metric index (`metric_index_writes.ts`) holds each ended run's latest
 * value of the key in a partition sorted by value, and the experiment's unindexed set lists the
 * runs whose values it does not hold (running, or logged after their end).
 *
 * A page: read the unindexed runs fully (their count is what is running); Query each
 * experiment's index partition in the order's direction (finite values, narrowed to the range the
 * filter's clauses on the key allow, then NaN, which MLflow puts after every value both ways),
 * read each entry's run (one Query of its partition: record, params, inputs, groups), skip an
 * entry that no longer matches the run's current value (stale) or whose run is unindexed, filter
 * in memory; a row is final once every stream has read past its value (runs tied on a value are
 * ordered by MLflow's comparator: start time DESC, run id ASC, so a tie group is read whole).
 * Stop at the page + 1. Runs without the metric come last in MLflow's order (start time DESC,
 * run id ASC): exactly the run listing, so they are taken from the walk (`search_walk.ts`) once
 * the index is exhausted, unless the filter has a clause on the key (then none can match).
 *
 * The page token holds the last row's value, NaN flag, start time and id: the next page's
 * Queries start at that value, so it never re-reads earlier pages (only the cursor's tie group).
 * See docs/key-schema.md, "Metric-ordered SearchRuns".
 *
 * @module
 */
import {
  encodeIndexValue,
  METRIC_INDEX_NAN_RANGE,
  metricIndexPk,
  metricIndexValueRange,
  parseMetricIndexSk,
  runPartitionPk,
  unindexedRunsPk,
} from "../../keys/key_schema.ts";
import { query } from "../../dynamo/query_pages.ts";
import { pooledMap } from "../../util/pool.ts";
import type { RawItem } from "../db.ts";
import type { Experiment, ViewType } from "../entities.ts";
import {
  type Candidate,
  candidatesOf,
  pageRuns,
  RECORD_SK,
  type RunSearchRecord,
  setGroups,
} from "./search_candidates.ts";
import { METRIC_GROUP_PREFIX } from "../../keys/key_schema.ts";
import type { RunStore } from "./run_store.ts";
import type { MetricOrder, RunSearchCursor, RunSearchPage, RunSearchQuery } from "./search_runs.ts";
import { walkSearch } from "./search_walk.ts";

const MIN_LIMIT = 25;
const MAX_LIMIT = 2000;
const MIN_SHARE = 0.01;

/** A place in the index order: 0 before everything, 1 a finite value, 2 NaN, 3 after all. */
interface Pos {
  rank: 0 | 1 | 2 | 3;
  hex?: string;
}

function cmpPos(a: Pos, b: Pos, ascending: boolean): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.rank !== 1 || a.hex === b.hex) return 0;
  const d = a.hex! < b.hex! ? -1 : 1;
  return ascending ? d : -d;
}

/** Where a run with value `v` sorts (undefined: it has no value of the key). */
function posOfValue(v: number | undefined): Pos | undefined {
  if (v === undefined) return undefined;
  return Number.isNaN(v) ? { rank: 2 } : { rank: 1, hex: encodeIndexValue(v) };
}

function metricOf(r: RunSearchRecord, key: string): number | undefined {
  return Object.hasOwn(r.metrics, key) ? r.metrics[key] : undefined;
}

/** One experiment's index partition of the key, read in order: finite values, then NaN. */
class IndexStream {
  phase: "V" | "N" | "done";
  last: Pos = { rank: 0 };
  private start: RawItem | undefined;

  constructor(
    private readonly pk: string,
    private readonly ascending: boolean,
    private readonly valueRange: [string, string] | undefined,
  ) {
    this.phase = valueRange ? "V" : "N";
  }

  /** Every entry this stream has not returned yet sorts at or after this. */
  frontier(): Pos {
    if (this.phase === "done") return { rank: 3 };
    if (this.phase === "N") return { rank: 2 };
    return this.last;
  }

  async read(runs: RunStore, limit: number): Promise<{ runId: string; pos: Pos }[]> {
    const { db } = runs;
    const [from, to] = this.phase === "V" ? this.valueRange! : METRIC_INDEX_NAN_RANGE;
    const res = await query(db.port, {
      TableName: db.table,
      KeyConditionExpression: "pk = :pk AND sk BETWEEN :a AND :b",
      ExpressionAttributeValues: { ":pk": { S: this.pk }, ":a": { S: from }, ":b": { S: to } },
      ScanIndexForward: this.phase === "N" || this.ascending,
      ConsistentRead: true,
      Limit: limit,
      ...(this.start ? { ExclusiveStartKey: this.start } : {}),
    }, { pages: 1 });
    const out = res.items.map((item) => {
      const { runId, value } = parseMetricIndexSk(item.sk!.S!);
      const pos: Pos = value === undefined ? { rank: 2 } : { rank: 1, hex: value };
      return { runId, pos };
    });
    if (this.phase === "V" && out.length > 0) this.last = out.at(-1)!.pos;
    this.start = res.lastEvaluatedKey;
    if (!this.start) {
      this.phase = this.phase === "V" ? "N" : "done";
      this.last = { rank: 2 };
    }
    return out;
  }
}

/**
 * Reads runs whole, one Query of each run's partition (record, details, metric groups), and
 * returns the candidates `viewType` selects, by run id.
 */
async function readRuns(
  runs: RunStore,
  ids: string[],
  experiments: Map<string, Experiment>,
  viewType: ViewType,
  consistent: boolean,
): Promise<Map<string, Candidate>> {
  const { db } = runs;
  const parts = await pooledMap(ids, (id) =>
    query(db.port, {
      TableName: db.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: runPartitionPk(id) } },
      ConsistentRead: consistent,
    }, { pages: "all" }));
  const found = parts.flatMap(({ items }) => {
    const record = items.find((i) => i.sk?.S === RECORD_SK);
    if (!record || !experiments.has(record.experiment_id?.S ?? "")) return [];
    const groups = items.filter((i) => i.sk!.S!.startsWith(METRIC_GROUP_PREFIX) && i.v?.S)
      .map((i) => i.v!.S!);
    return [{ record, details: items.filter((i) => i !== record), groups }];
  });
  const candidates = await candidatesOf(runs, found, experiments, viewType);
  const groupsOf = new Map(found.map((f) => [f.record.run_id!.S!, f.groups]));
  const out = new Map<string, Candidate>();
  for (const c of candidates) {
    setGroups(c, groupsOf.get(c.record.run_id) ?? []);
    out.set(c.record.run_id, c);
  }
  return out;
}

/** The query the indexed search runs. */
export type IndexedQuery = RunSearchQuery & { metricOrder: MetricOrder };

/** Runs one metric-ordered search over the metric index; see the module notes. */
export async function indexedSearch(
  runs: RunStore,
  experiments: Map<string, Experiment>,
  q: IndexedQuery,
): Promise<RunSearchPage> {
  const mo = q.metricOrder;
  if (q.after?.mm) return missingRuns(runs, experiments, q, [], q.maxResults);
  const mx = q.after?.mx;
  const cursor: RunSearchRecord | undefined = mx && {
    runId: q.after!.runId,
    startTime: mx.st,
    metrics: { [mo.key]: mx.g === 1 ? NaN : mx.v },
    runName: "",
    userId: "",
    status: "",
    artifactUri: "",
    lifecycleStage: "",
    params: {},
    tags: {},
    datasets: [],
  };
  const want = q.maxResults + 1;
  const pool: Candidate[] = [];
  const seen = new Set<string>();
  const take = (c: Candidate) => {
    seen.add(c.record.run_id);
    if (metricOf(c.search, mo.key) === undefined) return false;
    if (q.prefilter && !q.prefilter(c.search)) return false;
    if (!q.predicate(c.search) || (cursor && q.compare(c.search, cursor) <= 0)) return false;
    pool.push(c);
    return true;
  };

  // 1. The unindexed runs, whole.
  const expIds = [...experiments.keys()];
  const unindexed = (await pooledMap(expIds, (id) =>
    query(runs.db.port, {
      TableName: runs.db.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: unindexedRunsPk(id) } },
      ConsistentRead: true,
    }, { pages: "all" }))).flatMap((r) => r.items.map((i) => i.sk!.S!));
  const unindexedSet = new Set(unindexed);
  for (const c of (await readRuns(runs, unindexed, experiments, q.viewType, false)).values()) {
    take(c);
  }

  // 2. The index, in order, from the cursor's value.
  let lo = mo.lo;
  let hi = mo.hi;
  if (mx && mx.g === 0) {
    if (mo.ascending) lo = lo === undefined ? mx.v : Math.max(lo, mx.v);
    else hi = hi === undefined ? mx.v : Math.min(hi, mx.v);
  }
  const skipValues = mx?.g === 1 || (lo !== undefined && hi !== undefined && lo > hi);
  const range = skipValues ? undefined : metricIndexValueRange(lo, hi);
  const streams = expIds.map((id) =>
    new IndexStream(metricIndexPk(id, mo.key), mo.ascending, range)
  );
  const frontier = () =>
    streams.map((s) => s.frontier()).reduce((a, b) => (cmpPos(a, b, mo.ascending) <= 0 ? a : b));
  const isFinal = (c: Candidate, f: Pos) =>
    cmpPos(posOfValue(metricOf(c.search, mo.key))!, f, mo.ascending) < 0;
  const read = new Map<string, Candidate | null>();
  let entriesRead = 0;
  let taken = 0;
  for (;;) {
    const f = frontier();
    const final = pool.filter((c) => isFinal(c, f)).length;
    const open = streams.filter((s) => s.phase !== "done");
    if (final >= want || open.length === 0) break;
    const share = entriesRead > 0 ? Math.max(MIN_SHARE, taken / entriesRead) : 1;
    const ahead = taken < entriesRead ? 1.1 : 1;
    const limit = Math.min(
      MAX_LIMIT,
      // Read ahead 10 % once some entries were rejected (each entry read costs its run's read).
      Math.max(MIN_LIMIT, Math.ceil(((want - final) / share) * ahead / open.length) + 2),
    );
    const entries = (await pooledMap(open, (s) => s.read(runs, limit))).flat()
      .filter((e) => !unindexedSet.has(e.runId) && !seen.has(e.runId));
    entriesRead += entries.length;
    const fresh = [...new Set(entries.map((e) => e.runId).filter((id) => !read.has(id)))];
    for (const [id, c] of await readRuns(runs, fresh, experiments, q.viewType, false)) {
      read.set(id, c);
    }
    for (const id of fresh) if (!read.has(id)) read.set(id, null);
    // An entry that is not the run's current value is stale, or the read was (eventually
    // consistent): read those runs again, strongly, before skipping an entry.
    const mismatch = (e: { runId: string; pos: Pos }) => {
      const c = read.get(e.runId);
      const pos = c && posOfValue(metricOf(c.search, mo.key));
      return !!c && (!pos || cmpPos(pos, e.pos, mo.ascending) !== 0);
    };
    const doubtful = [...new Set(entries.filter(mismatch).map((e) => e.runId))];
    if (doubtful.length > 0) {
      const again = await readRuns(runs, doubtful, experiments, q.viewType, true);
      for (const id of doubtful) read.set(id, again.get(id) ?? null);
    }
    for (const e of entries) {
      const c = read.get(e.runId);
      if (!c || seen.has(e.runId) || mismatch(e)) continue;
      if (take(c)) taken++;
    }
  }
  pool.sort((a, b) => q.compare(a.search, b.search));
  const f = frontier();
  const final = pool.filter((c) => isFinal(c, f));
  if (final.length > q.maxResults || mo.requiresMetric) {
    const page = final.slice(0, q.maxResults);
    const hasMore = final.length > q.maxResults;
    return {
      runs: await pageRuns(runs, page),
      hasMore,
      ...(hasMore
        ? { next: cursorOf(page.at(-1)!, mo.key, (q.after?.offset ?? 0) + page.length) }
        : {}),
    };
  }
  // 3. The index is exhausted: runs without the metric follow, in the listing's order.
  return missingRuns(runs, experiments, q, final, q.maxResults - final.length);
}

function cursorOf(c: Candidate, key: string, offset: number): RunSearchCursor {
  const v = metricOf(c.search, key)!;
  return {
    runId: c.record.run_id,
    offset,
    mx: Number.isNaN(v)
      ? { g: 1, v: 0, st: c.record.start_time }
      : { g: 0, v: clamp(v), st: c.record.start_time },
  };
}

/** ±inf as MLflow stores them (the token is JSON). */
function clamp(v: number): number {
  return v === Infinity ? Number.MAX_VALUE : v === -Infinity ? -Number.MAX_VALUE : v;
}

// The rows after `before` (the last rows holding the metric): runs without it, walked in
// MLflow's order for them (start_time DESC, run_id ASC), resuming at an `mm` token's listing key.
async function missingRuns(
  runs: RunStore,
  experiments: Map<string, Experiment>,
  q: IndexedQuery,
  before: Candidate[],
  needed: number,
): Promise<RunSearchPage> {
  const key = q.metricOrder.key;
  const walked = await walkSearch(runs, experiments, {
    viewType: q.viewType,
    maxResults: needed,
    predicate: (r) => metricOf(r, key) === undefined && q.predicate(r),
    needsMetrics: true,
    ...(q.prefilter ? { prefilter: q.prefilter } : {}),
    ...(q.withMetrics !== undefined ? { withMetrics: q.withMetrics } : {}),
    ...(q.after?.mm && q.after.gsk ? { after: { ...q.after, gsk: q.after.gsk } } : {}),
  });
  const runsOut = [...await pageRuns(runs, before), ...walked.runs];
  const offset = (q.after?.offset ?? 0) + runsOut.length;
  let next: RunSearchCursor | undefined;
  if (walked.hasMore) {
    next = walked.next
      ? { runId: walked.next.runId, offset, gsk: walked.next.gsk, mm: true }
      : cursorOf(before.at(-1)!, key, offset);
  }
  return { runs: runsOut, hasMore: walked.hasMore, ...(next ? { next } : {}) };
}
