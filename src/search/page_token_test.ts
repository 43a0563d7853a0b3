import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { MlflowError } from "../errors.ts";
import {
  canonicalJson,
  decodeOptionalPageToken,
  decodePageToken,
  encodePageToken,
  queryFingerprint,
} from "./page_token.ts";

const QUERY = {
  experimentIds: ["1", "2"],
  filter: "metrics.a > 1",
  orderBy: ["start_time DESC"],
  viewType: 1,
};

function rejects(token: string, query: unknown, prefix = "Invalid page token") {
  assert.throws(
    () => decodePageToken(token, query),
    (e) =>
      e instanceof MlflowError && e.code === "INVALID_PARAMETER_VALUE" &&
      e.message.startsWith(prefix),
    token,
  );
}

Deno.test("round trip; key order does not matter", () => {
  const cursor = { offset: 10, lastKey: { pk: "EXP#1", sk: "RUN#abc" } };
  const token = encodePageToken(cursor, QUERY);
  assert.match(token, /^[A-Za-z0-9_-]+$/);
  const reordered = {
    viewType: 1,
    orderBy: ["start_time DESC"],
    filter: "metrics.a > 1",
    experimentIds: ["1", "2"],
  };
  assert.deepEqual(decodePageToken(token, reordered), cursor);
  assert.equal(queryFingerprint(QUERY), queryFingerprint(reordered));
  assert.equal(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] }), '{"a":[{"c":2,"d":1}],"b":1}');
  assert.equal(decodeOptionalPageToken("", QUERY), undefined);
});

Deno.test("garbage, tampering and other searches are rejected", () => {
  const token = encodePageToken({ offset: 10 }, QUERY);
  rejects("invalid_token", QUERY);
  rejects("not base64!", QUERY, "Invalid page token, could not base64-decode");
  rejects(Buffer.from("not json").toString("base64"), QUERY);
  rejects(Buffer.from(JSON.stringify({ offset: 10 })).toString("base64"), QUERY);
  const body = JSON.parse(Buffer.from(token, "base64url").toString());
  body.c.offset = 0;
  rejects(
    Buffer.from(JSON.stringify(body)).toString("base64url"),
    QUERY,
    "Invalid page token, it has been modified",
  );
  rejects(
    token,
    { ...QUERY, filter: "metrics.a > 2" },
    "Invalid page token, it belongs to a different search",
  );
  rejects(token, { ...QUERY, experimentIds: ["1"] });
});
