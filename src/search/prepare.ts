/**
 * One call per search API: parse the filter and the `order_by` in the order MLflow's SQL
 * store checks them (so a request with several mistakes gets the same first error), and
 * return a predicate and a comparator.
 *
 * @module
 */

import { invalidParameter } from "../errors.ts";
import type { Clause } from "./ast.ts";
import {
  experimentMatcher,
  type LoggedModelDatasetFilter,
  loggedModelMatcher,
  type Matcher,
  modelVersionMatcher,
  registeredModelMatcher,
  runMatcher,
} from "./evaluate.ts";
import { parseExperimentFilterRaw, validateExperimentClauses } from "./experiments_filter.ts";
import { parseLoggedModelFilter } from "./logged_models_filter.ts";
import {
  experimentComparator,
  parseExperimentOrderBy,
  parseRunOrderBy,
  runComparator,
} from "./order_by.ts";
import {
  loggedModelComparator,
  type LoggedModelOrderBy,
  modelVersionComparator,
  parseLoggedModelOrderBy,
  parseModelVersionOrderBy,
  parseRegisteredModelOrderBy,
  registeredModelComparator,
} from "./order_registry.ts";
import type {
  ExperimentRecord,
  LoggedModelRecord,
  ModelVersionRecord,
  RegisteredModelRecord,
  RunRecord,
} from "./records.ts";
import {
  parseModelVersionFilterRaw,
  parseRegisteredModelFilterRaw,
  validateModelVersionClauses,
  validateRegisteredModelClauses,
} from "./registry_filter.ts";
import { parseRunFilterRaw, validateRunClauses } from "./runs_filter.ts";

/** A validated search: its clauses, a record predicate and a record comparator. */
export interface PreparedSearch<T> {
  readonly clauses: readonly Clause[];
  readonly matches: Matcher<T>;
  readonly compare: (a: T, b: T) => number;
}

type Strings = readonly string[] | null | undefined;

/** SearchRuns: filter syntax, then `order_by`, then filter comparators. */
export function prepareRunSearch(filter: string | null | undefined, orderBy: Strings) {
  const parsed = parseRunFilterRaw(filter);
  const order = parseRunOrderBy(orderBy);
  const clauses = validateRunClauses(parsed);
  return prepared<RunRecord>(clauses, runMatcher(clauses), runComparator(order));
}

/** SearchExperiments: filter, then `order_by`. */
export function prepareExperimentSearch(filter: string | null | undefined, orderBy: Strings) {
  const clauses = validateExperimentClauses(parseExperimentFilterRaw(filter));
  const order = parseExperimentOrderBy(orderBy);
  return prepared<ExperimentRecord>(
    clauses,
    experimentMatcher(clauses),
    experimentComparator(order),
  );
}

/** SearchRegisteredModels: filter syntax, then `order_by`, then filter comparators. */
export function prepareRegisteredModelSearch(filter: string | null | undefined, orderBy: Strings) {
  const parsed = parseRegisteredModelFilterRaw(filter);
  const order = parseRegisteredModelOrderBy(orderBy);
  const clauses = validateRegisteredModelClauses(parsed);
  return prepared<RegisteredModelRecord>(
    clauses,
    registeredModelMatcher(clauses),
    registeredModelComparator(order),
  );
}

/** SearchModelVersions: filter, then `order_by`. */
export function prepareModelVersionSearch(filter: string | null | undefined, orderBy: Strings) {
  const clauses = validateModelVersionClauses(parseModelVersionFilterRaw(filter));
  const order = parseModelVersionOrderBy(orderBy);
  return prepared<ModelVersionRecord>(
    clauses,
    modelVersionMatcher(clauses),
    modelVersionComparator(order),
  );
}

/** SearchLoggedModels: `datasets`, then filter, then `order_by`. */
export function prepareLoggedModelSearch(
  filter: string | null | undefined,
  datasets: readonly LoggedModelDatasetFilter[] | null | undefined,
  orderBy: readonly LoggedModelOrderBy[] | null | undefined,
) {
  if (datasets && !datasets.every((d) => d.datasetName)) {
    throw invalidParameter("`dataset_name` in the `datasets` clause must be specified.");
  }
  const clauses = parseLoggedModelFilter(filter);
  const order = parseLoggedModelOrderBy(orderBy);
  return prepared<LoggedModelRecord>(
    clauses,
    loggedModelMatcher(clauses, datasets ?? []),
    loggedModelComparator(order),
  );
}

function prepared<T>(
  clauses: readonly Clause[],
  matches: Matcher<T>,
  compare: (a: T, b: T) => number,
): PreparedSearch<T> {
  return { clauses, matches, compare };
}
