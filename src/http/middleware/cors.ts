/**
 * Cross-origin requests, as `mlflow server` (≥ 3.5) handles them:
 *
 * - CORS headers (credentials allowed) and preflight `OPTIONS` answers (204) for localhost origins
 *   (`http://localhost[:port]`, `http://127.0.0.1[:port]`, `http://[::1][:port]`) and the
 *   `--cors-allowed-origins` list (fnmatch patterns);
 * - active blocking: a state-changing request (POST, PUT, DELETE, PATCH) to an API path that
 *   carries a foreign `Origin` gets 403 `Cross-origin request blocked` before any handler runs,
 *   so a page on another site cannot write even when the browser does not preflight;
 * - `*` in the list allows every origin without credentials and turns blocking off (MLflow's
 *   wildcard mode).
 *
 * Outside a preflight the CORS headers are added to the finished response (the headers Hono's
 * `cors` gives, in the same way: they override those of the handler's response, `Vary: Origin`
 * is appended; no handler sets CORS headers of its own, `cors_test.ts` compares the two).
 * Hono's `cors` sets them before the handler runs, which makes Hono build a placeholder
 * response and copy every answer twice (three `Response`s a request); preflights still go
 * through it.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import { CORS_BLOCKED_MSG, isApiPath } from "./options.ts";
import { patternMatcher } from "./patterns.ts";

const LOCALHOST_ORIGIN = [
  /^http:\/\/localhost(:[0-9]+)?$/,
  /^http:\/\/127\.0\.0\.1(:[0-9]+)?$/,
  /^http:\/\/\[::1\](:[0-9]+)?$/,
];
const LOCALHOST_HOSTNAMES = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);
const STATE_CHANGING = new Set(["POST", "PUT", "DELETE", "PATCH"]);
const METHODS = ["GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"];

/** `is_localhost_origin`: any scheme and port on a loopback name. */
function isLocalhostOrigin(origin: string): boolean {
  try {
    return LOCALHOST_HOSTNAMES.has(new URL(origin).hostname);
  } catch {
    return false;
  }
}

/** The CORS middlewares (headers/preflight, then blocking) for `allowedOrigins`. */
export function corsMiddleware(
  allowedOrigins: string[] | undefined,
  staticPrefix = "",
): MiddlewareHandler[] {
  const list = allowedOrigins ?? [];
  if (list.includes("*")) {
    console.warn(
      "--cors-allowed-origins=* : every origin may call the API (credentials not allowed)",
    );
    return [cors({ origin: "*", allowMethods: METHODS, exposeHeaders: ["*"] })];
  }
  const listed = patternMatcher(list);
  const allowOrigin = (origin: string) =>
    origin && (LOCALHOST_ORIGIN.some((r) => r.test(origin)) || listed(origin)) ? origin : null;
  const preflight = cors({
    origin: allowOrigin,
    credentials: true,
    allowMethods: METHODS,
    exposeHeaders: ["*"],
  });
  const headers: MiddlewareHandler = async (c, next) => {
    if (c.req.method === "OPTIONS") return await preflight(c, next);
    const allowed = allowOrigin(c.req.header("origin") ?? "");
    await next();
    let res = c.res;
    try {
      addCorsHeaders(res.headers, allowed);
    } catch {
      // Immutable headers (e.g. Response.redirect): copy the response once.
      res = new Response(res.body, res);
      addCorsHeaders(res.headers, allowed);
      c.res = undefined;
      c.res = res;
    }
  };
  const block: MiddlewareHandler = async (c, next) => {
    const origin = c.req.header("origin");
    if (
      origin && STATE_CHANGING.has(c.req.method) && isApiPath(c.req.path, staticPrefix) &&
      !isLocalhostOrigin(origin) && !listed(origin)
    ) {
      console.warn(`Blocked cross-origin request from ${JSON.stringify(origin)}`);
      return c.text(CORS_BLOCKED_MSG, 403);
    }
    await next();
  };
  return [headers, block];
}

function addCorsHeaders(h: Headers, allowed: string | null): void {
  if (allowed) h.set("Access-Control-Allow-Origin", allowed);
  h.set("Access-Control-Allow-Credentials", "true");
  h.set("Access-Control-Expose-Headers", "*");
  h.append("Vary", "Origin");
}
