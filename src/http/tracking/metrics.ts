/**
 * Metric history endpoints (`/mlflow/metrics/*`).
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import { type HistoryCursor, readHistory } from "../../store/metrics/metric_history.ts";
import type { Stores } from "../../store/stores.ts";
import { invalidParameter } from "../../errors.ts";
import { mlflowJson, nonEmpty } from "../json.ts";
import { int64, list, missingParameter, parseRequest, requireString } from "../request.ts";
import { samplePoints } from "../../store/metrics/sample_interval.ts";
import {
  decodePageToken as decodeToken,
  encodePageToken as encodeToken,
} from "../../search/page_token.ts";
import { metricJson } from "./wire.ts";
import { pooledMap } from "../../util/pool.ts";

const MAX_RUNS_BULK = 100;
const MAX_RESULTS_PER_RUN = 2500;

// Request schemas are built once: a zod object built per request is compiled again each time.
const GetHistoryRequest = z.object({
  run_id: z.string().optional(),
  run_uuid: z.string().optional(),
  metric_key: z.string().optional(),
  page_token: z.string().optional(),
  max_results: int64.optional(),
});

/** Routes for metric history, mounted under both API prefixes. */
export function metricRoutes(stores: Stores): Hono {
  const app = new Hono();

  app.get("/metrics/get-history", async (c) => {
    const req = await parseRequest(
      c,
      GetHistoryRequest,
    );
    const runId = requireString(req.run_id || req.run_uuid, "run_id");
    const key = requireString(req.metric_key, "metric_key");
    // As MLflow's SQL store: an unknown run is not an error here, it just has no history
    // (its history partition is empty, so no extra read is needed to find that out).
    const max = req.max_results && req.max_results > 0 ? req.max_results : Infinity;
    const fingerprint = `history:${runId}:${key}`;
    const cursor = req.page_token
      ? decodeToken<HistoryCursor>(req.page_token, fingerprint)
      : undefined;
    const page = await readHistory(stores.db, runId, key, max, cursor);
    return mlflowJson({
      metrics: nonEmpty(page.metrics.map(metricJson)),
      next_page_token: page.next ? encodeToken(page.next, fingerprint) : undefined,
    });
  });

  app.get("/metrics/get-history-bulk-interval", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        run_ids: list(z.string()).optional(),
        metric_key: z.string().optional(),
        start_step: int64.optional(),
        end_step: int64.optional(),
        max_results: int64.optional(),
      }),
    );
    return mlflowJson({ metrics: nonEmpty(await bulkIntervalMetrics(stores, req)) });
  });

  return app;
}

/** A `metrics/get-history-bulk-interval` request (GraphQL's resolver reuses it). */
export interface BulkIntervalRequest {
  run_ids?: string[];
  metric_key?: string;
  start_step?: number;
  end_step?: number;
  max_results?: number;
}

const API_DOCS = "See the API docs for more information about request parameters.";

/**
 * The sampled histories of one metric for up to 100 runs, each point with its `run_id`.
 * Checks come in MLflow's order (run_ids, metric_key, max_results, then the step range), with
 * its messages.
 */
export async function bulkIntervalMetrics(stores: Stores, req: BulkIntervalRequest) {
  if (req.run_ids === undefined) throw invalidParameter(missingParameter("run_ids"));
  const runIds = req.run_ids;
  if (runIds.length > MAX_RUNS_BULK) {
    throw invalidParameter(
      `GetMetricHistoryBulkInterval request must specify at most ${MAX_RUNS_BULK} run_ids. Received ${runIds.length} run_ids. ${API_DOCS}`,
    );
  }
  const key = requireString(req.metric_key, "metric_key");
  const maxResults = req.max_results ?? MAX_RESULTS_PER_RUN;
  if (maxResults < 1 || maxResults > MAX_RESULTS_PER_RUN) {
    throw invalidParameter(`max_results must be between 1 and ${MAX_RESULTS_PER_RUN}. ${API_DOCS}`);
  }
  const { start_step: start, end_step: end } = req;
  if (start !== undefined && end !== undefined) {
    if (start > end) {
      throw invalidParameter(
        `end_step must be greater than start_step. Found start_step=${start} and end_step=${end}.`,
      );
    }
  } else if (start !== undefined || end !== undefined) {
    throw invalidParameter(
      "If either start step or end step are specified, both must be specified.",
    );
  }
  // One paged Query per run (each run's history is its own partition), at most
  // DEFAULT_POOL_LIMIT at a time; each history is cut to its sampled points as soon as it is
  // read, so no more than that many whole histories are ever held at once.
  const sampled = await pooledMap(runIds, async (runId) => {
    const { metrics } = await readHistory(stores.db, runId, key, Infinity);
    const inRange = start === undefined
      ? metrics
      : metrics.filter((m) => m.step >= start && m.step <= end!);
    return samplePoints(inRange, maxResults).map((m) => ({ ...metricJson(m), run_id: runId }));
  });
  return sampled.flat();
}
