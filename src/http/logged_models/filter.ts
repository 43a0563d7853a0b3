/**
 * Logged-model search filters: the parsed clauses (`src/search/`) turned into a predicate over
 * {@link LoggedModelSearchRecord}, with the SQL store's semantics:
 *
 * - attributes: `name, model_id, model_type, status, source_run_id, experiment_id,
 *   artifact_location` (strings: `= != LIKE ILIKE IN NOT IN`) and `creation_timestamp(_ms)` /
 *   `creation_time`, `last_updated_timestamp(_ms)` (numbers);
 * - `metrics.<k>`: some point of key `k` (on the request's datasets) satisfies the comparison;
 * - `params.<k>`, `tags.<k>`: the key exists and its value satisfies the comparison.
 *
 * `LIKE` is case-sensitive (MLflow sets `case_sensitive_like`), `ILIKE` is not.
 *
 * @module
 */
import type { Clause, Comparator } from "../../search/ast.ts";
import { parseLoggedModelFilter } from "../../search/logged_models_filter.ts";
import type {
  LoggedModelFilter,
  LoggedModelSearchRecord,
} from "../../store/logged_models/search_logged_models.ts";
import { invalidParameter } from "../errors.ts";

type Test = (r: LoggedModelSearchRecord) => boolean;

function likeRegex(pattern: string, caseInsensitive: boolean): RegExp {
  let source = "";
  for (const ch of pattern) {
    if (ch === "%") source += "[\\s\\S]*";
    else if (ch === "_") source += "[\\s\\S]";
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, caseInsensitive ? "iu" : "u");
}

function compareString(
  comparator: Comparator,
  expected: Clause["value"],
): (actual: string) => boolean {
  switch (comparator) {
    case "=":
      return (a) => a === expected;
    case "!=":
      return (a) => a !== expected;
    case "LIKE":
    case "ILIKE": {
      const re = likeRegex(String(expected), comparator === "ILIKE");
      return (a) => re.test(a);
    }
    case "IN":
    case "NOT IN": {
      const set = new Set(Array.isArray(expected) ? expected : [String(expected)]);
      return comparator === "IN" ? (a) => set.has(a) : (a) => !set.has(a);
    }
    default:
      throw invalidParameter(`Invalid comparator '${comparator}' for a string value`);
  }
}

function compareNumber(comparator: Comparator, expected: number): (actual: number) => boolean {
  switch (comparator) {
    case "=":
      return (a) => a === expected;
    case "!=":
      return (a) => a !== expected;
    case "<":
      return (a) => a < expected;
    case "<=":
      return (a) => a <= expected;
    case ">":
      return (a) => a > expected;
    case ">=":
      return (a) => a >= expected;
    default:
      throw invalidParameter(`Invalid comparator '${comparator}' for a numeric value`);
  }
}

const NUMERIC_ATTRIBUTES: Record<string, (r: LoggedModelSearchRecord) => number> = {
  creation_timestamp_ms: (r) => r.creationTimestamp,
  creation_timestamp: (r) => r.creationTimestamp,
  creation_time: (r) => r.creationTimestamp,
  last_updated_timestamp_ms: (r) => r.lastUpdatedTimestamp,
  last_updated_timestamp: (r) => r.lastUpdatedTimestamp,
  last_updated_time: (r) => r.lastUpdatedTimestamp,
};

const STRING_ATTRIBUTES: Record<string, (r: LoggedModelSearchRecord) => string> = {
  name: (r) => r.name,
  model_id: (r) => r.modelId,
  model_type: (r) => r.modelType,
  source_run_id: (r) => r.sourceRunId,
  experiment_id: (r) => r.experimentId,
  artifact_location: (r) => r.artifactLocation,
  lifecycle_stage: (r) => r.lifecycleStage,
};

/** `status` matches by proto name (`LOGGED_MODEL_READY`), short name (`READY`) or number. */
function statusTest(comparator: Comparator, value: Clause["value"]): Test {
  const names = (s: string) => {
    const short = s.replace(/^LOGGED_MODEL_/, "");
    const n = [
      "LOGGED_MODEL_STATUS_UNSPECIFIED",
      "LOGGED_MODEL_PENDING",
      "LOGGED_MODEL_READY",
      "LOGGED_MODEL_UPLOAD_FAILED",
    ]
      .indexOf(s);
    return [s, short, String(n), ...(short === "UPLOAD_FAILED" ? ["FAILED"] : [])];
  };
  if (typeof value === "number") {
    const test = compareNumber(comparator, value);
    return (r) => test(Number(names(r.status)[2]));
  }
  const test = compareString(comparator, value);
  const positive = comparator === "=" || comparator === "LIKE" || comparator === "ILIKE" ||
    comparator === "IN";
  return positive ? (r) => names(r.status).some(test) : (r) => names(r.status).every(test);
}

function clauseTest(c: Clause): Test {
  switch (c.type) {
    case "attribute": {
      const numeric = NUMERIC_ATTRIBUTES[c.key];
      if (numeric) {
        const test = compareNumber(c.comparator, Number(c.value));
        return (r) => test(numeric(r));
      }
      if (c.key === "status") return statusTest(c.comparator, c.value);
      const get = Object.hasOwn(STRING_ATTRIBUTES, c.key) ? STRING_ATTRIBUTES[c.key] : undefined;
      if (!get) throw invalidParameter(`Invalid attribute key '${c.key}' specified.`);
      const test = compareString(c.comparator, c.value);
      return (r) => test(get(r));
    }
    case "metric": {
      const test = compareNumber(c.comparator, Number(c.value));
      return (r) => r.metrics.some((m) => m.key === c.key && test(m.value));
    }
    case "parameter":
    case "tag": {
      const test = compareString(c.comparator, c.value);
      const field = c.type === "parameter" ? "params" : "tags";
      return (r) => Object.hasOwn(r[field], c.key) && test(r[field][c.key]!);
    }
    default:
      throw invalidParameter(`Invalid entity type '${c.type}' in a logged model filter.`);
  }
}

/** Builds the predicate of validated clauses. */
export function loggedModelPredicate(clauses: readonly Clause[]): LoggedModelFilter["predicate"] {
  const tests = clauses.map(clauseTest);
  return (r) => tests.every((t) => t(r));
}

/** Parses, validates and compiles a filter string. */
export function compileLoggedModelFilter(text: string): LoggedModelFilter {
  const clauses = parseLoggedModelFilter(text);
  return {
    text,
    predicate: loggedModelPredicate(clauses),
    needsMetrics: clauses.some((c) => c.type === "metric"),
  };
}
