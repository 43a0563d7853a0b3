/**
 * The UI's data routes that are not in MLflow's protos (Flask routes of `mlflow server`):
 *
 * - `POST ajax-api/2.0/mlflow/experiments/search-datasets` `{experiment_ids}` (1..20):
 *   `{dataset_summaries: [{experiment_id, name, digest, context}]}`, distinct, at most 1000.
 * - `GET ajax-api/2.0/mlflow/metrics/get-history-bulk?run_id=…&metric_key=…[&max_results]`:
 *   the full histories of up to 100 runs, by run id, then timestamp, step, value; 25000 at most.
 * - `GET model-versions/get-artifact?name=&version=&path=`: a file under the version's download
 *   URI, with the same path safety and response headers as `/get-artifact`.
 * - `POST ajax-api/2.0/mlflow/upload-artifact?run_uuid=&path=`: the body (≤ 10 MB) stored as the
 *   run artifact `path`.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import type { ArtifactLocations } from "../../artifacts/locations.ts";
import { safeArtifactPath } from "../../artifacts/safe_path.ts";
import { joinPath } from "../../artifacts/store.ts";
import { invalidParameter } from "../../errors.ts";
import { readHistory } from "../../store/metrics/metric_history.ts";
import type { RegistryStore } from "../../store/registry/registry_store.ts";
import { searchRuns } from "../../store/runs/search_runs.ts";
import type { Stores } from "../../store/stores.ts";
import { pooledMap } from "../../util/pool.ts";
import { fileResponse } from "../artifacts/responses.ts";
import { mlflowJson } from "../json.ts";
import { list, missingParameter, parseRequest } from "../request.ts";
import { compileRunSearch } from "../tracking/search_compile.ts";
import { visibleExperiments } from "../visibility.ts";
import type { VisibleExperiments } from "../../store/visible_experiments.ts";

/** What the routes need. */
export interface DataRouteDeps {
  stores: Stores;
  registry: RegistryStore;
  /** Resolves artifact roots (runs' and model versions'). */
  locations: ArtifactLocations;
}

const MAX_DATASET_EXPERIMENTS = 20;
const MAX_DATASET_SUMMARIES = 1000;
const MAX_BULK_RUNS = 100;
const MAX_BULK_RESULTS = 25_000;
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const DATASET_CONTEXT_TAG = "mlflow.data.context";

/** `SearchDatasets`: the distinct dataset summaries of the experiments' runs (REST and GraphQL). */
export async function datasetSummaries(
  stores: Stores,
  ids: string[],
  visible?: VisibleExperiments,
): Promise<Record<string, string | undefined>[]> {
  if (ids.length === 0) {
    throw invalidParameter("SearchDatasets request must specify at least one experiment_id.");
  }
  if (ids.length > MAX_DATASET_EXPERIMENTS) {
    throw invalidParameter(
      `SearchDatasets request cannot specify more than ${MAX_DATASET_EXPERIMENTS} experiment_ids. Received ${ids.length} experiment_ids.`,
    );
  }
  const seen = new Map<string, Record<string, string | undefined>>();
  // Every run of the experiments (deleted ones too: their inputs are still logged in MLflow).
  const found = await searchRuns(stores.runs, {
    experimentIds: ids,
    ...(visible ? { visible } : {}),
    viewType: "ALL",
    maxResults: Number.MAX_SAFE_INTEGER,
    ...compileRunSearch("", []),
    withMetrics: false,
  });
  for (const run of found.runs) {
    for (const d of run.datasetInputs) {
      const context = d.tags.find((t) => t.key === DATASET_CONTEXT_TAG)?.value;
      const summary = {
        experiment_id: run.info.experimentId,
        name: d.dataset.name,
        digest: d.dataset.digest,
        context,
      };
      const key = JSON.stringify(summary);
      if (!seen.has(key) && seen.size < MAX_DATASET_SUMMARIES) seen.set(key, summary);
    }
  }
  return [...seen.values()];
}

/** Mounts the routes (relative to the static prefix). */
export function mountDataRoutes(app: Hono, deps: DataRouteDeps): void {
  const { stores, registry, locations } = deps;

  app.post("/ajax-api/2.0/mlflow/experiments/search-datasets", async (c) => {
    const req = await parseRequest(c, z.object({ experiment_ids: list(z.string()).optional() }));
    const summaries = await datasetSummaries(
      stores,
      req.experiment_ids ?? [],
      visibleExperiments(c),
    );
    return mlflowJson(summaries.length > 0 ? { dataset_summaries: summaries } : {});
  });

  app.get("/ajax-api/2.0/mlflow/metrics/get-history-bulk", async (c) => {
    const runIds = c.req.queries("run_id") ?? [];
    if (runIds.length === 0) {
      throw invalidParameter("GetMetricHistoryBulk request must specify at least one run_id.");
    }
    if (runIds.length > MAX_BULK_RUNS) {
      throw invalidParameter(
        `GetMetricHistoryBulk request cannot specify more than ${MAX_BULK_RUNS} run_ids. Received ${runIds.length} run_ids.`,
      );
    }
    const key = c.req.query("metric_key");
    if (key === undefined) {
      throw invalidParameter("GetMetricHistoryBulk request must specify a metric_key.");
    }
    const rawMax = c.req.query("max_results");
    const max = rawMax === undefined ? MAX_BULK_RESULTS : Number(rawMax);
    if (!Number.isInteger(max)) {
      throw invalidParameter(`Invalid value ${rawMax} for parameter 'max_results' supplied.`);
    }
    const limit = Math.max(0, Math.min(max, MAX_BULK_RESULTS));
    const sorted = [...new Set(runIds)].sort();
    const histories = await pooledMap(sorted, async (runId) => ({
      runId,
      points: await readHistory(stores.db, runId, key, limit || 1),
    }));
    const metrics = histories.flatMap(({ runId, points }) =>
      [...points.metrics]
        .sort((a, b) => a.timestamp - b.timestamp || a.step - b.step || a.value - b.value)
        .map((m) => ({
          key: m.key,
          value: m.value,
          timestamp: m.timestamp,
          step: m.step,
          run_id: runId,
        }))
    );
    return mlflowJson({ metrics: metrics.slice(0, limit) });
  });

  app.get("/model-versions/get-artifact", async (c) => {
    const q = c.req.query();
    if (q.path === undefined) throw invalidParameter(missingParameter("path"));
    const path = safeArtifactPath(q.path);
    const uri = await registry.getModelVersionDownloadUri(q.name ?? "", q.version ?? "");
    const { store, base } = await locations.forRun(uri);
    return fileResponse(await store.get(joinPath(base, path)), path);
  });

  app.post("/ajax-api/2.0/mlflow/upload-artifact", async (c: Context) => {
    const runId = c.req.query("run_uuid");
    if (!runId) throw invalidParameter("Request must specify run_uuid.");
    const rawPath = c.req.query("path");
    if (!rawPath) throw invalidParameter("Request must specify path.");
    const path = safeArtifactPath(rawPath);
    const declared = Number(c.req.header("content-length") ?? 0);
    if (declared > MAX_UPLOAD_BYTES) {
      throw invalidParameter("Artifact size is too large. Max size is 10MB.");
    }
    const data = new Uint8Array(await c.req.arrayBuffer());
    if (data.length === 0) throw invalidParameter("Request must specify data.");
    if (data.length > MAX_UPLOAD_BYTES) {
      throw invalidParameter("Artifact size is too large. Max size is 10MB.");
    }
    const { record } = await stores.runs.load(runId);
    const { store, base } = await locations.forRun(record.artifact_uri);
    await store.put(joinPath(base, path), new Blob([data]).stream(), {
      contentType: c.req.header("content-type"),
    });
    return c.json({});
  });
}
