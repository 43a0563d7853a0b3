import assert from "node:assert/strict";
import type { AV, Item } from "../values.ts";
import { applyUpdate } from "./apply_update.ts";
import { ExpressionContext } from "./context.ts";
import { parseUpdate } from "./update_parser.ts";

const key: Item = { pk: { S: "k" } };

function update(expr: string, values: Record<string, AV> | undefined, old?: Item): Item {
  return applyUpdate(parseUpdate(expr, new ExpressionContext(undefined, values)), old, key);
}

Deno.test("applyUpdate() evaluates operands against the old item", () => {
  const old = { ...key, a: { N: "1" }, b: { N: "2" } };
  const out = update("SET a = b, b = a", undefined, old);
  assert.deepEqual(out, { ...key, a: { N: "2" }, b: { N: "1" } });
  assert.deepEqual(old.a, { N: "1" }, "input untouched");
});

Deno.test("applyUpdate() does counters with ADD and if_not_exists", () => {
  let item = update("ADD c :one", { ":one": { N: "1" } });
  item = update("ADD c :one", { ":one": { N: "1" } }, item);
  assert.deepEqual(item.c, { N: "2" });
  item = update(
    "SET d = if_not_exists(d, :z) + :inc",
    { ":z": { N: "0" }, ":inc": { N: "0.5" } },
    item,
  );
  item = update(
    "SET d = if_not_exists(d, :z) + :inc",
    { ":z": { N: "0" }, ":inc": { N: "0.5" } },
    item,
  );
  assert.deepEqual(item.d, { N: "1" });
  item = update("SET d = d - :x", { ":x": { N: "3" } }, item);
  assert.deepEqual(item.d, { N: "-2" });
});

Deno.test("applyUpdate() handles lists, maps and sets", () => {
  let item = update("SET l = :l, m = :m", {
    ":l": { L: [{ N: "0" }, { N: "1" }, { N: "2" }] },
    ":m": { M: { a: { S: "x" } } },
  });
  item = update("SET l[9] = :v, m.b = :v", { ":v": { S: "y" } }, item);
  assert.equal(item.l!.L!.length, 4);
  assert.deepEqual(item.m!.M!.b, { S: "y" });
  item = update("REMOVE l[0], l[2]", undefined, item);
  assert.deepEqual(item.l, { L: [{ N: "1" }, { S: "y" }] });
  item = update("SET l = list_append(:pre, l)", { ":pre": { L: [{ S: "p" }] } }, item);
  assert.deepEqual(item.l!.L![0], { S: "p" });
  item = update("ADD s :s", { ":s": { SS: ["a", "b"] } }, item);
  item = update("ADD s :s", { ":s": { SS: ["b", "c"] } }, item);
  assert.deepEqual(item.s!.SS!.sort(), ["a", "b", "c"]);
  item = update("DELETE s :s", { ":s": { SS: ["a", "b", "c"] } }, item);
  assert.equal(item.s, undefined, "an emptied set is removed");
});

Deno.test("applyUpdate() raises DynamoDB's runtime errors", () => {
  const old = { ...key, str: { S: "x" } };
  const bad: [string, Record<string, AV> | undefined, string][] = [
    [
      "ADD str :n",
      { ":n": { N: "1" } },
      "An operand in the update expression has an incorrect data type",
    ],
    [
      "SET n = str + :n",
      { ":n": { N: "1" } },
      "An operand in the update expression has an incorrect data type",
    ],
    [
      "SET n = nope + :n",
      { ":n": { N: "1" } },
      "The provided expression refers to an attribute that does not exist in the item",
    ],
    [
      "SET q.b = :n",
      { ":n": { N: "1" } },
      "The document path provided in the update expression is invalid for update",
    ],
    [
      "REMOVE q.b",
      undefined,
      "The document path provided in the update expression is invalid for update",
    ],
    [
      "SET n = :a + :b",
      { ":a": { N: "12345678901234567890123456789012345678" }, ":b": { N: "0.5" } },
      "DynamoDB only supports precision up to 38 digits",
    ],
  ];
  for (const [expr, values, message] of bad) {
    assert.throws(
      () => update(expr, values, old),
      (e: Error) => e.name === "ValidationException" && e.message === message,
      expr,
    );
  }
});
