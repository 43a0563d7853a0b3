/**
 * Maps every error to MLflow's wire format: `{"error_code", "message"}` with MLflow's status.
 *
 * @module
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { MlflowError } from "../errors.ts";
import { httpStatusOf } from "./error_status.ts";
import { backendLimitError } from "./backend_limits.ts";

/**
 * Hono `onError` handler. Unknown errors are logged and answered with a generic 500 whose message
 * names no file, address or backend detail (those go to the log only).
 */
export function onError(err: Error, c: Context): Response {
  if (err instanceof MlflowError) return c.json(err.toJSON(), httpStatusOf(err.code) as 400);
  if (err instanceof HTTPException) {
    // A guard that built its own MLflow answer (e.g. the 413 of the body limit).
    if (err.res) return err.getResponse();
    // Hono's own errors (e.g. malformed JSON in its validators) are client errors in MLflow terms.
    const code = err.status === 404 ? "RESOURCE_DOES_NOT_EXIST" : "INVALID_PARAMETER_VALUE";
    const e = new MlflowError(err.status >= 500 ? "INTERNAL_ERROR" : code, err.message);
    return c.json(e.toJSON(), err.status);
  }
  const limit = backendLimitError(err);
  if (limit) {
    console.warn(
      `Refused input too large for DynamoDB on ${c.req.method} ${c.req.path}:`,
      err.message,
    );
    return c.json(limit.toJSON(), 400);
  }
  console.error(`Unhandled error on ${c.req.method} ${c.req.path}:`, err);
  return c.json({
    error_code: "INTERNAL_ERROR",
    message: "Internal error; the server log has the details.",
  }, 500);
}

/**
 * Unknown routes: 404 with a non-JSON body, which the MLflow client reads as ENDPOINT_NOT_FOUND.
 * A path with repeated slashes (`//model-versions/get-artifact`) is first redirected (308, query
 * kept) to its merged form, as Werkzeug's `merge_slashes` does for `mlflow server`.
 */
export function notFoundRoute(c: Context): Response {
  const url = new URL(c.req.url);
  if (url.pathname.includes("//")) {
    const merged = url.pathname.replace(/\/{2,}/g, "/");
    return new Response(null, { status: 308, headers: { location: `${merged}${url.search}` } });
  }
  return c.text("Not Found", 404);
}
