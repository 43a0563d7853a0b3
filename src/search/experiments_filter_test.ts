import assert from "node:assert/strict";
import { MlflowError } from "../errors.ts";
import { parseExperimentFilter } from "./experiments_filter.ts";

Deno.test("experiment filters", () => {
  assert.deepEqual(
    parseExperimentFilter("name LIKE 'a%' AND tags.`k.1` IS NULL").map((c) => ({ ...c })),
    [
      { type: "attribute", key: "name", comparator: "LIKE", value: "a%" },
      { type: "tag", key: "k.1", comparator: "IS NULL", value: null },
    ],
  );
  assert.deepEqual(
    parseExperimentFilter("creation_time > 5 and tag.t != 'x'").map((c) => ({ ...c })),
    [
      { type: "attribute", key: "creation_time", comparator: ">", value: 5 },
      { type: "tag", key: "t", comparator: "!=", value: "x" },
    ],
  );
});

const ERRORS: [string, string][] = [
  ["name = 'a' OR name = 'b'", "Invalid clause(s) in filter string: OR"],
  [
    "attributes.name = 'a'",
    "Invalid entity type 'attributes'. Valid entity types are ('attribute', 'tag', 'tags')",
  ],
  ["metrics.x > 1", "Invalid entity type 'metrics'."],
  ["experiment_id = '1'", "Invalid attribute key 'experiment_id' specified."],
  ["name IS NULL", "IS NULL / IS NOT NULL is only supported for tags, not for attribute 'name'"],
  [
    "creation_time > '1'",
    "Expected numeric value type for numeric attribute: creation_time. Found '1'",
  ],
  ["name = 1", "Expected a quoted string value for attributes. Got value 1"],
  [
    "name like 'a%'",
    "Invalid comparator 'like' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}'",
  ],
  ["name < 'b'", "Invalid comparator '<' not one of"],
  ["creation_time LIKE 1", "Invalid comparator 'LIKE' not one of"],
  ["tags.t like 'x'", "Invalid comparator for tag: like"],
];

Deno.test("experiment filter errors", () => {
  for (const [filter, prefix] of ERRORS) {
    assert.throws(
      () => parseExperimentFilter(filter),
      (e) => e instanceof MlflowError && e.message.startsWith(prefix),
      filter,
    );
  }
});
