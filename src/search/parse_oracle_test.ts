/**
 * Table test against MLflow itself: `testdata/parse_oracle.json` holds what MLflow 3.11's
 * `parse_search_filter` returns (or raises) for every line of `testdata/filters.txt`,
 * for runs, experiments, registered models and model versions.
 */

import assert from "node:assert/strict";
import { MlflowError } from "../errors.ts";
import type { ParsedClause } from "./ast.ts";
import { parseExperimentFilterRaw } from "./experiments_filter.ts";
import { parseModelVersionFilterRaw, parseRegisteredModelFilterRaw } from "./registry_filter.ts";
import { parseRunFilterRaw } from "./runs_filter.ts";
import { normalizePySets } from "./testdata/normalize.ts";

type Outcome =
  | { clauses: Record<string, unknown>[] }
  | { error: string; message: string };

interface Row {
  filter: string;
  runs: Outcome;
  experiments: Outcome;
  registered_models: Outcome;
  model_versions: Outcome;
}

const rows: Row[] = JSON.parse(
  await Deno.readTextFile(new URL("./testdata/parse_oracle.json", import.meta.url)),
);

const PARSERS: Record<Exclude<keyof Row, "filter">, (f: string) => ParsedClause[]> = {
  runs: parseRunFilterRaw,
  experiments: parseExperimentFilterRaw,
  registered_models: parseRegisteredModelFilterRaw,
  model_versions: parseModelVersionFilterRaw,
};

function outcome(parse: (f: string) => ParsedClause[], filter: string): Outcome {
  try {
    return { clauses: parse(filter).map((c) => ({ ...c })) };
  } catch (e) {
    if (!(e instanceof MlflowError)) throw e;
    return { error: e.code, message: e.message };
  }
}

for (const [entity, parse] of Object.entries(PARSERS)) {
  Deno.test(`parse ${entity} filters like MLflow`, () => {
    const failures: string[] = [];
    for (const row of rows) {
      const expected = row[entity as keyof typeof PARSERS];
      const actual = outcome(parse, row.filter);
      if ("error" in expected && expected.error.startsWith("PYTHON_")) {
        // MLflow crashes (HTTP 500); we must reject the filter with a 400.
        if (!("error" in actual) || actual.error !== "INVALID_PARAMETER_VALUE") {
          failures.push(
            `${JSON.stringify(row.filter)}: expected a 400, got ${JSON.stringify(actual)}`,
          );
        }
        continue;
      }
      const norm = (o: Outcome) => "error" in o ? { ...o, message: normalizePySets(o.message) } : o;
      try {
        assert.deepEqual(norm(actual), norm(expected));
      } catch {
        failures.push(
          `${JSON.stringify(row.filter)}:\n  expected ${JSON.stringify(expected)}\n  actual   ${
            JSON.stringify(actual)
          }`,
        );
      }
    }
    assert.equal(failures.length, 0, failures.join("\n"));
  });
}
