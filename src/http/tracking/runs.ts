/**
 * Run endpoints (`/mlflow/runs/*`): create, get, update, delete/restore, logging, inputs/outputs.
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import { logBatch } from "../../store/runs/log_batch.ts";
import type { Stores } from "../../store/stores.ts";
import { invalidParameter } from "../../errors.ts";
import { mlflowJson } from "../json.ts";
import {
  double,
  int64,
  MAX_JSON_DEPTH,
  missingParameter,
  parseRequest,
  protoEnum,
  requiredString,
  requireString,
  withRunId,
} from "../request.ts";
import { runInfoJson, runJson } from "./wire.ts";
import { searchRunsRoute } from "./search_runs.ts";

const RUN_STATUSES = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"] as const;

const KeyValue = z.object({ key: z.string().optional(), value: z.string().optional() });
const MetricSchema = z.object({
  key: z.string().optional(),
  value: double.optional(),
  timestamp: int64.optional(),
  step: int64.optional(),
  model_id: z.string().optional(),
  dataset_name: z.string().optional(),
  dataset_digest: z.string().optional(),
});
const RunIdFields = { run_id: z.string().optional(), run_uuid: z.string().optional() };

// Request schemas are built once: a zod object built per request is compiled again each time.
const CreateRunRequest = z.object({
  experiment_id: z.string().optional(),
  user_id: z.string().optional(),
  run_name: z.string().optional(),
  start_time: int64.optional(),
  tags: z.array(KeyValue).optional(),
});
const GetRunRequest = z.object(RunIdFields);
const UpdateRunRequest = z.object({
  ...RunIdFields,
  status: protoEnum(RUN_STATUSES).optional(),
  end_time: int64.optional(),
  run_name: z.string().optional(),
});
const RunIdRequest = z.object({ run_id: z.string().optional() });
const DeleteRunTagRequest = z.object({ run_id: z.string().optional(), key: z.string().optional() });
const LogBatchRequest = z.object({
  run_id: z.string().optional(),
  metrics: z.array(MetricSchema).optional(),
  params: z.array(KeyValue).optional(),
  tags: z.array(KeyValue).optional(),
});
const LogMetricRequest = MetricSchema.extend(RunIdFields);

/** `run_id`, or the deprecated `run_uuid` the client still sends beside it. */
function runIdOf(req: { run_id?: string; run_uuid?: string }): string {
  return requireString(req.run_id || req.run_uuid, "run_id");
}

function metricOf(m: z.infer<typeof MetricSchema>, path: string) {
  if (m.key === undefined) throw invalidParameter(missingParameter(`${path}key`));
  if (m.value === undefined) throw invalidParameter(missingParameter(`${path}value`));
  if (m.timestamp === undefined) throw invalidParameter(missingParameter(`${path}timestamp`));
  return {
    key: m.key,
    value: m.value,
    timestamp: m.timestamp,
    step: m.step ?? 0,
    ...(m.model_id ? { modelId: m.model_id } : {}),
    ...(m.dataset_name ? { datasetName: m.dataset_name } : {}),
    ...(m.dataset_digest ? { datasetDigest: m.dataset_digest } : {}),
  };
}

function keyValues(list: z.infer<typeof KeyValue>[] | undefined, field: string) {
  return (list ?? []).map((kv, i) => {
    if (kv.key === undefined) throw invalidParameter(missingParameter(`${field}[${i}].key`));
    return { key: kv.key, value: kv.value ?? "" };
  });
}

/** Routes for runs, mounted under `/api/2.0/mlflow` and `/ajax-api/2.0/mlflow`. */
export function runRoutes(stores: Stores): Hono {
  const app = new Hono();
  const { runs } = stores;

  app.post("/runs/create", async (c) => {
    const req = await parseRequest(
      c,
      CreateRunRequest,
    );
    const run = await runs.create({
      experimentId: req.experiment_id,
      userId: req.user_id,
      runName: req.run_name,
      startTime: req.start_time,
      tags: Object.fromEntries(keyValues(req.tags, "tags").map((t) => [t.key, t.value])),
    });
    return mlflowJson({ run: runJson(run) });
  });

  app.get("/runs/get", async (c) => {
    const req = await parseRequest(c, GetRunRequest);
    return mlflowJson({ run: runJson(await runs.get(runIdOf(req))) });
  });

  app.post("/runs/update", async (c) => {
    const req = await parseRequest(
      c,
      UpdateRunRequest,
    );
    const info = await runs.update(runIdOf(req), {
      status: req.status,
      endTime: req.end_time,
      runName: req.run_name,
    });
    return mlflowJson({ run_info: runInfoJson(info) });
  });

  for (const action of ["delete", "restore"] as const) {
    app.post(`/runs/${action}`, async (c) => {
      const req = await parseRequest(c, RunIdRequest);
      await runs[action](requireString(req.run_id, "run_id"));
      return mlflowJson({});
    });
  }

  app.post("/runs/log-metric", async (c) => {
    const req = await parseRequest(c, LogMetricRequest);
    const runId = runIdOf(req);
    await logBatch(runs, runId, { metrics: [metricOf(req, "")], params: [], tags: [] });
    return mlflowJson({});
  });

  // MLflow checks run_id, then key, then value: the first bad field is the one named.
  const RunKeyValue = withRunId({ key: requiredString, value: z.string().optional() });

  app.post("/runs/log-parameter", async (c) => {
    const req = await parseRequest(c, RunKeyValue);
    await logBatch(runs, req.run_id, {
      metrics: [],
      params: [{ key: req.key, value: req.value ?? "" }],
      tags: [],
    });
    return mlflowJson({});
  });

  app.post("/runs/set-tag", async (c) => {
    const req = await parseRequest(c, RunKeyValue);
    await runs.setTag(req.run_id, req.key, req.value ?? "");
    return mlflowJson({});
  });

  app.post("/runs/delete-tag", async (c) => {
    const req = await parseRequest(
      c,
      DeleteRunTagRequest,
    );
    await runs.deleteTag(requireString(req.run_id, "run_id"), requireString(req.key, "key"));
    return mlflowJson({});
  });

  app.post("/runs/log-batch", async (c) => {
    const req = await parseRequest(
      c,
      LogBatchRequest,
    );
    await logBatch(runs, requireString(req.run_id, "run_id"), {
      metrics: (req.metrics ?? []).map((m, i) => metricOf(m, `metrics[${i}].`)),
      params: keyValues(req.params, "params"),
      tags: keyValues(req.tags, "tags"),
    });
    return mlflowJson({});
  });

  app.post("/runs/log-model", async (c) => {
    const req = await parseRequest(
      c,
      z.object({ run_id: z.string().optional(), model_json: z.string().optional() }),
    );
    const runId = requireString(req.run_id, "run_id");
    const modelJson = requireString(req.model_json, "model_json");
    let model: unknown;
    try {
      model = JSON.parse(modelJson);
    } catch {
      throw invalidParameter(`Malformed model info. \n ${modelJson} \n is not a valid JSON.`);
    }
    checkModelJson(model);
    await runs.appendLoggedModel(runId, model);
    return mlflowJson({});
  });

  app.post("/runs/log-inputs", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        run_id: z.string().optional(),
        datasets: z.array(z.object({
          tags: z.array(KeyValue).optional(),
          dataset: z.object({
            name: z.string().optional(),
            digest: z.string().optional(),
            source_type: z.string().optional(),
            source: z.string().optional(),
            schema: z.string().optional(),
            profile: z.string().optional(),
          }).optional(),
        })).optional(),
        models: z.array(z.object({ model_id: z.string().optional() })).optional(),
      }),
    );
    const runId = requireString(req.run_id, "run_id");
    const datasets = (req.datasets ?? []).map((d, i) => {
      const ds = d.dataset;
      const need = (v: string | undefined, f: string) =>
        requireString(v, `datasets[${i}].dataset.${f}`);
      if (!ds) throw invalidParameter(missingParameter(`datasets[${i}].dataset`));
      return {
        dataset: {
          name: need(ds.name, "name"),
          digest: need(ds.digest, "digest"),
          sourceType: need(ds.source_type, "source_type"),
          source: need(ds.source, "source"),
          ...(ds.schema ? { schema: ds.schema } : {}),
          ...(ds.profile ? { profile: ds.profile } : {}),
        },
        tags: keyValues(d.tags, `datasets[${i}].tags`),
      };
    });
    const models = (req.models ?? []).map((m, i) => ({
      modelId: requireString(m.model_id, `models[${i}].model_id`),
    }));
    await runs.logInputs(runId, datasets, models);
    return mlflowJson({});
  });

  app.post("/runs/outputs", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        run_id: z.string().optional(),
        models: z.array(z.object({ model_id: z.string().optional(), step: int64.optional() }))
          .optional(),
      }),
    );
    const runId = requireString(req.run_id, "run_id");
    if (!req.models) throw invalidParameter(missingParameter("models"));
    await runs.logOutputs(
      runId,
      req.models.map((m, i) => ({
        modelId: requireString(m.model_id, `models[${i}].model_id`),
        step: m.step ?? 0,
      })),
    );
    return mlflowJson({});
  });

  searchRunsRoute(app, stores);
  return app;
}

const MODEL_FIELDS = ["artifact_path", "flavors", "utc_time_created", "run_id"];

/**
 * MLflow's check of a logged model's JSON (mandatory fields), plus: no number beyond double range
 * (`1e400` parses to Infinity, which the `mlflow.log-model.history` tag cannot hold as JSON).
 */
function checkModelJson(model: unknown): void {
  if (model === null || typeof model !== "object" || Array.isArray(model)) {
    throw invalidParameter(
      `Model json is missing mandatory fields: {${MODEL_FIELDS.map((f) => `'${f}'`).join(", ")}}`,
    );
  }
  const missing = MODEL_FIELDS.filter((f) => !(f in model));
  if (missing.length > 0) {
    throw invalidParameter(
      `Model json is missing mandatory fields: {${missing.map((f) => `'${f}'`).join(", ")}}`,
    );
  }
  const stack: [unknown, number][] = [[model, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v === "number" && !Number.isFinite(v)) {
      throw invalidParameter("Model json holds a number out of double range.");
    }
    if (v !== null && typeof v === "object") {
      if (depth >= MAX_JSON_DEPTH) {
        throw invalidParameter(`Model json is nested more than ${MAX_JSON_DEPTH} levels deep.`);
      }
      for (const child of Object.values(v)) stack.push([child, depth + 1]);
    }
  }
}
