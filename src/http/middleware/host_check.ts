/**
 * DNS-rebinding protection: a request whose `Host` header is not on the allowlist gets 403
 * `Invalid Host header - possible DNS rebinding attack detected` (text/plain), as `mlflow server`
 * answers. A page on `evil.example` that rebinds its name to 127.0.0.1 sends `Host: evil.example`,
 * so it cannot reach the API through the victim's browser. `/health` and `/version` are exempt.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { defaultAllowedHosts, INVALID_HOST_MSG, isHealthPath } from "./options.ts";
import { patternMatcher } from "./patterns.ts";

/**
 * The host check for `allowedHosts` (unset: MLflow's defaults plus `bindHost`). Returns
 * `undefined` when the list contains `*` (every host allowed).
 */
export function hostCheck(
  allowedHosts: string[] | undefined,
  bindHost?: string,
  staticPrefix = "",
): MiddlewareHandler | undefined {
  const hosts = allowedHosts ?? defaultAllowedHosts(bindHost);
  if (hosts.includes("*")) return undefined;
  const allowed = patternMatcher(hosts);
  return async (c, next) => {
    if (isHealthPath(c.req.path, staticPrefix)) return await next();
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    if (!host || !allowed(host)) {
      console.warn(`Rejected request with invalid Host header: ${JSON.stringify(host)}`);
      return c.text(INVALID_HOST_MSG, 403);
    }
    await next();
  };
}
