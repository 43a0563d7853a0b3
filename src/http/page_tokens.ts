/**
 * Opaque, validated page tokens: base64url of `{c: cursor, f: fingerprint, s: checksum}`.
 * A token from another query, or any edited or garbage token, is a 400 as in MLflow.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { invalidParameter } from "./errors.ts";

function checksum(payload: string): string {
  return createHash("sha256").update(payload).digest("base64url").slice(0, 16);
}

/** Encodes `cursor` for the query identified by `fingerprint`. */
export function encodeToken(cursor: unknown, fingerprint: string): string {
  const payload = JSON.stringify({ c: cursor, f: checksum(fingerprint) });
  return btoa(JSON.stringify({ p: payload, s: checksum(payload) }));
}

/** Decodes a token made by {@link encodeToken} for the same query, or throws a 400. */
export function decodeToken<T>(token: string, fingerprint: string): T {
  try {
    const outer = JSON.parse(atob(token)) as { p: string; s: string };
    if (checksum(outer.p) !== outer.s) throw new Error("checksum");
    const inner = JSON.parse(outer.p) as { c: T; f: string };
    if (inner.f !== checksum(fingerprint)) throw new Error("query");
    return inner.c;
  } catch {
    throw invalidParameter(`Invalid page token, could not base64-decode or parse: ${token}`);
  }
}
