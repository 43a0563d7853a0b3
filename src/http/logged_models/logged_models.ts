/**
 * Logged-model endpoints of service.proto (`/mlflow/logged-models*`), plus the UI's
 * `GET /logged-models/{id}/artifacts/files` download.
 *
 * Hono matches in registration order, so the static `/logged-models/search` comes before the
 * `/:model_id` routes (they differ in method too, but keep the order obvious).
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import { ArtifactLocations, openArtifactStore } from "../../artifacts/locations.ts";
import { LOGGED_MODEL_STATUSES } from "../../store/logged_models/logged_model_item.ts";
import { LoggedModelStore } from "../../store/logged_models/logged_model_store.ts";
import { searchLoggedModels } from "../../store/logged_models/search_logged_models.ts";
import type { Stores } from "../../store/stores.ts";
import { invalidParameter, MlflowError } from "../../errors.ts";
import { mlflowJson, nonEmpty } from "../json.ts";
import { visibleExperiments } from "../visibility.ts";
import { mountMlflow } from "../mount.ts";
import { bool, int64, list, missingParameter, parseRequest, requireString } from "../request.ts";
import { downloadModelArtifact, listModelArtifacts } from "./artifacts.ts";
import { loggedModelJson } from "./wire.ts";

/** `SearchLoggedModels.max_results` `[default = 50]`. */
const SEARCH_MAX_RESULTS_PROTO_DEFAULT = 50;

const KeyValue = z.object({ key: z.string().optional(), value: z.string().optional() });

/** `LoggedModelStatus` by name or proto number (this enum starts at 0). */
const StatusSchema = z.preprocess(
  (
    v,
  ) => (typeof v === "number" || (typeof v === "string" && /^\d+$/.test(v))
    ? LOGGED_MODEL_STATUSES[Number(v)] ?? v
    : v),
  z.enum(LOGGED_MODEL_STATUSES),
);

/** What the routes need beyond the stores. */
export interface LoggedModelRouteOptions {
  /** Resolves model artifact locations to stores; without it the artifact routes answer 501. */
  artifacts?: ArtifactLocations;
}

/** DynamoDB's limit on an attribute name; params and tags are stored as map keys. */
const MAX_KEY_BYTES = 65_535;
const utf8 = new TextEncoder();

function keyValues(list: z.infer<typeof KeyValue>[] | undefined, field: string) {
  return (list ?? []).map((kv, i) => {
    if (kv.key === undefined) throw invalidParameter(missingParameter(`${field}[${i}].key`));
    // MLflow has no limit here; DynamoDB cannot hold a longer map key (DynamoDB Local: 500).
    if (kv.key.length > MAX_KEY_BYTES / 3 && utf8.encode(kv.key).length > MAX_KEY_BYTES) {
      throw invalidParameter(
        `${field}[${i}].key is too long to store (over ${MAX_KEY_BYTES} bytes)`,
      );
    }
    return { key: kv.key, value: kv.value ?? "" };
  });
}

/** Routes for logged models, mounted under `/api/2.0/mlflow` and `/ajax-api/2.0/mlflow`. */
export function loggedModelRoutes(stores: Stores, options: LoggedModelRouteOptions = {}): Hono {
  const app = new Hono();
  const models = new LoggedModelStore(stores.db, stores.experiments);

  app.post("/logged-models", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        experiment_id: z.string().optional(),
        name: z.string().optional(),
        model_type: z.string().optional(),
        source_run_id: z.string().optional(),
        params: z.array(KeyValue).optional(),
        tags: z.array(KeyValue).optional(),
      }),
    );
    const model = await models.create({
      experimentId: requireString(req.experiment_id, "experiment_id"),
      // MLflow passes `name or None`: an empty name means "generate one".
      name: req.name || undefined,
      modelType: req.model_type,
      sourceRunId: req.source_run_id,
      params: keyValues(req.params, "params"),
      tags: keyValues(req.tags, "tags"),
    });
    return mlflowJson({ model: loggedModelJson(model) });
  });

  app.post("/logged-models/search", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        experiment_ids: list(z.string()).optional(),
        filter: z.string().optional(),
        datasets: z.array(z.object({
          dataset_name: z.string().optional(),
          dataset_digest: z.string().optional(),
        })).optional(),
        max_results: int64.optional(),
        order_by: z.array(z.object({
          field_name: z.string().optional(),
          ascending: bool.optional(),
          dataset_name: z.string().optional(),
          dataset_digest: z.string().optional(),
        })).optional(),
        page_token: z.string().optional(),
      }),
    );
    if (!req.experiment_ids || req.experiment_ids.length === 0) {
      throw invalidParameter(missingParameter("experiment_ids"));
    }
    const page = await searchLoggedModels(stores.db, {
      experimentIds: req.experiment_ids,
      visible: visibleExperiments(c),
      filter: req.filter || undefined,
      datasets: (req.datasets ?? []).map((d) => ({
        datasetName: d.dataset_name ?? "",
        ...(d.dataset_digest ? { datasetDigest: d.dataset_digest } : {}),
      })),
      orderBy: (req.order_by ?? []).map((o, i) => ({
        fieldName: requireString(o.field_name, `order_by[${i}].field_name`),
        ascending: o.ascending ?? true,
        ...(o.dataset_name ? { datasetName: o.dataset_name } : {}),
        ...(o.dataset_digest ? { datasetDigest: o.dataset_digest } : {}),
      })),
      // An absent field reads as the proto default (50); 0 means the store default (100).
      maxResults: req.max_results ?? SEARCH_MAX_RESULTS_PROTO_DEFAULT,
      pageToken: req.page_token || undefined,
    });
    return mlflowJson({
      models: nonEmpty(page.models.map(loggedModelJson)),
      next_page_token: page.nextPageToken,
    });
  });

  app.get("/logged-models/:model_id", async (c) => {
    // MLflow reads the flag straight from the query string: anything but "true" means false.
    const allowDeleted = (c.req.query("allow_deleted") ?? "false").toLowerCase() === "true";
    const model = await models.get(c.req.param("model_id"), allowDeleted);
    return mlflowJson({ model: loggedModelJson(model) });
  });

  app.patch("/logged-models/:model_id", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        model_id: z.string().optional(),
        status: StatusSchema.optional(),
      }),
    );
    if (req.status === undefined) throw invalidParameter(missingParameter("status"));
    const model = await models.finalize(c.req.param("model_id"), req.status);
    return mlflowJson({ model: loggedModelJson(model) });
  });

  app.delete("/logged-models/:model_id", async (c) => {
    await models.delete(c.req.param("model_id"));
    return mlflowJson({});
  });

  app.patch("/logged-models/:model_id/tags", async (c) => {
    const req = await parseRequest(c, z.object({ tags: z.array(KeyValue).optional() }));
    await models.setTags(c.req.param("model_id"), keyValues(req.tags, "tags"));
    return mlflowJson({});
  });

  app.delete("/logged-models/:model_id/tags/:tag_key", async (c) => {
    await models.deleteTag(c.req.param("model_id"), c.req.param("tag_key"));
    return mlflowJson({});
  });

  app.post("/logged-models/:model_id/params", async (c) => {
    const req = await parseRequest(c, z.object({ params: z.array(KeyValue).optional() }));
    await models.logParams(c.req.param("model_id"), keyValues(req.params, "params"));
    return mlflowJson({});
  });

  app.get("/logged-models/:model_id/artifacts/directories", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        artifact_directory_path: z.string().optional(),
        page_token: z.string().optional(),
      }),
    );
    const model = await models.get(c.req.param("model_id"));
    const files = await listModelArtifacts(
      options.artifacts,
      model.artifactLocation,
      req.artifact_directory_path,
    );
    return mlflowJson({ root_uri: model.artifactLocation, files: nonEmpty(files) });
  });

  app.get("/logged-models/:model_id/artifacts/files", async (c) => {
    const path = c.req.query("artifact_file_path");
    if (!path) {
      throw new MlflowError(
        "BAD_REQUEST",
        'Request must include the "artifact_file_path" query parameter.',
      );
    }
    const model = await models.get(c.req.param("model_id"));
    return await downloadModelArtifact(options.artifacts, model.artifactLocation, path);
  });

  return app;
}

/** The mount function `extra_routes.ts` registers. */
export function mountLoggedModels(
  stores: Stores,
  options: LoggedModelRouteOptions = {},
): (app: Hono) => void {
  return (app) => mountMlflow(app, loggedModelRoutes(stores, options));
}

/**
 * The mount function from the server settings: model artifacts are read through the
 * `--artifacts-destination` store when serving artifacts, directly otherwise.
 */
export async function loggedModelRoutesFromConfig(
  config: { serveArtifacts: boolean; artifactsDestination: string },
  stores: Stores,
): Promise<(app: Hono) => void> {
  const destination = config.serveArtifacts
    ? await openArtifactStore(config.artifactsDestination)
    : undefined;
  return mountLoggedModels(stores, { artifacts: new ArtifactLocations(destination) });
}
