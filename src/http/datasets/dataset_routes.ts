/**
 * Evaluation dataset endpoints (`/api/3.0/mlflow/datasets/...`), MLflow's
 * `_*_dataset*_handler`s: create, get, delete, search, tags, records (upsert, page, delete) and
 * the experiment links. `tags` and `records` arrive as JSON text, as the client sends them.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { z } from "zod";
import { invalidParameter, missingParameter } from "../../errors.ts";
import {
  DEFAULT_RECORDS_PAGE,
  deleteRecords,
  recordsPage,
  upsertRecords,
} from "../../store/datasets/dataset_records.ts";
import { type DatasetStore, datasetWire } from "../../store/datasets/dataset_store.ts";
import { pythonJsonDumps } from "../../util/python_json.ts";
import { mlflowJson, nonEmpty } from "../json.ts";
import { visibleExperiments } from "../visibility.ts";
import { int64, list, parseRequest, str } from "../request.ts";

function parseJsonText(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidParameter(`Invalid JSON in parameter '${name}': ${text.slice(0, 200)}`);
  }
}

function jsonObject(text: string | undefined, name: string): Record<string, unknown> | undefined {
  if (!text) return undefined;
  const v = parseJsonText(text, name);
  if (v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) {
    throw invalidParameter(`Invalid value for parameter '${name}': expected a JSON object`);
  }
  return v as Record<string, unknown>;
}

const createSchema = z.object({
  name: str,
  experiment_ids: list(str).optional(),
  tags: str.optional(),
});
const searchSchema = z.object({
  experiment_ids: list(str).optional(),
  filter_string: str.optional(),
  max_results: int64.optional(),
  order_by: list(str).optional(),
  page_token: str.optional(),
});
const tagsSchema = z.object({ tags: str });
const recordsSchema = z.object({ records: str });
const pageSchema = z.object({ max_results: int64.optional(), page_token: str.optional() });
const recordIdsSchema = z.object({ dataset_record_ids: list(str).optional() });
const experimentsSchema = z.object({ experiment_ids: list(str).optional() });

/** The dataset routes (mounted under the 3.0 prefixes). */
export function datasetRoutes(datasets: DatasetStore): Hono {
  const app = new Hono();

  app.post("/datasets/create", async (c) => {
    const req = await parseRequest(c, createSchema);
    if (req.name === "") throw invalidParameter(missingParameter("name"));
    const dataset = await datasets.create(
      req.name,
      jsonObject(req.tags, "tags"),
      req.experiment_ids,
    );
    return mlflowJson({ dataset });
  });

  const search = async (c: Context) => {
    const req = await parseRequest(c, searchSchema);
    const res = await datasets.search({
      experimentIds: req.experiment_ids,
      filter: req.filter_string || undefined,
      maxResults: req.max_results || undefined,
      orderBy: req.order_by,
      pageToken: req.page_token || undefined,
      visible: visibleExperiments(c),
    });
    return mlflowJson({ datasets: nonEmpty(res.datasets), next_page_token: res.nextPageToken });
  };
  app.post("/datasets/search", search);
  app.get("/datasets/search", search);

  app.get("/datasets/:dataset_id", async (c) => {
    return mlflowJson({ dataset: datasetWire(await datasets.get(c.req.param("dataset_id"))) });
  });

  app.delete("/datasets/:dataset_id", async (c) => {
    await datasets.delete(c.req.param("dataset_id"));
    return mlflowJson({});
  });

  app.patch("/datasets/:dataset_id/tags", async (c) => {
    const req = await parseRequest(c, tagsSchema);
    await datasets.setTags(c.req.param("dataset_id"), jsonObject(req.tags, "tags") ?? {});
    return mlflowJson({});
  });

  app.delete("/datasets/:dataset_id/tags/:key", async (c) => {
    await datasets.deleteTag(c.req.param("dataset_id"), c.req.param("key"));
    return mlflowJson({});
  });

  app.post("/datasets/:dataset_id/records", async (c) => {
    const req = await parseRequest(c, recordsSchema);
    const records = parseJsonText(req.records, "records");
    if (!Array.isArray(records)) {
      throw invalidParameter(`Invalid value for parameter 'records': expected a JSON list`);
    }
    const res = await upsertRecords(datasets, c.req.param("dataset_id"), records);
    return mlflowJson({ inserted_count: res.inserted, updated_count: res.updated });
  });

  app.get("/datasets/:dataset_id/records", async (c) => {
    const req = await parseRequest(c, pageSchema);
    const max = req.max_results || DEFAULT_RECORDS_PAGE;
    if (max < 0 || max > 50000) {
      throw invalidParameter(`Invalid value ${max} for parameter 'max_results' supplied.`);
    }
    const res = await recordsPage(
      datasets,
      c.req.param("dataset_id"),
      max,
      req.page_token || undefined,
    );
    return mlflowJson({
      records: pythonJsonDumps(res.records),
      next_page_token: res.nextPageToken,
    });
  });

  app.delete("/datasets/:dataset_id/records", async (c) => {
    const req = await parseRequest(c, recordIdsSchema);
    const n = await deleteRecords(
      datasets,
      c.req.param("dataset_id"),
      req.dataset_record_ids ?? [],
    );
    return mlflowJson({ deleted_count: n });
  });

  app.get("/datasets/:dataset_id/experiment-ids", async (c) => {
    const ids = await datasets.experimentIds(c.req.param("dataset_id"));
    return mlflowJson({ experiment_ids: nonEmpty(ids) });
  });

  app.post("/datasets/:dataset_id/add-experiments", async (c) => {
    const req = await parseRequest(c, experimentsSchema);
    const dataset = await datasets.addExperiments(
      c.req.param("dataset_id"),
      req.experiment_ids ?? [],
    );
    return mlflowJson({ dataset });
  });

  app.post("/datasets/:dataset_id/remove-experiments", async (c) => {
    const req = await parseRequest(c, experimentsSchema);
    const dataset = await datasets.removeExperiments(
      c.req.param("dataset_id"),
      req.experiment_ids ?? [],
    );
    return mlflowJson({ dataset });
  });

  return app;
}
