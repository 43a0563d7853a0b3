/**
 * The access log and, with `--expose-prometheus`, the metrics registry and `/metrics`, built
 * from the configuration (`createApp`'s `observe` and `rootRoutes`).
 *
 * @module
 */
import type { AppDeps } from "../app.ts";
import type { Config } from "../config/config.ts";
import { createMetrics } from "../http/metrics/prometheus.ts";

/** The observation part of {@link AppDeps}; creates the Prometheus directory as MLflow does. */
export async function observability(
  config: Pick<Config, "logFormat" | "exposePrometheus">,
  write?: (line: string) => void,
): Promise<Pick<AppDeps, "observe" | "rootRoutes">> {
  if (!config.exposePrometheus) {
    return { observe: { logFormat: config.logFormat, ...(write ? { write } : {}) } };
  }
  await Deno.mkdir(config.exposePrometheus, { recursive: true });
  const metrics = createMetrics();
  return {
    observe: {
      logFormat: config.logFormat,
      ...(write ? { write } : {}),
      observers: [(r) => metrics.observe(r)],
    },
    rootRoutes: [(app) => metrics.mount(app)],
  };
}
