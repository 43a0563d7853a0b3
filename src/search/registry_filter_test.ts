import assert from "node:assert/strict";
import { MlflowError } from "../errors.ts";
import {
  isQueryingPrompts,
  parseModelVersionFilter,
  parseRegisteredModelFilter,
} from "./registry_filter.ts";

Deno.test("registered model filters", () => {
  assert.deepEqual(
    parseRegisteredModelFilter("name ilike '%a%' and tags.`a b` = 'x'").map((c) => ({ ...c })),
    [
      { type: "attribute", key: "name", comparator: "ILIKE", value: "%a%" },
      { type: "tag", key: "a b", comparator: "=", value: "x" },
    ],
  );
});

Deno.test("model version filters", () => {
  assert.deepEqual(
    parseModelVersionFilter("run_id IN ('ab', 'CD') AND version_number >= 2 AND source_path = 's'")
      .map((c) => ({ ...c })),
    [
      { type: "attribute", key: "run_id", comparator: "IN", value: ["ab"] },
      { type: "attribute", key: "version_number", comparator: ">=", value: 2 },
      { type: "attribute", key: "source_path", comparator: "=", value: "s" },
    ],
  );
});

const ERRORS: [(f: string) => unknown, string, string][] = [
  [
    parseRegisteredModelFilter,
    "run_id = 'a'",
    "Invalid attribute key 'run_id' specified. Valid keys are '{'name'}'",
  ],
  [parseRegisteredModelFilter, "\"name\" = 'x'", `Invalid attribute key '"name"' specified.`],
  [
    parseRegisteredModelFilter,
    "params.x = 'a'",
    "Invalid entity type 'params'. Valid entity types are ('attribute', 'tag', 'tags')",
  ],
  [
    parseRegisteredModelFilter,
    "name = 1",
    "Expected a quoted string value or a list of quoted string values for attributes. Got value 1",
  ],
  [parseRegisteredModelFilter, "name < 'm'", "Invalid comparator for attribute: <"],
  [
    parseRegisteredModelFilter,
    "tags.x IS NULL",
    "Invalid comparison clause. Expected 3 tokens found 2",
  ],
  [
    parseModelVersionFilter,
    "name IN ('a')",
    "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
  ],
  [parseModelVersionFilter, "run_id NOT IN ('x')", "Invalid comparator for attribute: NOT IN"],
  [
    parseModelVersionFilter,
    "version_number LIKE '1'",
    "Invalid comparator for attribute version_number: LIKE",
  ],
  [
    parseModelVersionFilter,
    "name = 1",
    "Only the '{'version_number', 'creation_timestamp', 'last_updated_timestamp'}' attributes support comparison with numeric values.",
  ],
  [parseModelVersionFilter, "tags.t > 'a'", "Invalid comparator for tag: >"],
];

Deno.test("registry filter errors", () => {
  for (const [parse, filter, prefix] of ERRORS) {
    assert.throws(
      () => parse(filter),
      (e) =>
        e instanceof MlflowError && e.code === "INVALID_PARAMETER_VALUE" &&
        e.message.startsWith(prefix),
      filter,
    );
  }
});

Deno.test("prompt queries are recognised as the SQL store does", () => {
  const q = (f: string) => isQueryingPrompts(parseRegisteredModelFilter(f));
  assert.equal(q("tags.`mlflow.prompt.is_prompt` = 'true'"), true);
  assert.equal(q("tags.`mlflow.prompt.is_prompt` = 'TRUE'"), true);
  assert.equal(q("tags.`mlflow.prompt.is_prompt` != 'false'"), true);
  assert.equal(q("tags.`mlflow.prompt.is_prompt` != 'true'"), false);
  assert.equal(q("name = 'x'"), false);
});
