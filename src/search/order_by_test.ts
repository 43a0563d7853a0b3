import assert from "node:assert/strict";
import { MlflowError } from "../errors.ts";
import {
  experimentComparator,
  parseExperimentOrderBy,
  parseRunOrderBy,
  runComparator,
} from "./order_by.ts";
import type { ExperimentRecord, RunRecord } from "./records.ts";

function run(id: string, over: Partial<RunRecord>): RunRecord {
  return {
    runId: id,
    runName: id,
    userId: "u",
    status: "FINISHED",
    startTime: 0,
    artifactUri: "",
    lifecycleStage: "active",
    metrics: {},
    params: {},
    tags: {},
    datasets: [],
    ...over,
  };
}

function sortRuns(runs: RunRecord[], orderBy: string[]): string[] {
  return [...runs].sort(runComparator(parseRunOrderBy(orderBy))).map((r) => r.runId);
}

// Ported from MLflow's test_correct_sorting (run ids 9, 8, 7).
const SORT_RUNS = [
  run("9", { status: "FAILED", startTime: 0, metrics: { key1: 121 }, params: { my_param: "A" } }),
  run("8", {
    startTime: 1,
    metrics: { key1: 123 },
    params: { my_param: "A" },
    tags: { tag1: "C" },
  }),
  run("7", {
    status: "FAILED",
    startTime: 1,
    metrics: { key1: 125 },
    params: { my_param: "B" },
    tags: { tag1: "D" },
  }),
];
const SORTS: [string[], number[]][] = [
  [[], [2, 1, 0]],
  [["tags.noSuchTag"], [2, 1, 0]],
  [["attributes.status"], [2, 0, 1]],
  [["attributes.start_time"], [0, 2, 1]],
  [["metrics.key1 asc"], [0, 1, 2]],
  [['metrics."key1"  desc'], [2, 1, 0]],
  [["params.my_param"], [1, 0, 2]],
  [["params.my_param aSc", "attributes.status  ASC"], [0, 1, 2]],
  [["params.my_param", "attributes.status DESC"], [1, 0, 2]],
  [["params.my_param DESC", "attributes.status   DESC"], [2, 1, 0]],
  [["params.`my_param` DESC", "attributes.status DESC"], [2, 1, 0]],
  [["tags.tag1"], [1, 2, 0]],
  [["tags.tag1    DESC"], [2, 1, 0]],
];

Deno.test("runs sort like MLflow", () => {
  for (const [orderBy, expected] of SORTS) {
    assert.deepEqual(
      sortRuns(SORT_RUNS, orderBy),
      expected.map((i) => SORT_RUNS[i]?.runId),
      orderBy.join(),
    );
  }
});

Deno.test("metric order: values, then NaN, then missing, in both directions", () => {
  const vals = ["nan", "inf", "-inf", "-1000", "0", "1000", "None"];
  const runs = vals.map((v) =>
    run(v, { metrics: v === "None" ? {} : { x: Number(v.replace("inf", "Infinity")) } })
  );
  assert.deepEqual(sortRuns(runs, ["metrics.x asc"]), [
    "-inf",
    "-1000",
    "0",
    "1000",
    "inf",
    "nan",
    "None",
  ]);
  assert.deepEqual(sortRuns(runs, ["metrics.x desc"]), [
    "inf",
    "1000",
    "0",
    "-1000",
    "-inf",
    "nan",
    "None",
  ]);
});

Deno.test("run order_by errors", () => {
  const cases: [string[], string, string][] = [
    [["m.acc"], "INVALID_PARAMETER_VALUE", "Invalid entity type 'm'"],
    [["acc"], "INVALID_PARAMETER_VALUE", "Invalid attribute key 'acc'"],
    [["`metrics.A`"], "INVALID_PARAMETER_VALUE", "Invalid entity type '`metrics'"],
    [["attribute.experiment_id"], "INVALID_PARAMETER_VALUE", "Invalid attribute key"],
    [["datasets.name"], "INVALID_PARAMETER_VALUE", "Invalid identifier type 'dataset'"],
    [
      ["start_time", "created DESC"],
      "INVALID_PARAMETER_VALUE",
      "`order_by` contains duplicate fields: ['start_time', 'created DESC']",
    ],
  ];
  for (const [orderBy, code, prefix] of cases) {
    assert.throws(
      () => parseRunOrderBy(orderBy),
      (e) => e instanceof MlflowError && e.code === code && e.message.startsWith(prefix),
      orderBy.join(),
    );
  }
});

Deno.test("experiments: default creation_time DESC, experiment_id tie-break, names by code point", () => {
  const e = (id: string, name: string, t: number): ExperimentRecord => ({
    experimentId: id,
    name,
    creationTime: t,
    lastUpdateTime: t,
    tags: {},
  });
  const exps = [e("0", "Default", 0), e("1", "ab", 5), e("2", "a", 5), e("10", "Abc", 1)];
  const names = (o: string[]) =>
    [...exps].sort(experimentComparator(parseExperimentOrderBy(o))).map((x) => x.name);
  assert.deepEqual(names([]), ["ab", "a", "Abc", "Default"]);
  assert.deepEqual(names(["name DESC"]), ["ab", "a", "Default", "Abc"]);
  assert.deepEqual(names(["creation_time"]), ["Default", "Abc", "a", "ab"]);
  assert.throws(() => parseExperimentOrderBy(["tags.t"]), /Invalid order_by entity: tag/);
});
