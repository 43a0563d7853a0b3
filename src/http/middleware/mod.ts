/**
 * Installs the request guards in front of every route, outermost first: security headers (so
 * every answer carries them, refusals included), the host check, CORS (headers, preflight,
 * blocking of foreign state-changing requests), then the JSON body limit.
 *
 * @module
 */
import type { Hono } from "hono";
import { DEFAULT_MAX_JSON_BODY_BYTES, jsonBodyLimit } from "./body_limit.ts";
import { corsMiddleware } from "./cors.ts";
import { hostCheck } from "./host_check.ts";
import type { SecurityOptions } from "./options.ts";
import { securityHeaders } from "./security_headers.ts";

export type { SecurityOptions };

/** Mounts the guards on `app` (the root app, before any route). */
export function installGuards(
  app: Hono,
  security: SecurityOptions = {},
  maxJsonBodyBytes = DEFAULT_MAX_JSON_BODY_BYTES,
  staticPrefix = "",
): void {
  if (!security.disabled) {
    app.use("*", securityHeaders(security.xFrameOptions));
    const host = hostCheck(security.allowedHosts, security.bindHost, staticPrefix);
    if (host) app.use("*", host);
    for (const m of corsMiddleware(security.corsAllowedOrigins, staticPrefix)) app.use("*", m);
  }
  app.use("*", jsonBodyLimit(maxJsonBodyBytes));
}
