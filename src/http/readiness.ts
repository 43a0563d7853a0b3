/**
 * `GET /ready`: readiness for load balancers and orchestrators (Kubernetes `readinessProbe`).
 * `GET /health` stays liveness (`OK` while the process serves HTTP, as `mlflow server` answers);
 * `/ready` answers `OK` only while the backend answers, and 503 `TEMPORARILY_UNAVAILABLE`
 * otherwise (MLflow has no such route; the name follows the Kubernetes convention).
 *
 * @module
 */
import type { Hono } from "hono";
import type { Readiness } from "../dynamo/readiness.ts";

/** Registers `GET /ready` on `app`; without `ready` the route always answers `OK`. */
export function mountReadiness(app: Hono, ready?: () => Promise<Readiness>): void {
  app.get("/ready", async (c) => {
    const r = ready ? await ready() : { ready: true as const };
    if (r.ready) return c.text("OK");
    return c.json({
      error_code: "TEMPORARILY_UNAVAILABLE",
      message: `The backend store is not ready: ${r.reason}`,
    }, 503);
  });
}
