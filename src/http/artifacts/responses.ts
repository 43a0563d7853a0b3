/**
 * Helpers shared by the artifact routes: the raw artifact path of a request, file responses.
 *
 * @module
 */
import type { Context } from "hono";
import type { ArtifactObject } from "../../artifacts/store.ts";
import { basename } from "../../artifacts/store.ts";
import { guessMimeType } from "./content_type.ts";

/**
 * The path of the request URL as the client sent it, without query string. `Deno.serve` keeps the
 * request target verbatim, so `..` segments and percent-escapes reach the path validation
 * instead of being resolved by URL parsing.
 */
export function rawPath(c: Context): string {
  const url = c.req.url;
  const scheme = url.indexOf("://");
  const start = url.indexOf("/", scheme < 0 ? 0 : scheme + 3);
  if (start < 0) return "/";
  const path = url.slice(start);
  const end = path.search(/[?#]/);
  return end < 0 ? path : path.slice(0, end);
}

/** The still-encoded part of the request path after `marker`, or undefined. */
export function rawPathAfter(c: Context, marker: string): string | undefined {
  const path = rawPath(c);
  const i = path.indexOf(marker);
  return i < 0 ? undefined : path.slice(i + marker.length);
}

/** `Content-Disposition: attachment` with the name, RFC 6266 encoded when it is not plain ASCII. */
export function attachment(name: string): string {
  if (/^[\x21-\x7e ]+$/.test(name) && !/[";\\]/.test(name)) return `attachment; filename=${name}`;
  const fallback = name.replace(/[^\x20-\x7e]|["\\;]/g, "_");
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** A streamed download of `obj` named after the last segment of `path`, as MLflow sends files. */
export function fileResponse(obj: ArtifactObject, path: string): Response {
  const name = basename(path);
  return new Response(obj.body, {
    status: 200,
    headers: {
      "content-type": guessMimeType(name),
      "content-disposition": attachment(name),
      "x-content-type-options": "nosniff",
      "content-length": String(obj.size),
    },
  });
}
