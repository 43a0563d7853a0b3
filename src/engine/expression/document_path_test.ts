import assert from "node:assert/strict";
import {
  getPath,
  InvalidPathError,
  pathsConflict,
  pathsOverlap,
  removePath,
  setPath,
} from "./document_path.ts";

Deno.test("getPath() walks maps and lists", () => {
  const item = { a: { M: { b: { L: [{ S: "x" }] } } } };
  assert.deepEqual(getPath(item, ["a", "b", 0]), { S: "x" });
  assert.equal(getPath(item, ["a", "b", 1]), undefined);
  assert.equal(getPath(item, ["a", 0]), undefined);
  assert.equal(getPath(item, ["z"]), undefined);
});

Deno.test("setPath() and removePath() require an existing parent", () => {
  const item: Record<string, never> & Record<string, { M?: Record<string, unknown> }> = {};
  assert.throws(() => setPath(item, ["a", "b"], { S: "x" }), InvalidPathError);
  assert.throws(() => removePath(item, ["a", "b"]), InvalidPathError);
  removePath(item, ["a"]);
});

Deno.test("pathsOverlap() and pathsConflict()", () => {
  assert.ok(pathsOverlap(["a"], ["a", "b"]));
  assert.ok(!pathsOverlap(["a", "c"], ["a", "b"]));
  assert.ok(pathsConflict(["a", 0], ["a", "b"]));
  assert.ok(!pathsConflict(["a", 0], ["a", 1]));
});
