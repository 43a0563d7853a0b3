import assert from "node:assert/strict";
import { MlflowError } from "../errors.ts";
import {
  prepareLoggedModelSearch,
  prepareRegisteredModelSearch,
  prepareRunSearch,
} from "./prepare.ts";

function firstError(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MlflowError);
    return e.message;
  }
  return assert.fail("no error");
}

Deno.test("errors come in MLflow's order", () => {
  // Runs: filter syntax, then order_by, then filter comparators.
  assert.match(
    firstError(() => prepareRunSearch("bogus.x = 1", ["bogus.y"])),
    /Invalid entity type 'bogus'/,
  );
  assert.match(
    firstError(() => prepareRunSearch("metrics.a LIKE 1", ["bogus.y"])),
    /Invalid entity type 'bogus'/,
  );
  assert.match(
    firstError(() => prepareRunSearch("metrics.a LIKE 1", [])),
    /Invalid comparator 'LIKE'/,
  );
  // Registered models: order_by is checked before comparators.
  assert.match(
    firstError(() => prepareRegisteredModelSearch("name < 'a'", ["bad"])),
    /Invalid order by key 'bad'/,
  );
  assert.match(
    firstError(() => prepareLoggedModelSearch(null, [{ datasetName: "" }], null)),
    /`dataset_name` in the `datasets` clause must be specified\./,
  );
});

Deno.test("a prepared search filters and sorts", () => {
  const s = prepareRunSearch("params.p = 'x'", ["metrics.m DESC"]);
  const base = {
    runName: "",
    userId: "",
    status: "",
    startTime: 0,
    artifactUri: "",
    lifecycleStage: "active",
    tags: {},
    datasets: [],
  };
  const runs = [
    { ...base, runId: "a", metrics: { m: 1 }, params: { p: "x" } },
    { ...base, runId: "b", metrics: { m: 2 }, params: { p: "x" } },
    { ...base, runId: "c", metrics: { m: 3 }, params: { p: "y" } },
  ];
  assert.deepEqual(runs.filter(s.matches).sort(s.compare).map((r) => r.runId), ["b", "a"]);
});
