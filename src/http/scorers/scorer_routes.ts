/**
 * Registered scorer endpoints (`/api/3.0/mlflow/scorers/...`), MLflow's `_register_scorer`,
 * `_list_scorers`, `_list_scorer_versions`, `_get_scorer`, `_delete_scorer`, and the online scoring
 * configurations (`_get_online_scoring_configs`, `_upsert_online_scoring_config`). Registration refuses
 * what MLflow's server refuses: invalid JSON, and `@scorer` code (`call_source`) unless
 * `MLFLOW_SERVER_ENABLE_CUSTOM_SCORERS` is true.
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import { invalidParameter, missingParameter } from "../../errors.ts";
import type { ScorerStore } from "../../store/scorers/scorer_store.ts";
import type { OnlineConfigStore } from "../../store/gateway/online_config_store.ts";
import { mlflowJson, nonEmpty } from "../json.ts";
import { double, int64, list, parseRequest, str } from "../request.ts";

/** MLflow's message for a `@scorer` registration on a server that does not run custom code. */
export const DECORATOR_SCORER_REGISTRATION_NOT_SUPPORTED_ERROR =
  "Custom scorer registration (using @scorer decorator) is disabled by default " +
  "outside of Databricks tracking environments due to security concerns. " +
  "Custom scorers require arbitrary code execution during deserialization.\n\n" +
  "To use custom scorers:\n" +
  "1. Configure MLflow to use a Databricks tracking URI, or\n" +
  "2. Manage your custom scorer code in a source code repository " +
  "(e.g., GitHub) and import it directly, or\n" +
  "3. On a self-managed MLflow server (or local environment) that you trust to run the " +
  "scorer's code, set the MLFLOW_SERVER_ENABLE_CUSTOM_SCORERS environment variable to true, or\n" +
  "4. Use built-in scorers or make_judge() scorers instead.";

function hasCallSource(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasCallSource);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o.call_source !== undefined && o.call_source !== null) return true;
    return Object.values(o).some(hasCallSource);
  }
  return false;
}

function customScorersEnabled(): boolean {
  return ["true", "1"].includes(
    (Deno.env.get("MLFLOW_SERVER_ENABLE_CUSTOM_SCORERS") ?? "").toLowerCase(),
  );
}

/** Refuses a serialized scorer MLflow's server refuses. */
export function validateSerializedScorer(text: string): void {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw invalidParameter("serialized_scorer must be valid JSON");
  }
  if (hasCallSource(data) && !customScorersEnabled()) {
    throw invalidParameter(DECORATOR_SCORER_REGISTRATION_NOT_SUPPORTED_ERROR);
  }
}

function required(v: string | undefined, name: string): string {
  if (v === undefined || v === "") throw invalidParameter(missingParameter(name));
  return v;
}

const registerSchema = z.object({
  experiment_id: str.optional(),
  name: str.optional(),
  serialized_scorer: str.optional(),
});
const listSchema = z.object({
  experiment_id: str.optional(),
  experiment_ids: list(str).optional(),
});
const oneSchema = z.object({
  experiment_id: str.optional(),
  name: str.optional(),
  version: int64.optional(),
});

const onlineConfigsSchema = z.object({ scorer_ids: list(str).optional() });
const upsertOnlineSchema = z.object({
  experiment_id: str.optional(),
  name: str.optional(),
  sample_rate: double.optional(),
  filter_string: z.string().nullable().optional(),
});

/** The scorer routes (mounted under the 3.0 prefixes). */
export function scorerRoutes(scorers: ScorerStore, online: OnlineConfigStore): Hono {
  const app = new Hono();

  app.post("/scorers/register", async (c) => {
    const req = await parseRequest(c, registerSchema);
    const experimentId = required(req.experiment_id, "experiment_id");
    const name = required(req.name, "name");
    const serialized = required(req.serialized_scorer, "serialized_scorer");
    validateSerializedScorer(serialized);
    const v = await scorers.register(experimentId, name, serialized);
    return mlflowJson({
      version: v.scorer_version,
      scorer_id: v.scorer_id,
      experiment_id: String(v.experiment_id),
      name: v.scorer_name,
      serialized_scorer: v.serialized_scorer,
      creation_time: v.creation_time,
    });
  });

  app.get("/scorers/list", async (c) => {
    const req = await parseRequest(c, listSchema);
    if (req.experiment_id && req.experiment_ids !== undefined) {
      throw invalidParameter(
        "Cannot specify both 'experiment_id' and 'experiment_ids'. Use " +
          "'experiment_ids' to scope the query to multiple experiments, or " +
          "'experiment_id' to scope it to a single experiment.",
      );
    }
    // Neither: every active experiment's scorers (MLflow 3.17's cross-experiment listing).
    const list = req.experiment_ids !== undefined
      ? await scorers.listAcross(req.experiment_ids)
      : req.experiment_id
      ? await scorers.list(req.experiment_id)
      : await scorers.listAll();
    return mlflowJson({ scorers: nonEmpty(list) });
  });

  app.get("/scorers/versions", async (c) => {
    const req = await parseRequest(c, oneSchema);
    const list = await scorers.listVersions(
      required(req.experiment_id, "experiment_id"),
      required(req.name, "name"),
    );
    return mlflowJson({ scorers: nonEmpty(list) });
  });

  app.get("/scorers/get", async (c) => {
    const req = await parseRequest(c, oneSchema);
    const scorer = await scorers.get(
      required(req.experiment_id, "experiment_id"),
      required(req.name, "name"),
      req.version,
    );
    return mlflowJson({ scorer });
  });

  app.delete("/scorers/delete", async (c) => {
    const req = await parseRequest(c, oneSchema);
    await scorers.delete(
      required(req.experiment_id, "experiment_id"),
      required(req.name, "name"),
      req.version,
    );
    return mlflowJson({});
  });

  // Online scoring (MLflow's `_get_online_scoring_configs`, `_upsert_online_scoring_config`).
  app.get("/scorers/online-configs", async (c) => {
    const req = await parseRequest(c, onlineConfigsSchema);
    if (req.scorer_ids === undefined) throw invalidParameter(missingParameter("scorer_ids"));
    return mlflowJson({ configs: await online.get(req.scorer_ids) });
  });

  app.put("/scorers/online-config", async (c) => {
    const req = await parseRequest(c, upsertOnlineSchema);
    if (req.sample_rate === undefined) throw invalidParameter(missingParameter("sample_rate"));
    const config = await online.upsert(
      required(req.experiment_id, "experiment_id"),
      required(req.name, "name"),
      req.sample_rate,
      req.filter_string ?? undefined,
    );
    return mlflowJson({ config });
  });

  return app;
}
