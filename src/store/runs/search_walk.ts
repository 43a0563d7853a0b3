/**
 * SearchRuns in MLflow's default order (`start_time DESC, run_id ASC`, also when asked for
 * explicitly as `start_time DESC`) without reading the whole experiment: the `gsi1` run listing
 * already stores runs in that order (`<inverted start_time>#<run_id>`), so the search walks its
 * partitions (4 shards per experiment) in order, merges them, reads the metric groups of each
 * chunk of runs it reaches (BatchGetItem, only when the filter needs metrics), evaluates the
 * filter in memory and stops once it holds the page and one more match (MLflow answers a page
 * token only when another row exists).
 *
 * Cost of a page: the runs walked until the page is full (page ÷ the filter's selectivity), not
 * the experiment; a later page starts its Queries after the last run of the previous page
 * (`gsi1sk > <cursor>#~`), so it never re-reads earlier pages. See docs/key-schema.md, "SearchRuns
 * bound".
 *
 * @module
 */
import {
  GSI1,
  RUN_SHARDS,
  runIdFromGsi1Sk,
  runsGsi1After,
  runsGsi1Pk,
} from "../../keys/key_schema.ts";
import { query } from "../../dynamo/query_pages.ts";
import { pooledMap } from "../../util/pool.ts";
import type { RawItem } from "../db.ts";
import type { Experiment, Run, ViewType } from "../entities.ts";
import {
  type Candidate,
  candidatesOf,
  loadGroups,
  pageRuns,
  RECORD_SK,
  type RunItems,
  type RunSearchRecord,
} from "./search_candidates.ts";
import type { RunStore } from "./run_store.ts";

/** Where a walked page ended: the last run returned and its `gsi1sk`. */
export interface WalkCursor {
  runId: string;
  offset: number;
  gsk: string;
}

/** What the walk needs of a compiled search. */
export interface WalkQuery {
  viewType: ViewType;
  maxResults: number;
  predicate: (r: RunSearchRecord) => boolean;
  needsMetrics: boolean;
  prefilter?: (r: RunSearchRecord) => boolean;
  withMetrics?: boolean;
  after?: WalkCursor;
}

/** Items a Query may return per run read, before anything is known (a record + a detail). */
const FIRST_ITEMS_PER_RUN = 1.5;
const MIN_LIMIT = 25;
const MAX_LIMIT = 4000;
/** The smallest match share the read-ahead assumes (a filter matching 1 % reads 100× ahead). */
const MIN_SHARE = 0.01;
/** Smallest chunk of runs whose groups are read together (one BatchGetItem holds 100 keys). */
const MIN_CHUNK = 100;

interface Walked extends RunItems {
  gsk: string;
}

/** One `gsi1` partition read in order, in Query pages. */
class Stream {
  /** Complete runs read and not yet taken, in order. */
  readonly runs: Walked[] = [];
  /** The last run read: its detail items may continue on the next page. */
  pending: Walked | undefined;
  done = false;
  items = 0;
  records = 0;
  private start: RawItem | undefined;

  constructor(readonly pk: string, private readonly after: string | undefined) {}

  /** A key no unread or pending run of this stream is below (`undefined`: unknown yet). */
  bound(): string | undefined {
    return this.pending?.gsk ?? this.runs.at(-1)?.gsk;
  }

  async read(runs: RunStore, limit: number): Promise<void> {
    const { db } = runs;
    const res = await query(db.port, {
      TableName: db.table,
      IndexName: GSI1,
      KeyConditionExpression: this.after === undefined
        ? "gsi1pk = :pk"
        : "gsi1pk = :pk AND gsi1sk > :after",
      ExpressionAttributeValues: {
        ":pk": { S: this.pk },
        ...(this.after === undefined ? {} : { ":after": { S: this.after } }),
      },
      Limit: limit,
      ...(this.start ? { ExclusiveStartKey: this.start } : {}),
    }, { pages: 1 });
    this.items += res.items.length;
    for (const item of res.items) {
      if (item.sk?.S === RECORD_SK) {
        this.records++;
        if (this.pending) this.runs.push(this.pending);
        this.pending = { gsk: item.gsi1sk!.S!, record: item, details: [] };
      } else if (this.pending && item.pk?.S === this.pending.record.pk?.S) {
        this.pending.details.push(item);
      } // else: a detail item whose record is gone (a run being deleted by gc): skip it
    }
    this.start = res.lastEvaluatedKey;
    if (!this.start) {
      this.done = true;
      if (this.pending) this.runs.push(this.pending);
      this.pending = undefined;
    }
  }
}

/** Takes, in order, every buffered run that no unread run of any stream can precede. */
function takeReady(streams: Stream[]): Walked[] {
  let frontier: string | undefined = undefined;
  let blocked = false;
  for (const s of streams) {
    if (s.done) continue;
    const b = s.bound();
    if (b === undefined) blocked = true;
    else if (frontier === undefined || b < frontier) frontier = b;
  }
  if (blocked) return [];
  const ready: Walked[] = [];
  for (const s of streams) {
    let n = 0;
    while (n < s.runs.length && (frontier === undefined || s.runs[n]!.gsk < frontier)) n++;
    ready.push(...s.runs.splice(0, n));
  }
  return ready.sort((a, b) => (a.gsk < b.gsk ? -1 : a.gsk > b.gsk ? 1 : 0));
}

/** Runs one search in the default order by walking the run listing; see the module notes. */
export async function walkSearch(
  runs: RunStore,
  experiments: Map<string, Experiment>,
  q: WalkQuery,
): Promise<{ runs: Run[]; hasMore: boolean; next?: WalkCursor }> {
  const after = q.after ? runsGsi1After(q.after.gsk) : undefined;
  const streams = [...experiments.keys()].flatMap((id) =>
    Array.from({ length: RUN_SHARDS }, (_, shard) => new Stream(runsGsi1Pk(id, shard), after))
  );
  const want = q.maxResults + 1;
  const matched: (Candidate & { gsk: string })[] = [];
  let runsRead = 0;
  let queue: Walked[] = [];
  while (matched.length < want) {
    if (queue.length === 0) queue = takeReady(streams);
    if (queue.length === 0) {
      const open = streams.filter((s) => !s.done && s.runs.length === 0);
      if (open.length === 0 && streams.every((s) => s.done)) break;
      const itemsRead = streams.reduce((n, s) => n + s.items, 0);
      const recordsRead = streams.reduce((n, s) => n + s.records, 0);
      const perRun = recordsRead > 0 ? Math.max(1, itemsRead / recordsRead) : FIRST_ITEMS_PER_RUN;
      // Runs still to read: the rows still needed ÷ the share of walked runs that matched.
      const share = runsRead > 0 ? Math.max(MIN_SHARE, matched.length / runsRead) : 1;
      const runsNeeded = (want - matched.length) / share;
      const limit = Math.min(
        MAX_LIMIT,
        Math.max(MIN_LIMIT, Math.ceil((runsNeeded * 1.1 * perRun) / Math.max(1, open.length)) + 2),
      );
      await pooledMap(
        open.length > 0 ? open : streams.filter((s) => !s.done),
        (s) => s.read(runs, limit),
      );
      continue;
    }
    const size = Math.max(MIN_CHUNK, want - matched.length);
    const chunk = queue.splice(0, size);
    runsRead += chunk.length;
    const gsk = new Map(chunk.map((w) => [runIdFromGsi1Sk(w.gsk), w.gsk]));
    let candidates = await candidatesOf(runs, chunk, experiments, q.viewType);
    if (q.prefilter) candidates = candidates.filter((c) => q.prefilter!(c.search));
    if (q.needsMetrics) await loadGroups(runs, candidates);
    for (const c of candidates) {
      if (q.predicate(c.search)) {
        matched.push({ ...c, gsk: gsk.get(c.record.run_id)! });
      }
    }
  }
  const page = matched.slice(0, q.maxResults);
  if (!q.needsMetrics && q.withMetrics !== false) await loadGroups(runs, page);
  const last = page.at(-1);
  const hasMore = matched.length > q.maxResults;
  return {
    runs: await pageRuns(runs, page),
    hasMore,
    ...(hasMore && last
      ? {
        next: {
          runId: last.record.run_id,
          offset: (q.after?.offset ?? 0) + page.length,
          gsk: last.gsk,
        },
      }
      : {}),
  };
}
