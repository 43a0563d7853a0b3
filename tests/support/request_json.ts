/**
 * How the HTTP-level test helpers call an app in process: one request with a JSON body, the
 * answer's status and its body parsed when it is JSON (error pages and empty answers stay text).
 *
 * @module
 */
import type { Hono } from "hono";

/**
 * `method url` on `app` with a JSON body (an object, or a string sent as it is) and `headers`;
 * answers the status and the body, parsed when it is JSON.
 */
export async function requestJson(
  app: Hono,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const res = await app.request(url, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : {
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (a 404 page, an empty answer)
  }
  return { status: res.status, body: parsed };
}
