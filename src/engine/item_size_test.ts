import assert from "node:assert/strict";
import { attributesSize, itemSize, utf8Length, valueSize } from "./item_size.ts";

Deno.test("item sizes follow DynamoDB's rules", () => {
  assert.equal(utf8Length("aé€😀"), 1 + 2 + 3 + 4);
  assert.equal(valueSize({ S: "abc" }), 3);
  assert.equal(valueSize({ BOOL: true }), 1);
  assert.equal(valueSize({ NULL: true }), 1);
  assert.equal(valueSize({ B: new Uint8Array(5) }), 5);
  assert.equal(valueSize({ L: [] }), 3);
  assert.equal(valueSize({ M: {} }), 3);
  assert.equal(valueSize({ L: [{ S: "ab" }, { S: "c" }] }), 3 + 3 + 2);
  assert.equal(valueSize({ M: { k: { S: "ab" } } }), 3 + 1 + 2 + 1);
  assert.equal(valueSize({ SS: ["a", "bc"] }), 3);
  assert.equal(itemSize({ pk: { S: "a" }, sk: { S: "1" }, n: { N: "12" } }), 3 + 3 + 1 + 2);
});

Deno.test("attributesSize() counts only the listed, present attributes", () => {
  const item = { pk: { S: "a" }, x: { S: "12345" }, y: { N: "1" } };
  assert.equal(attributesSize(item, ["pk", "x", "missing"]), 3 + 6);
});
