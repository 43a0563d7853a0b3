/**
 * Mounts the GenAI issue routes (3.0 paths), with trace counts read through the trace store, and
 * the UI's issue detection and job routes (ajax-API only, as MLflow serves them), and MLflow's
 * internal job API (`/ajax-api/3.0/jobs`).
 *
 * @module
 */
import type { Hono } from "hono";
import { createGatewayStores } from "../../store/gateway/gateway_store.ts";
import { type ApiBasePolicy, apiBasePolicyFromEnv } from "../../store/gateway/secret_rules.ts";
import { KEK_PASSPHRASE_ENV_VAR } from "../../store/gateway/secret_crypto.ts";
import { IssueDetectionService } from "../../store/issues/detection_job.ts";
import { traceHoldsIssue } from "../../store/issues/issue_links.ts";
import { IssueStore } from "../../store/issues/issue_store.ts";
import { JobStore } from "../../store/jobs/job_store.ts";
import type { Stores } from "../../store/stores.ts";
import { TraceStore } from "../../store/traces/trace_store.ts";
import { mountMlflow } from "../mount.ts";
import { invokeRoutes } from "./invoke_routes.ts";
import { issueRoutes } from "./issue_routes.ts";
import { jobApiRoutes } from "./job_api_routes.ts";

/** Environment settings of issue detection (tests pass their own). */
export interface IssueDetectionOptions {
  env?: (name: string) => string | undefined;
  apiBase?: ApiBasePolicy;
  leaseMs?: number;
  fetch?: typeof fetch;
}

/** Returns the mount function of the issue routes. */
export function mountIssues(
  stores: Stores,
  options: IssueDetectionOptions = {},
): (app: Hono) => void {
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  const traces = new TraceStore(stores.db, stores.experiments);
  const issues = new IssueStore(
    stores.db,
    stores.experiments,
    (traceId, issueId) => traceHoldsIssue(traces, traceId, issueId),
  );
  const sample = Number(env("MLFLOW_GENAI_DISCOVERY_TRIAGE_SAMPLE_SIZE") ?? "");
  const detection = new IssueDetectionService({
    jobs: new JobStore(stores.db),
    runs: stores.runs,
    traces,
    issues,
    gateway: createGatewayStores(
      stores.db,
      stores.experiments,
      env(KEK_PASSPHRASE_ENV_VAR) || undefined,
    ),
    env,
    apiBase: options.apiBase ?? apiBasePolicyFromEnv(),
    leaseMs: options.leaseMs,
    fetch: options.fetch,
    sampleSize: Number.isInteger(sample) && sample > 0 ? sample : undefined,
  });
  return (app: Hono) => {
    mountMlflow(app, issueRoutes(issues), ["3.0"]);
    app.route("/ajax-api/3.0/mlflow", invokeRoutes(detection, traces));
    app.route("/", jobApiRoutes(detection));
  };
}
