/**
 * `POST ajax-api/2.0/mlflow/runs/create-promptlab-run`, the UI's prompt engineering "Create
 * run" (MLflow's `create_promptlab_run_handler` and `_create_promptlab_run_impl`): a run with
 * the model parameters, `model_route` and `prompt_template` as params, the prompt-lab tags, a
 * logged `model` and the evaluation table (`store/runs/promptlab_files.ts`), then FINISHED.
 * As in MLflow, once the run exists a failure while logging marks it FAILED and is not an
 * error of the request; the answer is `CreateRun.Response`.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import type { ArtifactLocations } from "../../artifacts/locations.ts";
import { joinPath } from "../../artifacts/store.ts";
import { invalidParameter } from "../../errors.ts";
import { logBatch } from "../../store/runs/log_batch.ts";
import {
  PROMPTLAB_TAGS,
  promptlabFiles,
  promptlabHistoryEntry,
  type PromptlabInput,
  type PromptlabParam,
  promptlabParams,
} from "../../store/runs/promptlab_files.ts";
import type { Stores } from "../../store/stores.ts";
import { mlflowJson } from "../json.ts";
import { jsonBody } from "../request.ts";
import { runJson } from "../tracking/wire.ts";

/** MLflow's `assert_arg_exists`: absent or falsy (`""`, `[]`, `0`) is missing. */
function required(args: Record<string, unknown>, name: string): unknown {
  const v = args[name];
  if (!v || (Array.isArray(v) && v.length === 0)) {
    throw invalidParameter(`CreatePromptlabRun request must specify ${name}.`);
  }
  return v;
}

function text(v: unknown, name: string): string {
  if (typeof v !== "string") {
    throw invalidParameter(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied.`);
  }
  return v;
}

function params(v: unknown, name: string): PromptlabParam[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    throw invalidParameter(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied.`);
  }
  return v.map((p, i) => {
    if (p === null || typeof p !== "object" || Array.isArray(p)) {
      throw invalidParameter(`Invalid value for parameter '${name}[${i}]' supplied.`);
    }
    const { key, value } = p as { key?: unknown; value?: unknown };
    return { key: text(key, `${name}[${i}].key`), value };
  });
}

/** Mounts the route (relative to the static prefix). */
export function mountPromptlabRoute(
  app: Hono,
  deps: { stores: Stores; locations: ArtifactLocations },
): void {
  const { stores, locations } = deps;
  app.post("/ajax-api/2.0/mlflow/runs/create-promptlab-run", async (c: Context) => {
    const args = await jsonBody(c, true);
    const experimentId = text(required(args, "experiment_id"), "experiment_id");
    const promptTemplate = text(required(args, "prompt_template"), "prompt_template");
    const promptParameters = params(required(args, "prompt_parameters"), "prompt_parameters");
    const modelRoute = text(required(args, "model_route"), "model_route");
    const modelParameters = params(args.model_parameters, "model_parameters");
    const modelInput = required(args, "model_input");
    const modelOutputParameters = params(args.model_output_parameters, "model_output_parameters");
    required(args, "mlflow_version");
    const runName = args.run_name === undefined || args.run_name === null
      ? undefined
      : text(args.run_name, "run_name");
    const tags = params(args.tags, "tags");
    const start = args.start_time ?? Date.now();
    if (typeof start !== "number" || !Number.isInteger(start)) {
      throw invalidParameter(`Invalid value ${JSON.stringify(start)} for parameter 'start_time'`);
    }
    const run = await stores.runs.create({
      experimentId,
      userId: args.user_id === undefined ? "unknown" : text(args.user_id, "user_id"),
      runName,
      startTime: start,
      tags: Object.fromEntries(tags.map((t) => [t.key, String(t.value ?? "")])),
    });
    const runId = run.info.runId;
    const input: PromptlabInput = {
      runId,
      promptTemplate,
      promptParameters,
      modelRoute,
      modelParameters,
      modelInput,
      modelOutput: args.model_output ?? null,
      modelOutputParameters,
      createdMs: Date.now(),
      modelUuid: crypto.randomUUID().replaceAll("-", ""),
    };
    let status: "FINISHED" | "FAILED" = "FINISHED";
    try {
      await logBatch(stores.runs, runId, {
        metrics: [],
        params: promptlabParams(input),
        tags: PROMPTLAB_TAGS,
      });
      await stores.runs.appendLoggedModel(runId, promptlabHistoryEntry(input));
      const { store, base } = await locations.forRun(run.info.artifactUri);
      for (const [path, content] of promptlabFiles(input)) {
        await store.put(joinPath(base, path), new Blob([content]).stream(), {});
      }
    } catch {
      status = "FAILED";
    }
    await stores.runs.update(runId, { status, endTime: Date.now(), runName });
    return mlflowJson({ run: runJson(await stores.runs.get(runId)) });
  });
}
