/**
 * Experiment endpoints (`/mlflow/experiments/*`).
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import type { Stores } from "../../store/stores.ts";
import { mlflowJson } from "../json.ts";
import { parseRequest, requireString } from "../request.ts";
import { experimentJson } from "./wire.ts";
import { searchExperimentsRoute } from "./search_experiments.ts";

const TagSchema = z.object({ key: z.string().optional(), value: z.string().optional() });

// Request schemas are built once: a zod object built per request is compiled again each time.
const CreateExperimentRequest = z.object({
  name: z.string().optional(),
  artifact_location: z.string().optional(),
  tags: z.array(TagSchema).optional(),
});
const ExperimentIdRequest = z.object({ experiment_id: z.string().optional() });
const ExperimentNameRequest = z.object({ experiment_name: z.string().optional() });
const RenameExperimentRequest = z.object({
  experiment_id: z.string().optional(),
  new_name: z.string().optional(),
});
const SetExperimentTagRequest = z.object({
  experiment_id: z.string().optional(),
  key: z.string().optional(),
  value: z.string().optional(),
});
const DeleteExperimentTagRequest = z.object({
  experiment_id: z.string().optional(),
  key: z.string().optional(),
});

const tagsToRecord = (tags: z.infer<typeof TagSchema>[] | undefined) =>
  Object.fromEntries((tags ?? []).map((t) => [t.key ?? "", t.value ?? ""]));

/** Routes for experiments, mounted under `/api/2.0/mlflow` and `/ajax-api/2.0/mlflow`. */
export function experimentRoutes(stores: Stores): Hono {
  const app = new Hono();
  const { experiments } = stores;

  app.post("/experiments/create", async (c) => {
    const req = await parseRequest(
      c,
      CreateExperimentRequest,
    );
    const id = await experiments.create({
      name: requireString(req.name, "name"),
      artifactLocation: req.artifact_location,
      tags: tagsToRecord(req.tags),
    });
    return mlflowJson({ experiment_id: id });
  });

  app.get("/experiments/get", async (c) => {
    const req = await parseRequest(c, ExperimentIdRequest);
    const e = await experiments.get(requireString(req.experiment_id, "experiment_id"));
    return mlflowJson({ experiment: experimentJson(e) });
  });

  app.get("/experiments/get-by-name", async (c) => {
    const req = await parseRequest(c, ExperimentNameRequest);
    const e = await experiments.getByName(requireString(req.experiment_name, "experiment_name"));
    return mlflowJson({ experiment: experimentJson(e) });
  });

  app.post("/experiments/update", async (c) => {
    const req = await parseRequest(
      c,
      RenameExperimentRequest,
    );
    await experiments.rename(
      requireString(req.experiment_id, "experiment_id"),
      requireString(req.new_name, "new_name"),
    );
    return mlflowJson({});
  });

  for (const action of ["delete", "restore"] as const) {
    app.post(`/experiments/${action}`, async (c) => {
      const req = await parseRequest(c, ExperimentIdRequest);
      await experiments[action](requireString(req.experiment_id, "experiment_id"));
      return mlflowJson({});
    });
  }

  app.post("/experiments/set-experiment-tag", async (c) => {
    const req = await parseRequest(
      c,
      SetExperimentTagRequest,
    );
    await experiments.setTag(
      requireString(req.experiment_id, "experiment_id"),
      requireString(req.key, "key"),
      req.value ?? "",
    );
    return mlflowJson({});
  });

  app.post("/experiments/delete-experiment-tag", async (c) => {
    const req = await parseRequest(
      c,
      DeleteExperimentTagRequest,
    );
    await experiments.deleteTag(
      requireString(req.experiment_id, "experiment_id"),
      requireString(req.key, "key"),
    );
    return mlflowJson({});
  });

  searchExperimentsRoute(app, stores);
  return app;
}
