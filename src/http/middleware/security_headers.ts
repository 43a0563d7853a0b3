/**
 * Security headers on every response, as `mlflow server` sends them: `X-Content-Type-Options:
 * nosniff` always, and `X-Frame-Options` (`--x-frame-options` / `MLFLOW_SERVER_X_FRAME_OPTIONS`,
 * default `SAMEORIGIN`, upper-cased; `NONE` leaves it out) against clickjacking of the UI.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";

/** Adds the headers after the handler (and the error handler) produced the response. */
export function securityHeaders(xFrameOptions = "SAMEORIGIN"): MiddlewareHandler {
  const frame = xFrameOptions.trim().toUpperCase();
  return async (c, next) => {
    await next();
    let res = c.res;
    try {
      res.headers.set("X-Content-Type-Options", "nosniff");
    } catch {
      // Immutable headers (e.g. Response.redirect): copy the response once.
      res = new Response(res.body, res);
      res.headers.set("X-Content-Type-Options", "nosniff");
      c.res = undefined;
      c.res = res;
    }
    if (frame !== "" && frame !== "NONE") res.headers.set("X-Frame-Options", frame);
  };
}
