/**
 * Table test against MLflow's SQL stores: `testdata/store_oracle.json` holds fixed runs,
 * experiments, registered models, model versions and logged models, and what
 * `SqlAlchemyStore.search_*` (MLflow 3.11, SQLite) returned for many filters and
 * `order_by` lists: the names in result order, or the error. We run the same searches over
 * the same records with our parser, evaluator and comparator.
 */

import assert from "node:assert/strict";
import { MlflowError } from "../errors.ts";
import type { LoggedModelDatasetFilter } from "./evaluate.ts";
import type { LoggedModelOrderBy } from "./order_registry.ts";
import {
  type PreparedSearch,
  prepareExperimentSearch,
  prepareLoggedModelSearch,
  prepareModelVersionSearch,
  prepareRegisteredModelSearch,
  prepareRunSearch,
} from "./prepare.ts";
import type {
  ExperimentRecord,
  LoggedModelRecord,
  ModelVersionRecord,
  RegisteredModelRecord,
  RunRecord,
} from "./records.ts";
import { normalizePySets } from "./testdata/normalize.ts";

type Expected = { names: string[] } | { error: string; message: string };
type Case = Expected & { filter?: string | null; order_by?: unknown; datasets?: unknown };

interface Section<R> {
  records: R[];
  filters?: Case[];
  orders?: Case[];
  combined?: Case[];
  searches?: Case[];
}

// deno-lint-ignore no-explicit-any
type Raw = any;

const oracle: Record<string, Section<Raw>> = JSON.parse(
  await Deno.readTextFile(new URL("./testdata/store_oracle.json", import.meta.url)),
);

function runRecord(r: Raw): RunRecord {
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.metrics as Record<string, number | string>)) {
    metrics[k] = Number(v);
  }
  return { ...r, metrics };
}

function loggedModelRecord(r: Raw): LoggedModelRecord {
  return { ...r, metrics: r.metrics.map((m: Raw) => ({ ...m, value: Number(m.value) })) };
}

function search<R>(
  records: readonly R[],
  prepare: () => PreparedSearch<R>,
  name: (r: R) => string,
): Expected {
  try {
    const s = prepare();
    return { names: records.filter(s.matches).sort(s.compare).map(name) };
  } catch (e) {
    if (!(e instanceof MlflowError)) throw e;
    return { error: e.code, message: e.message };
  }
}

/**
 * Where we answer another code than MLflow on purpose: a duplicate `order_by` field is bad input,
 * a 400 here (MLflow answers 500, which its client retries; issue #8).
 */
function deliberateCode(code: string, message: string): string {
  return code === "INTERNAL_ERROR" && message.startsWith("`order_by` contains duplicate fields")
    ? "INVALID_PARAMETER_VALUE"
    : code;
}

function check(label: string, cases: readonly Case[], run: (c: Case) => Expected): void {
  const failures: string[] = [];
  for (const c of cases) {
    const actual = run(c);
    const where = `${label} ${JSON.stringify({ filter: c.filter, order_by: c.order_by })}`;
    if ("error" in c && (c.error.startsWith("PYTHON_") || c.error === "BAD_REQUEST")) {
      // MLflow fails inside SQL or Python; we must still reject the request with a 400.
      if (!("error" in actual) || actual.error !== "INVALID_PARAMETER_VALUE") {
        failures.push(`${where}: expected a 400, got ${JSON.stringify(actual)}`);
      }
      continue;
    }
    const expected: Expected = "error" in c
      ? { error: deliberateCode(c.error, c.message), message: normalizePySets(c.message) }
      : { names: c.names };
    const got: Expected = "error" in actual
      ? { error: actual.error, message: normalizePySets(actual.message) }
      : actual;
    try {
      assert.deepEqual(got, expected);
    } catch {
      failures.push(
        `${where}\n  expected ${JSON.stringify(expected)}\n  actual   ${JSON.stringify(got)}`,
      );
    }
  }
  assert.equal(failures.length, 0, failures.join("\n"));
}

const strings = (x: unknown) => x as string[] | undefined;

Deno.test("runs: filters and order_by give MLflow's results", () => {
  const sec = oracle.runs as Section<Raw>;
  const records = sec.records.map(runRecord);
  const run = (c: Case) =>
    search(records, () => prepareRunSearch(c.filter, strings(c.order_by)), (r) => r.runName);
  check("runs filter", sec.filters ?? [], run);
  check("runs order", sec.orders ?? [], run);
  check("runs combined", sec.combined ?? [], run);
});

Deno.test("experiments: filters and order_by give MLflow's results", () => {
  const sec = oracle.experiments as Section<ExperimentRecord>;
  const run = (c: Case) =>
    search(
      sec.records,
      () => prepareExperimentSearch(c.filter, strings(c.order_by)),
      (e) => e.name,
    );
  check("experiments filter", sec.filters ?? [], run);
  check("experiments order", sec.orders ?? [], run);
});

Deno.test("registered models: filters and order_by give MLflow's results", () => {
  const sec = oracle.registeredModels as Section<RegisteredModelRecord>;
  const run = (c: Case) =>
    search(
      sec.records,
      () => prepareRegisteredModelSearch(c.filter, strings(c.order_by)),
      (m) => m.name,
    );
  check("registered models filter", sec.filters ?? [], run);
  check("registered models order", sec.orders ?? [], run);
});

Deno.test("model versions: filters and order_by give MLflow's results", () => {
  const sec = oracle.modelVersions as Section<ModelVersionRecord>;
  const run = (c: Case) =>
    search(
      sec.records,
      () => prepareModelVersionSearch(c.filter, strings(c.order_by)),
      (v) => `${v.name}/${v.version}`,
    );
  check("model versions filter", sec.filters ?? [], run);
  check("model versions order", sec.orders ?? [], run);
});

Deno.test("logged models: filters, datasets and order_by give MLflow's results", () => {
  const sec = oracle.loggedModels as Section<Raw>;
  const records = sec.records.map(loggedModelRecord);
  check("logged models", sec.searches ?? [], (c) => {
    const datasets = (c.datasets as Raw[] | null)?.map((d): LoggedModelDatasetFilter => ({
      datasetName: d.dataset_name,
      ...(d.dataset_digest ? { datasetDigest: d.dataset_digest } : {}),
    }));
    const orderBy = (c.order_by as Raw[] | null)?.map((o): LoggedModelOrderBy => ({
      fieldName: o.field_name,
      ...(o.ascending !== undefined ? { ascending: o.ascending } : {}),
      ...(o.dataset_name ? { datasetName: o.dataset_name } : {}),
      ...(o.dataset_digest ? { datasetDigest: o.dataset_digest } : {}),
    }));
    return search(
      records,
      () => prepareLoggedModelSearch(c.filter, datasets, orderBy),
      (m) => m.name,
    );
  });
});
