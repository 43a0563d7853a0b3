import assert from "node:assert/strict";
import { isReservedWord } from "./reserved_words.ts";

Deno.test("isReservedWord() knows DynamoDB's reserved words, case-insensitively", () => {
  for (const w of ["status", "NAME", "Data", "timestamp", "value", "key", "count", "ttl", "user"]) {
    assert.ok(isReservedWord(w), w);
  }
  for (const w of ["pk", "sk", "gsi1pk", "size", "version", "metric", "run_id", "id"]) {
    assert.ok(!isReservedWord(w), w);
  }
});
