import assert from "node:assert/strict";
import type { AV, Item } from "../values.ts";
import { ExpressionContext } from "./context.ts";
import { parseCondition } from "./condition_parser.ts";
import { evaluateCondition } from "./evaluate_condition.ts";

const item: Item = {
  pk: { S: "a" },
  n: { N: "10" },
  s: { S: "héllo" },
  b: { B: new Uint8Array([1, 2, 3]) },
  l: { L: [{ S: "x" }, { N: "1" }] },
  m: { M: { k: { S: "v" }, deep: { L: [{ N: "7" }] } } },
  ss: { SS: ["a", "b"] },
  ns: { NS: ["1", "2"] },
  nul: { NULL: true },
};

function check(expr: string, values: Record<string, AV> = {}, target: Item | null = item) {
  const ctx = new ExpressionContext(undefined, Object.keys(values).length ? values : undefined);
  return evaluateCondition(parseCondition(expr, ctx, "ConditionExpression"), target ?? undefined);
}

Deno.test("evaluateCondition() compares numbers numerically and strings by bytes", () => {
  assert.ok(check("n > :v", { ":v": { N: "9" } }));
  assert.ok(check("n = :v", { ":v": { N: "10.0" } }));
  assert.ok(!check("n > :v", { ":v": { S: "9" } }), "cross-type comparison is false");
  assert.ok(check("s > :v", { ":v": { S: "hz" } }), "é sorts after z in UTF-8");
  assert.ok(check("n BETWEEN :a AND :b", { ":a": { N: "10" }, ":b": { N: "11" } }));
  assert.ok(check("n IN (:a, :b)", { ":a": { N: "1" }, ":b": { N: "10" } }));
});

Deno.test("evaluateCondition() treats missing attributes like DynamoDB", () => {
  assert.ok(!check("nope = :v", { ":v": { S: "x" } }));
  assert.ok(check("nope <> :v", { ":v": { S: "x" } }));
  assert.ok(check("n <> :v", { ":v": { S: "10" } }));
  assert.ok(check("attribute_not_exists(pk)", {}, null));
  assert.ok(!check("attribute_exists(pk)", {}, null));
  assert.ok(check("attribute_exists(m.deep[0])"));
  assert.ok(!check("attribute_exists(m.deep[1])"));
  assert.ok(!check("attribute_exists(l.k)"));
});

Deno.test("evaluateCondition() implements functions", () => {
  assert.ok(check("begins_with(s, :p)", { ":p": { S: "hé" } }));
  assert.ok(check("begins_with(b, :p)", { ":p": { B: new Uint8Array([1, 2]) } }));
  assert.ok(!check("begins_with(n, :p)", { ":p": { S: "1" } }));
  assert.ok(check("contains(s, :p)", { ":p": { S: "llo" } }));
  assert.ok(check("contains(ss, :p)", { ":p": { S: "b" } }));
  assert.ok(check("contains(ns, :p)", { ":p": { N: "2.0" } }));
  assert.ok(check("contains(l, :p)", { ":p": { N: "1" } }));
  assert.ok(check("contains(b, :p)", { ":p": { B: new Uint8Array([2, 3]) } }));
  assert.ok(check("attribute_type(nul, :t)", { ":t": { S: "NULL" } }));
  assert.ok(check("size(s) = :v", { ":v": { N: "5" } }));
  assert.ok(check("size(l) = :v AND size(m) = :v", { ":v": { N: "2" } }));
  assert.ok(!check("size(n) = :v", { ":v": { N: "2" } }));
});

Deno.test("evaluateCondition() combines with AND, OR, NOT and parentheses", () => {
  const v = { ":a": { S: "a" }, ":z": { S: "z" } };
  assert.ok(check("(pk = :z OR pk = :a) AND NOT pk = :z", v));
  assert.ok(!check("pk = :z OR pk = :a AND pk = :z", v));
});
