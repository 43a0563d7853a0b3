import assert from "node:assert/strict";
import { parseTraceFilter } from "../../search/traces_filter.ts";
import { emptyRange, narrowing, shardQuery } from "./listing_query.ts";

Deno.test("time bounds become a key range, status a filter expression", () => {
  const n = narrowing(
    parseTraceFilter(
      "trace.timestamp_ms >= 1000 AND trace.timestamp_ms < 2000 AND trace.status = 'OK'",
    ),
  );
  assert.deepEqual([n.fromMs, n.toMs, n.empty], [1000, 1999, false]);
  const q = shardQuery("t", "1", 0, undefined, n);
  assert.equal(q.KeyConditionExpression, "gsi1pk = :pk AND gsi1sk BETWEEN :lo AND :hi");
  assert.equal(q.FilterExpression, "#st IN (:st0)");
  assert.ok(q.ExpressionAttributeValues![":lo"]!.S! < q.ExpressionAttributeValues![":hi"]!.S!);
  const none = narrowing(parseTraceFilter("trace.timestamp_ms > 5 AND trace.timestamp_ms < 3"));
  assert.ok(none.empty);
  const notErr = narrowing(parseTraceFilter("trace.status != 'ERROR'"));
  assert.equal(shardQuery("t", "1", 0, undefined, notErr).FilterExpression, "NOT (#st IN (:st0))");
  // A page token past the time range leaves nothing to read.
  const later = shardQuery(
    "t",
    "1",
    0,
    "99999999999999999999#x",
    narrowing(parseTraceFilter(
      "trace.timestamp_ms >= 1000",
    )),
  );
  assert.ok(emptyRange(later));
});
