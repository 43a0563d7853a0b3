/**
 * The JSON body of a trace request, keys untouched. `rawMessage` (request.ts) turns
 * lowerCamelCase keys into snake_case, which is right for proto field names but would rewrite
 * user data inside assessment values, metadata and span attributes; the trace routes that carry
 * such data read the body with this instead (the Python client sends snake_case field names).
 *
 * @module
 */
import type { Context } from "hono";
import { jsonBody } from "../request.ts";

/** Parses the JSON object body (Content-Type must be JSON for POST/PUT, as in MLflow). */
export function jsonObjectBody(c: Context): Promise<Record<string, unknown>> {
  // The cached, size-limited read: the auth guard may have read the body already.
  return jsonBody(c, c.req.method === "POST" || c.req.method === "PUT");
}
