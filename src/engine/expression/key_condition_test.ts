import assert from "node:assert/strict";
import type { AV } from "../values.ts";
import { ExpressionContext } from "./context.ts";
import { parseKeyCondition } from "./key_condition.ts";

const hash = { name: "pk", type: "S" as const };
const range = { name: "sk", type: "S" as const };

function parse(expr: string, values: Record<string, AV>) {
  return parseKeyCondition(expr, new ExpressionContext(undefined, values), hash, range);
}

Deno.test("parseKeyCondition() reads hash and range conditions in any order", () => {
  const v = { ":p": { S: "a" }, ":s": { S: "b" }, ":t": { S: "c" } };
  assert.deepEqual(parse("pk = :p", { ":p": v[":p"] }), { hash: { S: "a" } });
  assert.deepEqual(parse("sk > :s AND pk = :p", { ":p": v[":p"], ":s": v[":s"] }), {
    hash: { S: "a" },
    range: { op: ">", value: { S: "b" } },
  });
  assert.deepEqual(parse(":s > sk AND :p = pk", { ":p": v[":p"], ":s": v[":s"] }).range, {
    op: "<",
    value: { S: "b" },
  });
  assert.deepEqual(parse("pk = :p AND sk BETWEEN :s AND :t", v).range, {
    op: "between",
    low: { S: "b" },
    high: { S: "c" },
  });
  assert.deepEqual(
    parse("pk = :p AND begins_with(sk, :s)", { ":p": v[":p"], ":s": v[":s"] }).range,
    { op: "begins_with", prefix: { S: "b" } },
  );
});

Deno.test("parseKeyCondition() rejects what DynamoDB rejects", () => {
  const p = { ":p": { S: "a" } };
  const bad: [string, Record<string, AV>, RegExp][] = [
    ["pk = :p OR pk = :p", p, /Invalid operator used in KeyConditionExpression: OR/],
    ["pk < :p", p, /Query key condition not supported/],
    ["sk = :p", p, /missed key schema element: pk/],
    ["pk = :p AND x = :p", p, /missed key schema element/],
    ["pk = :p AND sk > :p AND sk < :p", p, /only contain one condition per key/],
    ["pk = :n", { ":n": { N: "1" } }, /Condition parameter type does not match schema type/],
    ["pk = :p AND sk <> :p", p, /Invalid operator used in KeyConditionExpression: <>/],
    ["pk = :p AND sk.x = :p", p, /Key attributes must be scalars/],
    ["pk = :p AND size(sk) = :n", { ...p, ":n": { N: "1" } }, /cannot contain nested operations/],
    ["pk = sk", {}, /Multiple attribute names used in one condition/],
  ];
  for (const [expr, values, re] of bad) {
    assert.throws(
      () =>
        parseKeyCondition(
          expr,
          new ExpressionContext(undefined, Object.keys(values).length ? values : undefined),
          hash,
          range,
        ),
      (e: Error) => e.name === "ValidationException" && re.test(e.message),
      expr,
    );
  }
});
