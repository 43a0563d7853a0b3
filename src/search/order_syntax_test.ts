import assert from "node:assert/strict";
import { MlflowError } from "../errors.ts";
import { parseOrderByString, shlexSplit } from "./order_syntax.ts";

Deno.test("order_by strings", () => {
  assert.deepEqual(parseOrderByString("metrics.`Mean Square Error`"), {
    field: "metrics.`Mean Square Error`",
    ascending: true,
  });
  assert.deepEqual(parseOrderByString("metrics.`Mean Square Error` DESC"), {
    field: "metrics.Mean Square Error",
    ascending: false,
  });
  assert.deepEqual(parseOrderByString("params.my_param aSc"), {
    field: "params.my_param",
    ascending: true,
  });
  assert.deepEqual(parseOrderByString("timestamp"), { field: "timestamp", ascending: true });
  assert.deepEqual(parseOrderByString("timestamp  DESC"), { field: "timestamp", ascending: false });
});

// Ported from test_invalid_order_by_search_runs / _registered_models.
const ERRORS: [string, string][] = [
  ["`metrics.A", "Invalid order_by clause '`metrics.A'. Could not be parsed."],
  ["metrics.A != 1", "Invalid order_by clause"],
  ["params.my_param ", "Invalid order_by clause"],
  ["", "Invalid order_by clause"],
  ["attribute.run_id ACS", "Invalid ordering key in order_by clause 'attribute.run_id ACS'."],
  ["attribute.run_id decs", "Invalid ordering key"],
  ["last_updated_timestamp DESC blah", "Invalid order_by clause"],
  ["timestamp somerandomstuff ASC", "Invalid order_by clause"],
  ["timestamp decs", "Invalid order_by clause"],
  ["name aCs", "Invalid ordering key"],
];

Deno.test("order_by errors", () => {
  for (const [orderBy, prefix] of ERRORS) {
    assert.throws(
      () => parseOrderByString(orderBy),
      (e) =>
        e instanceof MlflowError && e.code === "INVALID_PARAMETER_VALUE" &&
        e.message.startsWith(prefix),
      orderBy,
    );
  }
});

Deno.test("shlex", () => {
  assert.deepEqual(shlexSplit(`a "b c" d\\ e`), ["a", "b c", "d e"]);
  assert.deepEqual(shlexSplit(`x.""`), ["x."]);
  assert.throws(() => shlexSplit(`"open`));
});
