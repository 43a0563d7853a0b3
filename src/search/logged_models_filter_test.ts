import assert from "node:assert/strict";
import { MlflowError } from "../errors.ts";
import { parseLoggedModelFilter } from "./logged_models_filter.ts";

Deno.test("logged model filters", () => {
  assert.deepEqual(
    parseLoggedModelFilter(
      "name IN ('a', 'b') AND metrics.`my acc` > 0.5 AND params.p = '1' AND creation_time >= 10",
    ).map((c) => ({ ...c })),
    [
      { type: "attribute", key: "name", comparator: "IN", value: ["a", "b"] },
      { type: "metric", key: "my acc", comparator: ">", value: 0.5 },
      { type: "parameter", key: "p", comparator: "=", value: "1" },
      { type: "attribute", key: "creation_timestamp", comparator: ">=", value: 10 },
    ],
  );
  assert.deepEqual(parseLoggedModelFilter(""), []);
});

const ERRORS: [string, string][] = [
  [
    "name like 'm%'",
    "Invalid comparison operator for attributes.name: 'like'. Expected one of ('=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN').",
  ],
  [
    "metric.acc > 1",
    "Invalid entity type: 'metric'. Expected one of ['attributes', 'metrics', 'params', 'tags'].",
  ],
  [
    "name = 'a' OR name = 'b'",
    `Invalid filter string: "name = 'a' OR name = 'b'". Expected a list of comparisons separated by 'AND'`,
  ],
  ["a = 1; b = 2", "Invalid filter string: 'a = 1; b = 2'. Expected a single SQL expression."],
  [
    "creation_timestamp LIKE 1",
    "Invalid comparison operator for attributes.creation_timestamp_ms: 'LIKE'.",
  ],
  ["bogus = 'x'", "Invalid attribute key 'bogus' specified."],
  ["metrics.acc > 'x'", "Invalid numeric value"],
  ["tags.t IS NULL", "Invalid comparison: tags.tIS NULL. Expected a comparison with 3 tokens."],
];

Deno.test("logged model filter errors", () => {
  for (const [filter, prefix] of ERRORS) {
    assert.throws(
      () => parseLoggedModelFilter(filter),
      (e) =>
        e instanceof MlflowError && e.code === "INVALID_PARAMETER_VALUE" &&
        e.message.startsWith(prefix),
      filter,
    );
  }
});
