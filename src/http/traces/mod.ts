/**
 * Mounts every trace route: v3 under `/api/3.0/mlflow` and `/ajax-api/3.0/mlflow`, the 2.0
 * paths (tags, links, delete, legacy v2 API), and OTLP at `/v1/traces`.
 *
 * @module
 */
import type { Hono } from "hono";
import { ArtifactLocations, openArtifactStore } from "../../artifacts/locations.ts";
import { artifactSpanSpill } from "../../store/traces/span_spill.ts";
import type { Stores } from "../../store/stores.ts";
import { TraceStore, type TraceStoreOptions } from "../../store/traces/trace_store.ts";
import { mountMlflow } from "../mount.ts";
import { analyticsRoutes } from "./analytics_routes.ts";
import { OTLP_TRACES_PATH, otlpTraces } from "./otlp.ts";
import { traceRoutesV2, traceRoutesV3 } from "./trace_routes.ts";

/** Returns the mount function of the trace routes. */
export function mountTraces(stores: Stores, options: TraceStoreOptions = {}): (app: Hono) => void {
  const traces = new TraceStore(stores.db, stores.experiments, options);
  return (app: Hono) => {
    mountMlflow(app, analyticsRoutes(stores, traces), ["3.0"]);
    mountMlflow(app, traceRoutesV3(stores, traces), ["3.0"]);
    mountMlflow(app, traceRoutesV2(stores, traces), ["2.0"]);
    app.post(OTLP_TRACES_PATH, (c) => otlpTraces(c, traces));
  };
}

/** The trace routes with big spans spilling to the artifact destination (when served). */
export async function mountTracesFromConfig(
  config: { serveArtifacts: boolean; artifactsDestination: string },
  stores: Stores,
): Promise<(app: Hono) => void> {
  const destination = config.serveArtifacts
    ? await openArtifactStore(config.artifactsDestination)
    : undefined;
  return mountTraces(stores, {
    spill: artifactSpanSpill(new ArtifactLocations(destination)),
    ...retentionFromEnv(),
  });
}

/**
 * `MLFLOW_TRACE_RETENTION_DAYS`: traces written from now on expire (DynamoDB TTL) after that many
 * days. Read here rather than in the shared config because only traces use it.
 */
export function retentionFromEnv(): { retentionDays?: number } {
  const raw = Deno.env.get("MLFLOW_TRACE_RETENTION_DAYS");
  if (raw === undefined || raw === "") return {};
  const days = Number(raw);
  if (!Number.isFinite(days) || days <= 0) {
    throw new Error(`MLFLOW_TRACE_RETENTION_DAYS must be a positive number of days, got '${raw}'`);
  }
  return { retentionDays: days };
}
