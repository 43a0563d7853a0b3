import assert from "node:assert/strict";
import { decodeItem, decodeLine, encodeLine, toJson } from "./codec.ts";
import type { LogRecord } from "../state.ts";

Deno.test("encodeLine() and decodeLine() round-trip records with binary values", () => {
  const records: LogRecord[] = [
    {
      op: "put",
      table: "t",
      item: {
        pk: { S: "a" },
        b: { B: new Uint8Array([0, 255]) },
        bs: { BS: [new Uint8Array([1])] },
        m: { M: { l: { L: [{ B: new Uint8Array([7]) }] } } },
      },
    },
    { op: "delete", table: "t", key: { pk: { B: new Uint8Array([9]) } } },
    { op: "deleteTable", table: "u" },
  ];
  const line = encodeLine(records);
  assert.equal(line[line.length - 1], 10);
  assert.deepEqual(decodeLine(line.subarray(0, line.length - 1)), records);
});

Deno.test("decodeLine() rejects torn and corrupted lines", () => {
  const line = encodeLine([{ op: "deleteTable", table: "t" }]);
  const body = line.subarray(0, line.length - 1);
  assert.equal(decodeLine(body.subarray(0, body.length - 3)), undefined, "torn");
  const flipped = body.slice();
  flipped[flipped.length - 2] = flipped[flipped.length - 2]! ^ 1;
  assert.equal(decodeLine(flipped), undefined, "bit flip");
  assert.equal(decodeLine(new Uint8Array([0, 0, 0])), undefined, "zeros");
});

Deno.test("toJson() writes binary as base64 and decodeItem() restores it", () => {
  const json = toJson({ b: { B: new Uint8Array([104, 105]) } });
  assert.equal(json, '{"b":{"B":"aGk="}}');
  assert.deepEqual(decodeItem(JSON.parse(json)), { b: { B: new Uint8Array([104, 105]) } });
});
