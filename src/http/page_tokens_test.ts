import assert from "node:assert/strict";
import { decodeToken, encodeToken } from "./page_tokens.ts";
import { MlflowError } from "./errors.ts";

Deno.test("page tokens round-trip for the same query", () => {
  const t = encodeToken({ chunk: "01H", index: 3 }, "q1");
  assert.deepEqual(decodeToken(t, "q1"), { chunk: "01H", index: 3 });
});

Deno.test("page tokens reject garbage, edits and other queries with INVALID_PARAMETER_VALUE", () => {
  const t = encodeToken({ offset: 5 }, "q1");
  for (const bad of ["invalid_token", "", t.slice(0, -4) + "AAAA", btoa('{"p":"{}","s":"x"}')]) {
    assert.throws(() => decodeToken(bad, "q1"), (e: unknown) =>
      e instanceof MlflowError && e.code === "INVALID_PARAMETER_VALUE");
  }
  assert.throws(() => decodeToken(t, "q2"), MlflowError);
});
