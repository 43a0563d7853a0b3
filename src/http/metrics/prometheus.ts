/**
 * `--expose-prometheus`: Prometheus metrics at `GET /metrics` (outside the static prefix, as
 * `mlflow server` serves them), built with `prom-client`.
 *
 * MLflow's own series (prometheus_flask_exporter with `defaults_prefix="mlflow"`,
 * `group_by=mlflow_version`, `/health` and `/version` excluded):
 * `mlflow_http_request_duration_seconds{method,mlflow_version,status}`,
 * `mlflow_http_request_total{method,status}`, `mlflow_http_request_exceptions_total{method,status}`
 * and `mlflow_exporter_info{version}`. Ours, per MLflow operation (the route pattern that
 * answered, `/ajax-api/` folded into `/api/`): request counts and latency, and the DynamoDB
 * calls, consumed read and write units, throttles and retries the requests caused. How to read
 * them: `docs/operations.md`.
 *
 * @module
 */
import type { Hono } from "hono";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { RequestRecord } from "../middleware/access_log.ts";
import { MLFLOW_COMPAT_VERSION } from "../../version.ts";

/** The prom-client version pinned in deno.json (`mlflow_exporter_info{version}`). */
export const EXPORTER_VERSION = "prom-client-15.1.3";

const EXCLUDED = new Set(["/health", "/version", "/metrics"]);

/** The metrics of one server process. */
export interface Metrics {
  /** Records a finished request (an observer of `observeRequests`). */
  observe(r: RequestRecord): void;
  /** Mounts `GET /metrics` on the root app. */
  mount(app: Hono): void;
  /** The exposition text. */
  text(): Promise<string>;
}

/** `METHOD /api/2.0/mlflow/...`: the operation label of a request. */
export function operationLabel(r: Pick<RequestRecord, "method" | "route">): string {
  if (r.route === "unmatched") return "unmatched";
  return `${r.method} ${r.route.replace(/^(.*?)\/ajax-api\//, "$1/api/")}`;
}

/** Creates a registry with every series at zero. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  const labelsOp = ["operation"] as const;
  const duration = new Histogram({
    name: "mlflow_http_request_duration_seconds",
    help: "Flask HTTP request duration in seconds",
    labelNames: ["method", "mlflow_version", "status"] as const,
    registers: [registry],
  });
  const total = new Counter({
    name: "mlflow_http_request_total",
    help: "Total number of HTTP requests",
    labelNames: ["method", "status"] as const,
    registers: [registry],
  });
  const exceptions = new Counter({
    name: "mlflow_http_request_exceptions_total",
    help: "Total number of HTTP requests which resulted in an exception",
    labelNames: ["method", "status"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "mlflow_exporter_info",
    help: "Information about the Prometheus Flask exporter",
    labelNames: ["version"] as const,
    registers: [registry],
  }).set({ version: EXPORTER_VERSION }, 1);
  const opRequests = new Counter({
    name: "mlflow_operation_requests_total",
    help: "Requests per MLflow operation (method and route) and status",
    labelNames: ["operation", "status"] as const,
    registers: [registry],
  });
  const opDuration = new Histogram({
    name: "mlflow_operation_duration_seconds",
    help: "Latency per MLflow operation in seconds",
    labelNames: labelsOp,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: labelsOp, registers: [registry] });
  const calls = counter(
    "mlflow_dynamodb_calls_total",
    "DynamoDB calls (each attempt) made by requests of an MLflow operation",
  );
  const rcu = counter(
    "mlflow_dynamodb_consumed_read_capacity_units_total",
    "DynamoDB read capacity units consumed by requests of an MLflow operation",
  );
  const wcu = counter(
    "mlflow_dynamodb_consumed_write_capacity_units_total",
    "DynamoDB write capacity units consumed by requests of an MLflow operation",
  );
  const throttles = counter(
    "mlflow_dynamodb_throttles_total",
    "DynamoDB calls refused with a throttling error, per MLflow operation",
  );
  const retries = counter(
    "mlflow_dynamodb_retries_total",
    "DynamoDB calls retried after a retryable failure, per MLflow operation",
  );

  return {
    observe(r) {
      if (EXCLUDED.has(r.path)) return;
      const status = String(r.status);
      duration.observe(
        { method: r.method, mlflow_version: MLFLOW_COMPAT_VERSION, status },
        r.latencyMs / 1000,
      );
      total.inc({ method: r.method, status });
      if (r.status >= 500) exceptions.inc({ method: r.method, status });
      const operation = operationLabel(r);
      opRequests.inc({ operation, status });
      opDuration.observe({ operation }, r.latencyMs / 1000);
      calls.inc({ operation }, r.cost.calls);
      rcu.inc({ operation }, r.cost.rcu);
      wcu.inc({ operation }, r.cost.wcu);
      throttles.inc({ operation }, r.cost.throttles);
      retries.inc({ operation }, r.cost.retries);
    },
    mount(app) {
      app.get(
        "/metrics",
        async (c) =>
          c.body(await registry.metrics(), 200, { "Content-Type": registry.contentType }),
      );
    },
    text: () => registry.metrics(),
  };
}
