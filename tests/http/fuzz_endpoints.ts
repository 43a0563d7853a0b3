/**
 * The endpoint list of the fuzz test (`fuzz_test.ts`): the valid resources every endpoint's base
 * request refers to (created through the API, victims for destructive calls), and one valid
 * request per JSON endpoint, which the generator (`fuzz_cases.ts`) mutates. A new route that takes
 * input gets its line here.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { FullApp } from "./full_app.ts";

type Json = Record<string, unknown>;
export type Endpoint = [method: string, path: string, base: Json];

// deno-lint-ignore no-explicit-any
type Any = any;

async function ok(s: FullApp, method: string, path: string, body?: Json): Promise<Any> {
  const r = await s.call(method, path, body);
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Valid resources every endpoint's base request refers to (victims for destructive calls). */
export async function setup(s: FullApp) {
  const E = (await ok(s, "POST", "/experiments/create", { name: "fuzz-exp" })).experiment_id;
  const Ev = (await ok(s, "POST", "/experiments/create", { name: "fuzz-victim" })).experiment_id;
  const run = (await ok(s, "POST", "/runs/create", { experiment_id: E, start_time: 1 })).run;
  const R = run.info.run_id as string;
  const Rv = (await ok(s, "POST", "/runs/create", { experiment_id: E })).run.info.run_id;
  await ok(s, "POST", "/runs/log-batch", {
    run_id: R,
    metrics: [{ key: "m", value: 1, timestamp: 1, step: 0 }],
    params: [{ key: "p", value: "v" }],
    tags: [{ key: "t", value: "v" }],
  });
  const M = "fuzz-model";
  await ok(s, "POST", "/registered-models/create", { name: M });
  await ok(s, "POST", "/registered-models/create", { name: "fuzz-model-victim" });
  await ok(s, "POST", "/registered-models/create", { name: "fuzz-model-rename" });
  const source = `${run.info.artifact_uri}/model`;
  await ok(s, "POST", "/model-versions/create", { name: M, source, run_id: R });
  await ok(s, "POST", "/model-versions/create", { name: M, source, run_id: R });
  const LM = (await ok(s, "POST", "/logged-models", { experiment_id: E, name: "lm" })).model
    .info.model_id;
  const LMv = (await ok(s, "POST", "/logged-models", { experiment_id: E, name: "lmv" })).model
    .info.model_id;
  const traceOf = (id: string, exp: string) => ({
    trace: {
      trace_info: {
        trace_id: id,
        trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: exp } },
        request_time: "2026-11-30T00:00:00Z",
        execution_duration: "0.010s",
        state: "OK",
        tags: { t: "v" },
      },
    },
  });
  const T = "tr-" + "a".repeat(32);
  const Tv = "tr-" + "b".repeat(32);
  await ok(s, "POST", "/3.0/traces", traceOf(T, E));
  await ok(s, "POST", "/3.0/traces", traceOf(Tv, E));
  const A = (await ok(s, "POST", `/3.0/traces/${T}/assessments`, {
    assessment: {
      assessment_name: "quality",
      trace_id: T,
      source: { source_type: "HUMAN", source_id: "bob" },
      feedback: { value: 1 },
    },
  })).assessment.assessment_id as string;
  const D = (await ok(s, "POST", "/3.0/datasets/create", { name: "fuzz-ds", experiment_ids: [E] }))
    .dataset.dataset_id as string;
  const scorer = JSON.stringify({
    name: "safety",
    aggregations: null,
    mlflow_version: "3.17.2",
    serialization_version: 1,
    builtin_scorer_class: "Safety",
    builtin_scorer_pydantic_data: { name: "safety", required_columns: ["outputs"] },
  });
  await ok(s, "POST", "/3.0/scorers/register", {
    experiment_id: E,
    name: "safety",
    serialized_scorer: scorer,
  });
  // A public IP literal: no DNS; the full app runs no delivery worker, so nothing is sent.
  const W = (await ok(s, "POST", "/webhooks", {
    name: "fuzz-hook",
    url: "https://93.184.215.14/hook",
    events: [{ entity: "MODEL_VERSION", action: "CREATED" }],
  })).webhook.webhook_id as string;
  await ok(s, "POST", "/3.0/workspaces", { name: "fuzz-ws" });
  await ok(s, "POST", "/3.0/workspaces", { name: "fuzz-ws-victim" });
  const S = (await ok(s, "POST", "/3.0/gateway/secrets/create", {
    secret_name: "fuzz-secret",
    secret_value: { api_key: "sk-fuzz-1234567890" },
    provider: "openai",
  })).secret.secret_id as string;
  const MD = (await ok(s, "POST", "/3.0/gateway/model-definitions/create", {
    name: "fuzz-def",
    secret_id: S,
    provider: "openai",
    model_name: "gpt",
  })).model_definition.model_definition_id as string;
  const GE = (await ok(s, "POST", "/3.0/gateway/endpoints/create", {
    name: "fuzz-endpoint",
    model_configs: [{ model_definition_id: MD, linkage_type: "PRIMARY" }],
    usage_tracking: false,
  })).endpoint.endpoint_id as string;
  const BP = (await ok(s, "POST", "/3.0/gateway/budgets/create", {
    budget_unit: "USD",
    budget_amount: 10,
    duration: { unit: "DAYS", value: 1 },
    target_scope: "GLOBAL",
    budget_action: "ALERT",
  })).budget_policy.budget_policy_id as string;
  const scorerId = (await ok(s, "GET", `/3.0/scorers/get?experiment_id=${E}&name=safety`))
    .scorer.scorer_id as string;
  const GR = (await ok(s, "POST", "/3.0/gateway/guardrails/create", {
    name: "fuzz-guardrail",
    scorer_id: scorerId,
    scorer_version: 1,
    stage: "BEFORE",
    action: "VALIDATION",
  })).guardrail.guardrail_id as string;
  // An endpoint whose only model lost its secret: the invocation routes check the request and
  // answer without calling a provider (the fuzz test has no network).
  const orphanSecret = (await ok(s, "POST", "/3.0/gateway/secrets/create", {
    secret_name: "fuzz-orphan-secret",
    secret_value: { api_key: "sk-fuzz-0987654321" },
    provider: "openai",
  })).secret.secret_id as string;
  const orphanDef = (await ok(s, "POST", "/3.0/gateway/model-definitions/create", {
    name: "fuzz-orphan-def",
    secret_id: orphanSecret,
    provider: "openai",
    model_name: "gpt",
  })).model_definition.model_definition_id as string;
  await ok(s, "POST", "/3.0/gateway/endpoints/create", {
    name: "fuzz-orphan",
    model_configs: [{ model_definition_id: orphanDef, linkage_type: "PRIMARY" }],
    usage_tracking: false,
  });
  await ok(s, "DELETE", "/3.0/gateway/secrets/delete", { secret_id: orphanSecret });
  const gw = { S, MD, GE, BP, GR, scorerId };
  const I = (await ok(s, "POST", "/3.0/issues", {
    experiment_id: E,
    name: "fuzz-issue",
    description: "d",
  })).issue.issue_id as string;
  // Issue detection runs in its own experiment: its jobs end their runs in the background,
  // which must not show in the listings a refused request is checked against.
  const Ed = (await ok(s, "POST", "/experiments/create", { name: "fuzz-detect" })).experiment_id;
  return { E, Ev, R, Rv, M, source, LM, LMv, T, Tv, A, D, I, traceOf, scorer, W, gw, Ed };
}

export function endpoints(x: Awaited<ReturnType<typeof setup>>): Endpoint[] {
  const { E, Ev, R, Rv, M, source, LM, LMv, T, Tv, A, D, I, traceOf, scorer, W, gw, Ed } = x;
  const kv = [{ key: "k", value: "v" }];
  return [
    ["POST", "/experiments/create", { name: "fz-new", artifact_location: "", tags: kv }],
    ["GET", "/experiments/get", { experiment_id: E }],
    ["GET", "/experiments/get-by-name", { experiment_name: "fuzz-exp" }],
    ["POST", "/experiments/search", {
      max_results: 10,
      filter: "name LIKE 'f%'",
      order_by: ["name ASC"],
      view_type: "ALL",
    }],
    ["GET", "/experiments/search", { max_results: "10", view_type: "ALL" }],
    ["POST", "/experiments/update", { experiment_id: Ev, new_name: "fuzz-victim-2" }],
    ["POST", "/experiments/set-experiment-tag", { experiment_id: E, key: "k", value: "v" }],
    ["POST", "/experiments/delete-experiment-tag", { experiment_id: E, key: "k" }],
    ["POST", "/experiments/delete", { experiment_id: Ev }],
    ["POST", "/experiments/restore", { experiment_id: Ev }],
    ["POST", "/runs/create", {
      experiment_id: E,
      start_time: 1,
      run_name: "r",
      user_id: "u",
      tags: kv,
    }],
    ["POST", "/runs/update", { run_id: R, status: "RUNNING", end_time: 5, run_name: "n" }],
    ["POST", "/runs/delete", { run_id: Rv }],
    ["POST", "/runs/restore", { run_id: Rv }],
    ["GET", "/runs/get", { run_id: R }],
    ["POST", "/runs/log-metric", { run_id: R, key: "m", value: 1.5, timestamp: 1, step: 0 }],
    ["POST", "/runs/log-parameter", { run_id: R, key: "p", value: "v" }],
    ["POST", "/runs/set-tag", { run_id: R, key: "t", value: "v" }],
    ["POST", "/runs/delete-tag", { run_id: R, key: "t2" }],
    ["POST", "/runs/log-batch", {
      run_id: R,
      metrics: [{ key: "m", value: 1, timestamp: 1, step: 1 }],
      params: [{ key: "p", value: "v" }],
      tags: kv,
    }],
    ["POST", "/runs/log-model", {
      run_id: R,
      model_json: JSON.stringify({
        artifact_path: "model",
        flavors: {},
        utc_time_created: "2026-11-30 12:00:00.000000",
        run_id: R,
      }),
    }],
    ["POST", "/runs/log-inputs", {
      run_id: R,
      datasets: [{
        dataset: { name: "d", digest: "abc", source_type: "local", source: "{}" },
        tags: [{ key: "mlflow.data.context", value: "train" }],
      }],
      models: [{ model_id: LM }],
    }],
    ["POST", "/runs/outputs", { run_id: R, models: [{ model_id: LM, step: 0 }] }],
    ["POST", "/runs/search", {
      experiment_ids: [E],
      filter: "metrics.m > 0 and params.p = 'v'",
      order_by: ["start_time DESC"],
      max_results: 10,
      run_view_type: "ALL",
    }],
    ["GET", "/metrics/get-history", { run_id: R, metric_key: "m", max_results: "10" }],
    ["GET", "/metrics/get-history-bulk-interval", {
      run_ids: R,
      metric_key: "m",
      max_results: "10",
    }],
    ["POST", "/registered-models/create", { name: "fz-m", tags: kv, description: "d" }],
    ["GET", "/registered-models/get", { name: M }],
    ["PATCH", "/registered-models/update", { name: M, description: "d" }],
    ["POST", "/registered-models/rename", { name: "fuzz-model-rename", new_name: "fz-renamed" }],
    ["DELETE", "/registered-models/delete", { name: "fuzz-model-victim" }],
    ["POST", "/registered-models/search", {
      filter: "name LIKE 'f%'",
      max_results: 10,
      order_by: ["name ASC"],
    }],
    ["GET", "/registered-models/search", { max_results: "10", filter: "name LIKE 'f%'" }],
    ["POST", "/registered-models/get-latest-versions", { name: M, stages: ["None"] }],
    ["GET", "/registered-models/get-latest-versions", { name: M }],
    ["POST", "/registered-models/set-tag", { name: M, key: "k", value: "v" }],
    ["DELETE", "/registered-models/delete-tag", { name: M, key: "k2" }],
    ["POST", "/registered-models/alias", { name: M, alias: "champ", version: "1" }],
    ["GET", "/registered-models/alias", { name: M, alias: "champ" }],
    ["DELETE", "/registered-models/alias", { name: M, alias: "other" }],
    ["POST", "/model-versions/create", {
      name: M,
      source,
      run_id: R,
      tags: kv,
      description: "d",
    }],
    ["GET", "/model-versions/get", { name: M, version: "1" }],
    ["PATCH", "/model-versions/update", { name: M, version: "1", description: "d" }],
    ["DELETE", "/model-versions/delete", { name: M, version: "2" }],
    ["POST", "/model-versions/search", { filter: `name='${M}'`, max_results: 10 }],
    ["GET", "/model-versions/search", { filter: `name='${M}'` }],
    ["POST", "/model-versions/set-tag", { name: M, version: "1", key: "k", value: "v" }],
    ["DELETE", "/model-versions/delete-tag", { name: M, version: "1", key: "k2" }],
    ["POST", "/model-versions/transition-stage", {
      name: M,
      version: "1",
      stage: "Staging",
      archive_existing_versions: false,
    }],
    ["GET", "/model-versions/get-download-uri", { name: M, version: "1" }],
    ["POST", "/logged-models", {
      experiment_id: E,
      name: "lm2",
      model_type: "t",
      source_run_id: R,
      params: kv,
      tags: kv,
    }],
    ["GET", `/logged-models/${LM}`, {}],
    ["PATCH", `/logged-models/${LM}`, { status: "LOGGED_MODEL_READY" }],
    ["PATCH", `/logged-models/${LM}/tags`, { tags: kv }],
    ["DELETE", `/logged-models/${LM}/tags/k2`, {}],
    ["POST", `/logged-models/${LM}/params`, { params: [{ key: "a", value: "b" }] }],
    ["POST", "/logged-models/search", {
      experiment_ids: [E],
      max_results: 10,
      filter: "name = 'lm'",
      order_by: [{ field_name: "creation_time", ascending: false }],
    }],
    ["DELETE", `/logged-models/${LMv}`, {}],
    ["GET", "/artifacts/list", { run_id: R, path: "" }],
    // Traces and assessments (MLflow 3).
    ["POST", "/3.0/traces", traceOf("tr-" + "c".repeat(32), E)],
    ["GET", `/3.0/traces/${T}`, {}],
    ["GET", "/3.0/traces/get", { trace_id: T }],
    ["POST", "/3.0/traces/search", {
      locations: [{ type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: E } }],
      filter: "trace.status = 'OK'",
      order_by: ["timestamp_ms DESC"],
      max_results: 10,
    }],
    ["POST", "/3.0/traces/batchGetInfos", { trace_ids: [T] }],
    ["PATCH", `/3.0/traces/${T}/tags`, { key: "k", value: "v" }],
    ["POST", `/3.0/traces/${T}/assessments`, {
      assessment: { assessment_name: "q", trace_id: T, feedback: { value: 0.5 } },
    }],
    ["PATCH", `/3.0/traces/${T}/assessments/${A}`, {
      assessment: { rationale: "r" },
      update_mask: "rationale",
    }],
    ["POST", "/traces/link-to-run", { run_id: R, trace_ids: [T] }],
    ["POST", "/3.0/traces/metrics", {
      experiment_ids: [E],
      view_type: "TRACES",
      metric_name: "trace_count",
      aggregations: [{ aggregation_type: "COUNT" }],
    }],
    ["POST", "/3.0/traces/delete-traces", { experiment_id: E, trace_ids: [Tv] }],
    // Evaluation datasets and scorers.
    ["POST", "/3.0/datasets/create", { name: "fz-ds", experiment_ids: [E] }],
    ["POST", "/3.0/datasets/search", { experiment_ids: [E], max_results: 10 }],
    ["GET", `/3.0/datasets/${D}`, {}],
    ["POST", `/3.0/datasets/${D}/records`, {
      records: JSON.stringify([{ inputs: { q: "a" }, expectations: { a: "A" } }]),
    }],
    ["GET", `/3.0/datasets/${D}/records`, { max_results: "10" }],
    ["PATCH", `/3.0/datasets/${D}/tags`, { tags: JSON.stringify({ k: "v" }) }],
    ["POST", `/3.0/datasets/${D}/add-experiments`, { experiment_ids: [E] }],
    ["POST", "/3.0/scorers/register", {
      experiment_id: E,
      name: "safety",
      serialized_scorer: scorer,
    }],
    ["GET", "/3.0/scorers/list", { experiment_id: E }],
    ["GET", "/3.0/scorers/get", { experiment_id: E, name: "safety" }],
    // Webhooks (`test` sends a request, so it is left out here; tests/http/webhooks_test.ts).
    ["POST", "/webhooks", {
      name: "fuzz-hook-2",
      url: "https://93.184.215.14/h",
      events: [{ entity: "REGISTERED_MODEL", action: "CREATED" }],
      description: "d",
      status: "ACTIVE",
    }],
    ["GET", "/webhooks", { max_results: "10" }],
    ["PATCH", `/webhooks/${W}`, {
      name: "fuzz-hook-3",
      events: [{ entity: "PROMPT_ALIAS", action: "DELETED" }],
      status: "DISABLED",
    }],
    ["POST", "/3.0/workspaces", { name: "fz-ws", description: "d", default_artifact_root: "/a" }],
    ["GET", "/3.0/workspaces", {}],
    ["GET", "/3.0/workspaces/fuzz-ws", {}],
    ["PATCH", "/3.0/workspaces/fuzz-ws", { description: "d", default_artifact_root: "s3://b/p" }],
    ["DELETE", "/3.0/workspaces/fuzz-ws-victim", {}],
    // AI Gateway configuration.
    ["POST", "/3.0/gateway/secrets/create", {
      secret_name: "fz-secret",
      secret_value: { api_key: "sk-abcdefgh" },
      provider: "openai",
      auth_config: { region: "us" },
    }],
    ["POST", "/3.0/gateway/secrets/update", {
      secret_id: gw.S,
      secret_value: { api_key: "sk-rotated-123" },
      auth_config: { region: "eu" },
    }],
    ["GET", "/3.0/gateway/secrets/get", { secret_id: gw.S }],
    ["GET", "/3.0/gateway/secrets/list", { provider: "openai" }],
    ["POST", "/3.0/gateway/model-definitions/create", {
      name: "fz-def",
      secret_id: gw.S,
      provider: "openai",
      model_name: "gpt-4o",
    }],
    ["POST", "/3.0/gateway/model-definitions/update", {
      model_definition_id: gw.MD,
      model_name: "gpt-4o-mini",
    }],
    ["GET", "/3.0/gateway/model-definitions/list", { provider: "openai", secret_id: gw.S }],
    ["POST", "/3.0/gateway/endpoints/create", {
      name: "fz-endpoint",
      model_configs: [{ model_definition_id: gw.MD, linkage_type: "PRIMARY", weight: 1 }],
      routing_strategy: "REQUEST_BASED_TRAFFIC_SPLIT",
      fallback_config: { strategy: "SEQUENTIAL", max_attempts: 1 },
      usage_tracking: false,
    }],
    ["POST", "/3.0/gateway/endpoints/update", {
      endpoint_id: gw.GE,
      model_configs: [{ model_definition_id: gw.MD, linkage_type: "PRIMARY" }],
      usage_tracking: false,
    }],
    ["GET", "/3.0/gateway/endpoints/get", { endpoint_id: gw.GE }],
    ["POST", "/3.0/gateway/endpoints/models/attach", {
      endpoint_id: gw.GE,
      model_config: { model_definition_id: gw.MD, linkage_type: "FALLBACK", fallback_order: 0 },
    }],
    ["POST", "/3.0/gateway/endpoints/set-tag", { endpoint_id: gw.GE, key: "k", value: "v" }],
    ["POST", "/3.0/gateway/endpoints/bindings/create", {
      endpoint_id: gw.GE,
      resource_type: "scorer",
      resource_id: "sc-1",
    }],
    ["GET", "/3.0/gateway/endpoints/bindings/list", { endpoint_id: gw.GE }],
    ["POST", "/3.0/gateway/budgets/create", {
      budget_unit: "USD",
      budget_amount: 5,
      duration: { unit: "HOURS", value: 1 },
      target_scope: "ENDPOINT",
      target_value: gw.GE,
      budget_action: "REJECT",
    }],
    ["POST", "/3.0/gateway/budgets/update", {
      budget_policy_id: gw.BP,
      budget_amount: 7,
      duration: { unit: "DAYS", value: 2 },
    }],
    ["GET", "/3.0/gateway/budgets/list", { max_results: "10" }],
    ["POST", "/3.0/gateway/guardrails/create", {
      name: "fz-guardrail",
      scorer_id: gw.scorerId,
      scorer_version: 1,
      stage: "AFTER",
      action: "SANITIZATION",
    }],
    ["POST", "/3.0/gateway/guardrails/add-to-endpoint", {
      endpoint_id: gw.GE,
      guardrail_id: gw.GR,
      execution_order: 1,
    }],
    ["PATCH", "/3.0/gateway/guardrails/update-config", {
      endpoint_id: gw.GE,
      guardrail_id: gw.GR,
      execution_order: 2,
    }],
    ["GET", "/3.0/gateway/guardrails/list", { max_results: "5" }],
    ["PUT", "/3.0/scorers/online-config", { experiment_id: E, name: "safety", sample_rate: 0 }],
    // AI Gateway invocation (paths outside the REST API; FastAPI's `{"detail"}` errors).
    ["POST", "/gateway/fuzz-orphan/mlflow/invocations", {
      messages: [{ role: "user", content: "x" }],
      temperature: 0.5,
      max_tokens: 10,
      stop: ["END"],
    }],
    ["POST", "/gateway/mlflow/v1/chat/completions", {
      model: "fuzz-orphan",
      messages: [{ role: "user", content: "x" }],
    }],
    ["POST", "/gateway/openai/v1/embeddings", { model: "fuzz-orphan", input: ["x"] }],
    // GenAI issues.
    ["POST", "/3.0/issues", {
      experiment_id: E,
      name: "fz-issue",
      description: "d",
      status: "pending",
      severity: "high",
      root_causes: ["r"],
      source_run_id: R,
      categories: ["c"],
    }],
    ["PATCH", `/3.0/issues/${I}`, { issue_id: I, status: "resolved", severity: "low" }],
    ["GET", `/3.0/issues/${I}`, {}],
    ["POST", "/3.0/issues/search", {
      experiment_id: E,
      filter_string: "status = 'pending'",
      max_results: 10,
      include_trace_count: true,
    }],
    // Issue detection (ajax only; the job fails at once: no such gateway endpoint) and its job
    // routes. MLflow's FastAPI job API (`/ajax-api/3.0/jobs`) answers FastAPI's `detail`, not
    // `error_code`, so it is not fuzzed here (tests/http/job_api_test.ts).
    ["POST", "/ajax-api/3.0/mlflow/issues/invoke", {
      experiment_id: Ed,
      trace_ids: ["tr-fuzz"],
      categories: ["correctness"],
      provider: "openai",
      endpoint_name: "fz-none",
    }],
    ["GET", "/ajax-api/3.0/mlflow/jobs/00000000-0000-4000-8000-000000000000", {}],
    ["PATCH", "/ajax-api/3.0/mlflow/jobs/cancel/00000000-0000-4000-8000-000000000000", {}],
  ];
}
