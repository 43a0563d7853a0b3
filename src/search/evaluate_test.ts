import assert from "node:assert/strict";
import {
  experimentMatcher,
  loggedModelMatcher,
  modelVersionMatcher,
  registeredModelMatcher,
  runMatcher,
} from "./evaluate.ts";
import { parseExperimentFilter } from "./experiments_filter.ts";
import { parseLoggedModelFilter } from "./logged_models_filter.ts";
import type { LoggedModelRecord, RunRecord } from "./records.ts";
import { parseModelVersionFilter, parseRegisteredModelFilter } from "./registry_filter.ts";
import { parseRunFilter } from "./runs_filter.ts";

function run(id: string, over: Partial<RunRecord>): RunRecord {
  return {
    runId: id,
    runName: id,
    userId: "user-id",
    status: "FAILED",
    startTime: 0,
    endTime: 1,
    artifactUri: `/a/${id}`,
    lifecycleStage: "active",
    metrics: {},
    params: {},
    tags: {},
    datasets: [],
    ...over,
  };
}

// Ported from MLflow's test_correct_filtering.
const RUNS = [
  run("hi", {
    metrics: { key1: 121 },
    params: { my_param: "A" },
    datasets: [{ name: "name1", digest: "digest1", context: "train" }],
  }),
  run("hi2", {
    status: "FINISHED",
    metrics: { key1: 123 },
    params: { my_param: "A" },
    tags: { tag1: "C" },
    datasets: [{ name: "name1", digest: "digest1" }],
  }),
  run("hi3", {
    metrics: { key1: 125 },
    params: { my_param: "B" },
    tags: { tag1: "D" },
    datasets: [{ name: "name2", digest: "digest2" }],
  }),
];

const CASES: [string, number[]][] = [
  ["", [0, 1, 2]],
  ["attributes.status = 'FAILED'", [0, 2]],
  ["metrics.key1 = 123", [1]],
  ["metrics.key1 != 123", [0, 2]],
  ["metrics.key1 >= 123", [1, 2]],
  ["params.my_param = 'A'", [0, 1]],
  ["tags.tag1 = 'D'", [2]],
  ["tags.tag1 != 'D'", [1]],
  ["params.my_param = 'A' AND attributes.status = 'FAILED'", [0]],
  ["datasets.name = 'name1'", [0, 1]],
  ["datasets.name IN ('name1', 'name2')", [0, 1, 2]],
  ["datasets.digest IN ('digest1', 'digest2')", [0, 1, 2]],
  ["datasets.name = 'name1' AND datasets.digest = 'digest2'", []],
  ["datasets.context = 'train'", [0]],
  ["datasets.name = 'name1' AND datasets.context = 'train'", [0]],
  ["tags.tag1 IS NULL", [0]],
  ["tags.tag1 IS NOT NULL", [1, 2]],
  ["attributes.run_name LIKE 'hi_'", [1, 2]],
];

Deno.test("run filters select the same runs as MLflow", () => {
  for (const [filter, expected] of CASES) {
    const m = runMatcher(parseRunFilter(filter));
    assert.deepEqual(RUNS.flatMap((r, i) => m(r) ? [i] : []), expected, filter);
  }
});

Deno.test("NaN metrics compare as 0 (SQL store), missing values never match", () => {
  const r = run("x", { metrics: { m: NaN, inf: Infinity }, endTime: undefined });
  assert.ok(runMatcher(parseRunFilter("metrics.m = 0"))(r));
  assert.ok(!runMatcher(parseRunFilter("metrics.m > 0"))(r));
  assert.ok(runMatcher(parseRunFilter("metrics.inf > 1e300"))(r));
  assert.ok(!runMatcher(parseRunFilter("metrics.missing != 1"))(r));
  assert.ok(!runMatcher(parseRunFilter("attributes.end_time != 1"))(r));
  assert.ok(runMatcher(parseRunFilter("tags.`mlflow.runName` IS NULL"))(r));
});

Deno.test("experiments, registry and logged models", () => {
  const exp = {
    experimentId: "1",
    name: "Abc",
    creationTime: 5,
    lastUpdateTime: 9,
    tags: { t: "x" },
  };
  assert.ok(experimentMatcher(parseExperimentFilter("name LIKE 'A%' AND tags.t = 'x'"))(exp));
  assert.ok(!experimentMatcher(parseExperimentFilter("tags.u != 'x'"))(exp));

  const model = { name: "m", tags: {}, creationTimestamp: 1, lastUpdatedTimestamp: 2 };
  const prompt = { ...model, name: "p", tags: { "mlflow.prompt.is_prompt": "true" } };
  const plain = registeredModelMatcher(parseRegisteredModelFilter(""));
  assert.deepEqual([model, prompt].filter(plain).map((m) => m.name), ["m"]);
  const prompts = registeredModelMatcher(
    parseRegisteredModelFilter("tags.`mlflow.prompt.is_prompt` = 'true'"),
  );
  assert.deepEqual([model, prompt].filter(prompts).map((m) => m.name), ["p"]);

  const mv = {
    name: "m",
    version: 3,
    source: "s3://x",
    tags: {},
    creationTimestamp: 1,
    lastUpdatedTimestamp: 2,
  };
  assert.ok(modelVersionMatcher(parseModelVersionFilter("version_number = '3'"))(mv));
  assert.ok(!modelVersionMatcher(parseModelVersionFilter("run_id != 'abc'"))(mv));

  const lm: LoggedModelRecord = {
    modelId: "m-1",
    name: "m1",
    status: "LOGGED_MODEL_READY",
    creationTimestamp: 1,
    lastUpdatedTimestamp: 1,
    metrics: [
      { key: "acc", value: 0.5, timestamp: 1, step: 0, datasetName: "d", datasetDigest: "x" },
      { key: "acc", value: 0.9, timestamp: 2, step: 0 },
    ],
    params: {},
    tags: {},
  };
  const f = parseLoggedModelFilter("metrics.acc > 0.8");
  assert.ok(loggedModelMatcher(f)(lm));
  assert.ok(!loggedModelMatcher(f, [{ datasetName: "d", datasetDigest: "x" }])(lm));
  assert.ok(loggedModelMatcher([], [{ datasetName: "d", datasetDigest: "x" }])(lm));
  assert.ok(!loggedModelMatcher([], [{ datasetName: "d" }])(lm));
  assert.ok(loggedModelMatcher(parseLoggedModelFilter("status = 'LOGGED_MODEL_READY'"))(lm));
});
