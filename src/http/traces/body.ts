/**
 * The JSON body of a trace request, keys untouched. `rawMessage` (request.ts) turns
 * lowerCamelCase keys into snake_case, which is right for proto field names but would rewrite
 * user data inside assessment values, metadata and span attributes; the trace routes that carry
 * such data read the body with this instead (the Python client sends snake_case field names).
 *
 * @module
 */
import type { Context } from "hono";
import { invalidParameter } from "../../errors.ts";
import { readJsonText } from "../middleware/body_limit.ts";

/** Parses the JSON object body (Content-Type must be JSON for POST/PUT, as in MLflow). */
export async function jsonObjectBody(c: Context): Promise<Record<string, unknown>> {
  if (c.req.method === "POST" || c.req.method === "PUT") {
    const type = c.req.header("content-type");
    if (!type) throw invalidParameter("Bad Request. Content-Type header is missing.");
    if (type.split(";")[0]!.trim().toLowerCase() !== "application/json") {
      throw invalidParameter("Bad Request. Content-Type must be one of ['application/json'].");
    }
  }
  // The cached, size-limited read: the auth guard may have read the body already.
  const text = await readJsonText(c);
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
    if (typeof parsed === "string") parsed = JSON.parse(parsed);
  } catch {
    throw invalidParameter(`Malformed JSON in request body: ${text.slice(0, 200)}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw invalidParameter("Request body must be a JSON object");
  }
  return parsed as Record<string, unknown>;
}
