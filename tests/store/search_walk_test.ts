/**
 * SearchRuns in the default order walks the run listing and stops at the page
 * (`src/store/runs/search_walk.ts`): on every backend, paging through the walk returns exactly
 * the rows, in exactly the order, of the full read sorted by MLflow's comparator, for filters on
 * attributes, tags, params and metrics, both view types, start-time ties across shards and two
 * experiments; a later page starts after the previous one.
 */
import assert from "node:assert/strict";
import { compileRunSearch } from "../../src/http/tracking/search_compile.ts";
import { logBatch } from "../../src/store/runs/log_batch.ts";
import { type RunSearchCursor, searchRuns } from "../../src/store/runs/search_runs.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import type { ViewType } from "../../src/store/entities.ts";
import { testBackends } from "../support/backends.ts";

async function seed(s: Stores): Promise<string[]> {
  const a = await s.experiments.create({ name: "walk-a" });
  const b = await s.experiments.create({ name: "walk-b" });
  for (let i = 0; i < 160; i++) {
    const run = await s.runs.create({
      experimentId: i % 3 === 0 ? b : a,
      // ties: runs 0-9 share one start time, so the run id decides across shards
      startTime: i < 10 ? 5 : 1000 + (i % 40) * 7 + (i % 3),
      tags: { team: i % 2 === 0 ? "even" : "odd" },
    });
    const id = run.info.runId;
    const metrics = i % 5 === 0 ? [] : [
      { key: "acc", value: i % 7 === 0 ? NaN : i / 160, timestamp: i, step: 0 },
      ...(i % 4 === 0 ? [{ key: "loss", value: 1 - i / 160, timestamp: i, step: 0 }] : []),
    ];
    const params = i % 6 === 0 ? [] : [{ key: "lr", value: String(i % 3) }];
    await logBatch(s.runs, id, { metrics, params, tags: [] });
    if (i % 9 === 0) await s.runs.delete(id);
  }
  return [a, b];
}

async function pages(
  s: Stores,
  experimentIds: string[],
  filter: string,
  order: string[],
  viewType: ViewType,
  maxResults: number,
): Promise<{ ids: string[][]; walked: boolean[] }> {
  const ids: string[][] = [];
  const walked: boolean[] = [];
  let after: RunSearchCursor | undefined;
  for (let n = 0; n < 200; n++) {
    const res = await searchRuns(s.runs, {
      experimentIds,
      viewType,
      maxResults,
      ...compileRunSearch(filter, order),
      ...(after ? { after } : {}),
    });
    ids.push(res.runs.map((r) => r.info.runId));
    walked.push(res.next?.gsk !== undefined);
    if (!res.hasMore) return { ids, walked };
    assert.ok(res.next, "a page with more rows has a cursor");
    after = res.next;
  }
  throw new Error("paging did not end");
}

async function fullRead(
  s: Stores,
  experimentIds: string[],
  filter: string,
  viewType: ViewType,
): Promise<string[]> {
  const res = await searchRuns(s.runs, {
    experimentIds,
    viewType,
    maxResults: 100_000,
    ...compileRunSearch(filter, []),
    defaultOrder: false,
  });
  return res.runs.map((r) => r.info.runId);
}

const FILTERS = [
  "",
  "metrics.acc > 0.3",
  "metrics.acc >= 0 AND tags.team = 'even'",
  "params.lr = '1'",
  "params.lr IS NULL",
  "metrics.loss < 0.9 AND attributes.status = 'RUNNING'",
  "metrics.acc = 0.5",
];

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] the walked default order pages equal the full read`, async () => {
    const { port, tableName, cleanup } = await backend.makePort();
    try {
      const s = await createStores({ port, table: tableName }, "mlflow-artifacts:/");
      const [a, b] = await seed(s);
      for (const experimentIds of [[a!], [a!, b!]]) {
        for (const viewType of ["ACTIVE_ONLY", "ALL", "DELETED_ONLY"] as const) {
          for (const filter of FILTERS) {
            const expected = await fullRead(s, experimentIds, filter, viewType);
            const shapes = filter === "" && viewType === "ALL"
              ? [[[], 7], [["start_time DESC"], 1], [[], 1000]] as const
              : [[[], 9], [["start_time DESC"], 1000]] as const;
            for (const [order, size] of shapes) {
              const label =
                `${experimentIds.length} exp, ${viewType}, "${filter}", ${order}, ${size}`;
              const got = await pages(s, experimentIds, filter, [...order], viewType, size);
              assert.deepEqual(got.ids.flat(), expected, label);
              for (const p of got.ids.slice(0, -1)) assert.equal(p.length, size, label);
              assert.ok(got.walked.slice(0, -1).every((w) => w), `${label}: cursor of the walk`);
            }
          }
        }
      }
    } finally {
      await cleanup();
    }
  });
}

Deno.test("a metric order pages (metric index) equal its full read", async () => {
  const { port, tableName, cleanup } = await testBackends()[0]!.makePort();
  try {
    const s = await createStores({ port, table: tableName }, "mlflow-artifacts:/");
    const [a] = await seed(s);
    const got = await pages(s, [a!], "", ["metrics.acc DESC"], "ACTIVE_ONLY", 5);
    const { metricOrder: _, ...full } = compileRunSearch("", ["metrics.acc DESC"]);
    const all = await searchRuns(s.runs, {
      experimentIds: [a!],
      viewType: "ACTIVE_ONLY",
      maxResults: 1000,
      ...full,
    });
    assert.deepEqual(got.ids.flat(), all.runs.map((r) => r.info.runId));
  } finally {
    await cleanup();
  }
});

Deno.test("a default-order token without a listing key (the full read's) still pages by offset", async () => {
  const { port, tableName, cleanup } = await testBackends()[0]!.makePort();
  try {
    const s = await createStores({ port, table: tableName }, "mlflow-artifacts:/");
    const [a] = await seed(s);
    const expected = await fullRead(s, [a!], "", "ACTIVE_ONLY");
    const q = {
      experimentIds: [a!],
      viewType: "ACTIVE_ONLY" as const,
      maxResults: 10,
      ...compileRunSearch("", []),
    };
    const res = await searchRuns(s.runs, { ...q, after: { runId: expected[9]!, offset: 10 } });
    assert.deepEqual(res.runs.map((r) => r.info.runId), expected.slice(10, 20));
    assert.equal(res.next?.gsk, undefined, "the full read answers an offset token");
    assert.equal(res.next?.offset, 20);
  } finally {
    await cleanup();
  }
});
