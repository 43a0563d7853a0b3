import assert from "node:assert/strict";
import { mlflowJson, toMlflowJson } from "./json.ts";

Deno.test("toMlflowJson writes non-finite numbers as MLflow does, wherever they are", () => {
  assert.equal(
    toMlflowJson({ metrics: [{ key: "a", value: NaN }, { key: "b", value: -Infinity }], x: 1.5 }),
    '{"metrics":[{"key":"a","value":"NaN"},{"key":"b","value":"-Infinity"}],"x":1.5}',
  );
  assert.equal(toMlflowJson(Infinity), '"Infinity"');
  assert.equal(toMlflowJson({ a: undefined, b: [undefined], c: null }), '{"b":[null],"c":null}');
});

Deno.test("toMlflowJson finds a NaN nested deeper than its walk and through toJSON", () => {
  let deep: unknown = { v: NaN };
  for (let i = 0; i < 100; i++) deep = [deep];
  assert.match(toMlflowJson(deep), /\{"v":"NaN"\}/);
  const viaToJson = { toJSON: () => ({ v: Infinity }) };
  assert.equal(toMlflowJson({ w: viaToJson }), '{"w":{"v":"Infinity"}}');
  const when = new Date(0);
  assert.equal(toMlflowJson({ when }), JSON.stringify({ when }));
});

Deno.test("mlflowJson answers JSON with its status", async () => {
  const res = mlflowJson({ value: NaN }, 201);
  assert.equal(res.status, 201);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.equal(await res.text(), '{"value":"NaN"}');
});
