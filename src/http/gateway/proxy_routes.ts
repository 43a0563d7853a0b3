/**
 * `GET|POST ajax-api/2.0/mlflow/gateway-proxy`, MLflow's `gateway_proxy_handler`: without a
 * deployments target (`MLFLOW_DEPLOYMENTS_TARGET`) it pretends an empty gateway
 * (`{"endpoints": []}`); with one it checks `gateway_path` as MLflow does (GET only
 * `api/2.0/endpoints`, POST only `gateway/<name>/invocations`: no request to any other path of
 * the target, PYSEC-2025-52) and forwards `json_data`, answering the target's JSON or MLflow's
 * error with the target's status and text.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import { invalidParameter, MlflowError } from "../../errors.ts";
import { jsonBody } from "../request.ts";
import { mlflowJson } from "../json.ts";

/** MLflow's `_validate_gateway_path`. */
export function validateGatewayPath(method: string, path: unknown): string {
  if (typeof path !== "string" || !path) {
    throw invalidParameter("Deployments proxy request must specify a gateway_path.");
  }
  const stripped = path.replace(/^\/+|\/+$/g, "");
  const ok = method === "GET"
    ? stripped === "api/2.0/endpoints"
    : /^gateway\/[^/]+\/invocations$/.test(stripped);
  if (!ok) throw invalidParameter(`Invalid gateway_path: ${path} for method: ${method}`);
  return path;
}

async function args(c: Context): Promise<{ gateway_path?: unknown; json_data?: unknown }> {
  if (c.req.method === "GET") {
    return { gateway_path: c.req.query("gateway_path"), json_data: c.req.query("json_data") };
  }
  const body = await jsonBody(c, false);
  return { gateway_path: body.gateway_path, json_data: body.json_data };
}

/** Mounts the proxy route (relative to the static prefix). */
export function mountProxyRoute(app: Hono, target: string | undefined): void {
  app.on(["GET", "POST"], "/ajax-api/2.0/mlflow/gateway-proxy", async (c) => {
    if (!target) return c.json({ endpoints: [] });
    const a = await args(c);
    const path = validateGatewayPath(c.req.method, a.gateway_path);
    let res: Response;
    try {
      res = await fetch(`${target}/${path}`, {
        method: c.req.method,
        ...(a.json_data !== undefined && a.json_data !== null
          ? { body: JSON.stringify(a.json_data), headers: { "content-type": "application/json" } }
          : {}),
      });
    } catch (e) {
      throw new MlflowError(
        "TEMPORARILY_UNAVAILABLE",
        `Deployments proxy request failed: ${(e as Error).message}`,
      );
    }
    const text = await res.text();
    if (res.status === 200) {
      try {
        return mlflowJson(JSON.parse(text));
      } catch {
        throw new MlflowError("INTERNAL_ERROR", "Deployments target answered non-JSON content.");
      }
    }
    throw new MlflowError(
      "INTERNAL_ERROR",
      `Deployments proxy request failed with error code ${res.status}. Error message: ${text}`,
    );
  });
  // Flask's answer to any other method on a GET/POST rule.
  app.on(["PUT", "DELETE", "PATCH"], "/ajax-api/2.0/mlflow/gateway-proxy", (c) =>
    c.html(
      "<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n" +
        "<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n",
      405,
      { allow: "GET, HEAD, OPTIONS, POST" },
    ));
}
