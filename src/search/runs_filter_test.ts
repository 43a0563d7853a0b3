import assert from "node:assert/strict";
import { MlflowError } from "../errors.ts";
import { parseRunFilter, parseRunFilterRaw } from "./runs_filter.ts";

function errorOf(filter: string): string {
  try {
    parseRunFilter(filter);
  } catch (e) {
    assert.ok(e instanceof MlflowError, String(e));
    assert.equal(e.code, "INVALID_PARAMETER_VALUE");
    return e.message;
  }
  return assert.fail(`no error for ${filter}`);
}

// Ported from MLflow's tests/utils/test_search_utils.py::test_filter.
const PARSES: [string, object[]][] = [
  ["metric.acc >= 0.94", [{ type: "metric", key: "acc", comparator: ">=", value: 0.94 }]],
  ["params.m!='tf'", [{ type: "parameter", key: "m", comparator: "!=", value: "tf" }]],
  ['params."m"!="tf"', [{ type: "parameter", key: "m", comparator: "!=", value: "tf" }]],
  ['metric."legit name" >= 0.243', [{
    type: "metric",
    key: "legit name",
    comparator: ">=",
    value: 0.243,
  }]],
  ['metrics."X//Y#$$@&Z" = 3', [{ type: "metric", key: "X//Y#$$@&Z", comparator: "=", value: 3 }]],
  ["metrics.rmse < 1 and params.model_class = 'LR'", [
    { type: "metric", key: "rmse", comparator: "<", value: 1 },
    { type: "parameter", key: "model_class", comparator: "=", value: "LR" },
  ]],
  ["", []],
  ["`metric`.a >= 0.1", [{ type: "metric", key: "a", comparator: ">=", value: 0.1 }]],
  ["`tags`.source_name = 'a notebook'", [{
    type: "tag",
    key: "source_name",
    comparator: "=",
    value: "a notebook",
  }]],
  ["metrics.`spacey name` > 5", [{
    type: "metric",
    key: "spacey name",
    comparator: ">",
    value: 5,
  }]],
  ['tags."t.a.g" = "a"', [{ type: "tag", key: "t.a.g", comparator: "=", value: "a" }]],
  ["attribute.artifact_uri = '1/23/4'", [{
    type: "attribute",
    key: "artifact_uri",
    comparator: "=",
    value: "1/23/4",
  }]],
  ["run.status = 'RUNNING'", [{
    type: "attribute",
    key: "status",
    comparator: "=",
    value: "RUNNING",
  }]],
  ["created >= 5", [{ type: "attribute", key: "start_time", comparator: ">=", value: 5 }]],
  ["`Run Name` like 'a%'", [{
    type: "attribute",
    key: "run_name",
    comparator: "LIKE",
    value: "a%",
  }]],
  ["dataset.name = 'my_dataset'", [{
    type: "dataset",
    key: "name",
    comparator: "=",
    value: "my_dataset",
  }]],
  ["datasets.digest IN ('a', 'B')", [{
    type: "dataset",
    key: "digest",
    comparator: "IN",
    value: ["a"],
  }]],
  ["tags.version IS NULL", [{ type: "tag", key: "version", comparator: "IS NULL", value: null }]],
  ["params.lr is not null", [{
    type: "parameter",
    key: "lr",
    comparator: "IS NOT NULL",
    value: null,
  }]],
  ["run_id not in ('ab', 'CD')", [{
    type: "attribute",
    key: "run_id",
    comparator: "NOT IN",
    value: ["ab"],
  }]],
  ['params.m = "L\'Hosp"', [{ type: "parameter", key: "m", comparator: "=", value: "L'Hosp" }]],
];

Deno.test("valid run filters parse to the expected clauses", () => {
  for (const [filter, clauses] of PARSES) {
    assert.deepEqual(parseRunFilter(filter).map((c) => ({ ...c })), clauses, filter);
  }
});

Deno.test("raw parse keeps MLflow's shapes (comparator as typed, numbers as text)", () => {
  assert.deepEqual(parseRunFilterRaw("metrics.a like 1"), [
    { type: "metric", key: "a", comparator: "like", value: "1" },
  ]);
});

// Ported from test_error_filter, test_error_comparison_clauses, test_bad_quotes,
// test_invalid_clauses and test_bad_comparators.
const ERRORS: [string, string][] = [
  ["metric.acc >= 0.94; metrics.rmse < 1", "Search filter contained multiple expression"],
  [
    "m.acc >= 0.94",
    "Invalid entity type 'm'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']",
  ],
  ["acc >= 0.94", "Invalid attribute key 'acc' specified."],
  ["metrics.A > 0.1 OR params.B = 'LR'", "Invalid clause(s) in filter string: 'OR'"],
  [
    "metrics.A > 0.1 AND (params.B = 'LR')",
    "Invalid clause(s) in filter string: '(params.B = 'LR')'",
  ],
  ["`metrics.A > 0.1", "Invalid clause(s) in filter string"],
  ["attribute.lifecycle_stage = 'ACTIVE'", "Invalid attribute key 'lifecycle_stage'"],
  [
    "attribute.status = true",
    "Invalid clause(s) in filter string: 'attribute.status', '=', 'true'",
  ],
  ["dataset.profile = 'x'", "Invalid dataset key 'profile' specified."],
  [
    "metrics.acc IS NULL",
    "IS NULL / IS NOT NULL is only supported for tags and params, not for 'metric' 'acc'",
  ],
  ["metric.model = '5'", "Expected numeric value type for metric. Found '5'"],
  ["params.acc = 5", "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 5"],
  ["1.0 > metrics.acc", "Invalid comparison clause. Expected 'Identifier' found '1.0'"],
  ["attribute.status = 1", "Expected a quoted string value for attributes. Got value 1"],
  ["start_time = '1'", "Expected numeric value type for numeric attribute: start_time. Found '1'"],
  ["params.acc = LR", "Parameter value is either not quoted or unidentified quote types"],
  ["params.acc = 'LR", "Invalid clause(s) in filter string"],
  ["tags.acc = = 'LR'", "Invalid clause(s) in filter string: 'tags.acc', '=', '=', ''LR''"],
  ["params.acc LR !=", "Invalid clause(s) in filter string: 'params.acc LR', '!='"],
  [
    "status IN ('a')",
    "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
  ],
  [
    "run_id IN ()",
    "While parsing a list in the query, expected a non-empty list of string values, but got empty list",
  ],
  ["metrics.abc ~ 1.0", "Invalid comparator '~' not one of '{'>', '>=', '!=', '=', '<', '<='}"],
  [
    "params.abc > 'x'",
    "Invalid comparator '>' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'}'",
  ],
  ["tags.abc <= 'x'", "Invalid comparator '<=' not one of"],
  [
    "attributes.status >= 'x'",
    "Invalid comparator '>=' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}'",
  ],
  [
    "attributes.start_time LIKE 1",
    "Invalid comparator 'LIKE' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}",
  ],
  ["datasets.name < 'x'", "Invalid comparator '<' not one of"],
  ["status <> 'FINISHED'", "Invalid comparator '<>'"],
  ["status RLIKE 'F'", "Invalid comparator 'RLIKE'"],
  ["params.x NOT LIKE 'a'", "Invalid comparator 'NOT LIKE'"],
  ["run_id = ('a')", "Invalid comparator '=' for a list of values"],
];

Deno.test("invalid run filters give MLflow's messages", () => {
  for (const [filter, prefix] of ERRORS) {
    const msg = errorOf(filter);
    assert.ok(msg.startsWith(prefix), `${filter}\n  got ${msg}\n  want ${prefix}…`);
  }
});
