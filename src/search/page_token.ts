/**
 * Opaque page tokens. A token carries a JSON cursor (an offset, a DynamoDB
 * `LastEvaluatedKey`, ...) plus a fingerprint of the search it belongs to, and a checksum.
 * Garbage, edited tokens and tokens replayed with a different filter, order or scope are
 * rejected with `INVALID_PARAMETER_VALUE` "Invalid page token, ..." (MLflow's wording).
 *
 * The checksum catches accidents and casual edits; it is not a signature.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { Buffer } from "node:buffer";
import { invalidParameter } from "../errors.ts";

const VERSION = 1;

/** JSON with object keys sorted, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? "null";
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * A short digest of the search parameters a token is valid for: filter, order_by,
 * experiment ids, view type... (any JSON value; key order does not matter).
 */
export function queryFingerprint(query: unknown): string {
  return sha256Hex(canonicalJson(query)).slice(0, 16);
}

function checksum(cursor: string, fingerprint: string): string {
  return sha256Hex(`${VERSION}\n${fingerprint}\n${cursor}`).slice(0, 16);
}

/** Make a token for `cursor` (any JSON value) in the search described by `query`. */
export function encodePageToken(cursor: unknown, query: unknown): string {
  const c = canonicalJson(cursor);
  const f = queryFingerprint(query);
  const body = JSON.stringify({ v: VERSION, c: JSON.parse(c), f, s: checksum(c, f) });
  return Buffer.from(body, "utf8").toString("base64url");
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * The cursor in `token`, checked against the search described by `query`. Throws
 * `INVALID_PARAMETER_VALUE` for anything that is not an untouched token of this search.
 */
export function decodePageToken<T = unknown>(token: string, query: unknown): T {
  if (!BASE64.test(token) || token.length % 4 === 1) {
    throw invalidParameter("Invalid page token, could not base64-decode");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
  } catch {
    throw invalidParameter("Invalid page token, could not decode it as JSON");
  }
  if (
    parsed === null || typeof parsed !== "object" || Array.isArray(parsed) ||
    !("c" in parsed) || !("f" in parsed) || !("s" in parsed) || !("v" in parsed)
  ) {
    throw invalidParameter("Invalid page token, it is not a token of this server");
  }
  const { v, c, f, s } = parsed as { v: unknown; c: unknown; f: unknown; s: unknown };
  const cursor = canonicalJson(c);
  if (v !== VERSION || typeof f !== "string" || s !== checksum(cursor, f)) {
    throw invalidParameter("Invalid page token, it has been modified");
  }
  if (f !== queryFingerprint(query)) {
    throw invalidParameter(
      "Invalid page token, it belongs to a different search (the filter, order_by or " +
        "other search parameters changed)",
    );
  }
  return c as T;
}

/** Like {@link decodePageToken}, but an absent or empty token gives `undefined`. */
export function decodeOptionalPageToken<T = unknown>(
  token: string | null | undefined,
  query: unknown,
): T | undefined {
  return token ? decodePageToken<T>(token, query) : undefined;
}
