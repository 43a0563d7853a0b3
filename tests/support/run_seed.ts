/**
 * Large run experiments for the capacity-cost tests of SearchRuns (`search_cost_test.ts`,
 * `metric_index_cost_test.ts`): runs are written by direct batch writes of the items the run
 * store leaves (record, `acc` metric group, and whatever index items the caller adds), so
 * 100,000 runs take well under a minute; and {@link measured}, the capacity one call consumes.
 *
 * @module
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { compileRunSearch } from "../../src/http/tracking/search_compile.ts";
import { batchWriteAll } from "../../src/dynamo/batch.ts";
import { retryingPort } from "../../src/dynamo/retry.ts";
import type { DynamoPort } from "../../src/dynamo/port.ts";
import { metricGroupId, metricGroupKey } from "../../src/keys/key_schema.ts";
import { rawKey } from "../../src/store/db.ts";
import { encodePoints } from "../../src/store/metrics/point_codec.ts";
import { runItem } from "../../src/store/runs/run_item.ts";
import type { RunSearchQuery } from "../../src/store/runs/search_runs.ts";
import type { Stores } from "../../src/store/stores.ts";
import { pooledMap } from "../../src/util/pool.ts";
import { emptyCost, type RequestCost, withRequestCost } from "../../src/util/request_cost.ts";

type Item = Record<string, AttributeValue>;

/** The metric group of the one metric (`acc`) every seeded run has. */
export const ACC_GROUP = metricGroupId(["acc"]);

/** What run `i` of a seed is: its status, its `acc` value and the items that go with it. */
export interface SeededRun {
  status: "RUNNING" | "FINISHED";
  acc: number;
  /** Attributes of its metric-group item besides key and points (`ver`, an index marker). */
  group: Item;
  /** Further items written with the run (metric-index entries, unindexed-set items). */
  extra: Item[];
}

/**
 * `count` runs in a new experiment `name`; run i starts at i, is named `run-<i>`, is tagged
 * `mlflow.user` = `u`, and is what `shape(i, runId, experimentId)` says. Returns the
 * experiment id.
 */
export async function seedRuns(
  port: DynamoPort,
  table: string,
  stores: Stores,
  name: string,
  count: number,
  shape: (i: number, runId: string, experimentId: string) => SeededRun,
): Promise<string> {
  const exp = await stores.experiments.create({ name });
  const items: Item[] = [];
  for (let i = 0; i < count; i++) {
    const runId = crypto.randomUUID().replaceAll("-", "");
    const run = shape(i, runId, exp);
    items.push(
      runItem({
        run_id: runId,
        experiment_id: exp,
        run_name: `run-${i}`,
        user_id: "u",
        status: run.status,
        start_time: i,
        artifact_uri: `mlflow-artifacts:/${exp}/${runId}/artifacts`,
        lifecycle_stage: "active",
        params: {},
        tags: { "mlflow.user": "u", "mlflow.runName": `run-${i}` },
        groups: new Set([ACC_GROUP]),
      }),
      {
        ...rawKey(metricGroupKey(runId, ACC_GROUP)),
        v: { S: encodePoints([{ key: "acc", value: run.acc, timestamp: i, step: 0 }]) },
        ...run.group,
      },
      ...run.extra,
    );
  }
  const writes = items.map((Item) => ({ PutRequest: { Item } }));
  const chunks = [];
  for (let i = 0; i < writes.length; i += 600) chunks.push(writes.slice(i, i + 600));
  const retrying = retryingPort(port);
  await pooledMap(chunks, (c) => batchWriteAll(retrying, table, c), 2);
  return exp;
}

/** A SearchRuns page of 1,000 active runs of `exp`. */
export function runQuery(exp: string, filter: string, order: string[] = []): RunSearchQuery {
  return {
    experimentIds: [exp],
    viewType: "ACTIVE_ONLY",
    maxResults: 1000,
    ...compileRunSearch(filter, order),
  };
}

/** The result of `fn` and the capacity it consumed (calls, RCU, WCU). */
export async function measured<T>(fn: () => Promise<T>): Promise<[T, RequestCost]> {
  const cost = emptyCost();
  const out = await withRequestCost(cost, fn);
  return [out, cost];
}
