import assert from "node:assert/strict";
import { durationJson, parseDuration, parseTimestamp, timestampJson } from "./wire.ts";

Deno.test("timestamps and durations use protobuf's JSON forms", () => {
  assert.equal(timestampJson(1_700_000_000_000), "2023-11-14T22:13:20Z");
  assert.equal(timestampJson(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
  assert.equal(parseTimestamp("2023-11-14T22:13:20.123456Z", "t"), 1_700_000_000_123);
  assert.equal(durationJson(1500), "1.500s");
  assert.equal(durationJson(2000), "2s");
  assert.equal(parseDuration("0.005s", "d"), 5);
  assert.equal(parseDuration("3s", "d"), 3000);
  assert.equal(parseDuration("1.000500s", "d"), 1000);
});
