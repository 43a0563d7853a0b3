import assert from "node:assert/strict";
import { ExpressionContext } from "./context.ts";
import { parseProjection, project } from "./projection.ts";

Deno.test("project() keeps nested structure and compacts list elements", () => {
  const item = {
    a: { S: "1" },
    m: { M: { x: { N: "1" }, y: { N: "2" } } },
    l: { L: [{ S: "0" }, { S: "1" }, { S: "2" }] },
  };
  const paths = parseProjection(
    "a, m.y, l[2], l[0], gone, #n",
    new ExpressionContext({ "#n": "m2" }),
  );
  assert.deepEqual(project(item, paths), {
    a: { S: "1" },
    m: { M: { y: { N: "2" } } },
    l: { L: [{ S: "0" }, { S: "2" }] },
  });
});

Deno.test("parseProjection() rejects overlapping paths", () => {
  assert.throws(
    () => parseProjection("a, a.b", new ExpressionContext()),
    /Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: \[a\], path two: \[a, b\]/,
  );
});
