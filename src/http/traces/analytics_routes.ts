/**
 * Trace analytics endpoints: `POST /traces/metrics` (QueryTraceMetrics, the UI's Overview) and
 * `POST /traces/calculate-filter-correlation`, under `/api/3.0/mlflow` and `/ajax-api/3.0/mlflow`.
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import { invalidParameter, missingParameter } from "../../errors.ts";
import type { Stores } from "../../store/stores.ts";
import { traceFilterCorrelation } from "../../store/traces/filter_correlation.ts";
import type { TraceStore } from "../../store/traces/trace_store.ts";
import {
  type MetricAggregation,
  queryTraceMetrics,
  type TraceMetricsQuery,
} from "../../store/traces/trace_metrics.ts";
import { mlflowJson, nonEmpty } from "../json.ts";
import { visibleExperiments } from "../visibility.ts";
import { double, int64, list, parseRequest, protoEnum, requireString } from "../request.ts";

/** `QueryTraceMetrics.max_results` default. */
const METRICS_MAX_RESULTS = 1000;
const VIEW_TYPES = ["TRACES", "SPANS", "ASSESSMENTS"] as const;
const AGGREGATIONS = ["COUNT", "SUM", "AVG", "PERCENTILE", "MIN", "MAX"] as const;

/** The analytics routes. */
export function analyticsRoutes(stores: Stores, traces: TraceStore): Hono {
  const app = new Hono();

  app.post("/traces/metrics", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        experiment_ids: list(z.string()).optional(),
        view_type: protoEnum(VIEW_TYPES).optional(),
        metric_name: z.string().optional(),
        aggregations: z.array(z.object({
          aggregation_type: protoEnum(AGGREGATIONS).optional(),
          percentile_value: double.optional(),
        })).optional(),
        dimensions: list(z.string()).optional(),
        filters: list(z.string()).optional(),
        time_interval_seconds: int64.optional(),
        start_time_ms: int64.optional(),
        end_time_ms: int64.optional(),
        max_results: int64.optional(),
        page_token: z.string().optional(),
      }),
    );
    if (!req.experiment_ids) throw invalidParameter(missingParameter("experiment_ids"));
    if (!req.view_type) throw invalidParameter(missingParameter("view_type"));
    if (!req.aggregations || req.aggregations.length === 0) {
      throw invalidParameter(missingParameter("aggregations"));
    }
    const query: TraceMetricsQuery = {
      experimentIds: req.experiment_ids,
      viewType: req.view_type,
      metricName: requireString(req.metric_name, "metric_name"),
      aggregations: req.aggregations.map((a, i): MetricAggregation => ({
        type: a.aggregation_type ??
          (() => {
            throw invalidParameter(missingParameter(`aggregations[${i}].aggregation_type`));
          })(),
        ...(a.percentile_value !== undefined ? { percentile: a.percentile_value } : {}),
      })),
      dimensions: req.dimensions ?? [],
      filters: req.filters ?? [],
      ...(req.time_interval_seconds ? { timeIntervalSeconds: req.time_interval_seconds } : {}),
      ...(req.start_time_ms !== undefined ? { startTimeMs: req.start_time_ms } : {}),
      ...(req.end_time_ms !== undefined ? { endTimeMs: req.end_time_ms } : {}),
      maxResults: req.max_results || METRICS_MAX_RESULTS,
      visible: visibleExperiments(c),
    };
    const points = await queryTraceMetrics(stores.db, query, traces.options.spill);
    return mlflowJson({ data_points: nonEmpty(points) });
  });

  app.post("/traces/calculate-filter-correlation", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        experiment_ids: list(z.string()).optional(),
        filter_string1: z.string().optional(),
        filter_string2: z.string().optional(),
        base_filter: z.string().optional(),
      }),
    );
    if (!req.experiment_ids) throw invalidParameter(missingParameter("experiment_ids"));
    const result = await traceFilterCorrelation(
      stores.db,
      req.experiment_ids,
      requireString(req.filter_string1, "filter_string1"),
      requireString(req.filter_string2, "filter_string2"),
      req.base_filter || undefined,
      visibleExperiments(c),
    );
    return mlflowJson(result);
  });

  return app;
}
