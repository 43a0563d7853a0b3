/**
 * Registered-model and model-version search. The filter and order arrive compiled (a predicate
 * and a comparator, see `src/http/registry/search_query.ts`); this module reads the candidates,
 * hides prompts unless asked for, filters, sorts and pages.
 *
 * - Models: one paged Query of the `RMS` index partition (every model record, tags and aliases
 *   included), then one Query per model *on the page* for its `latest_versions`.
 * - Versions: one paged Query of the `MVS` index partition (live versions only: deleted versions
 *   have no index keys) plus the `RMS` partition for names and aliases. When the filter pins the
 *   model names (`name = 'x'`, `name IN (...)`), only those models' partitions are read instead.
 *
 * Fan-out reads (the models on a page, the pinned names) go through `pooledMap`: at most
 * `DEFAULT_POOL_LIMIT` Queries in flight whatever the page size or the length of `name IN (...)`.
 *
 * Pages continue after the last returned item (its uid, or uid and version), falling back to the
 * offset when that item no longer matches, so concurrent writes never repeat or skip much.
 *
 * @module
 */
import { queryAll } from "../../dynamo/batch.ts";
import { pooledMap } from "../../util/pool.ts";
import { GSI1, MODEL_VERSIONS_GSI1_PK, registeredModelsGsi1Pk } from "../../keys/key_schema.ts";
import { currentWorkspace } from "../../util/workspace_context.ts";
import type { Db, RawItem } from "../db.ts";
import {
  type ModelRecord,
  modelRecordFromItem,
  toModelVersion,
  toRegisteredModel,
  type VersionRecord,
  versionRecordFromItem,
} from "./items.ts";
import { findUid, latestPerStage, readPartition, readVersions } from "./partition.ts";
import {
  IS_PROMPT_TAG_KEY,
  type ModelVersion,
  type RegisteredModel,
  STAGE_DELETED_INTERNAL,
} from "./types.ts";

/** Where the previous page ended. */
export interface SearchCursor {
  /** Key of the last item returned: the model uid, or `uid#version`. */
  key: string;
  /** How many items the previous pages returned. */
  offset: number;
}

/** A compiled registered-model search. */
export interface RegisteredModelSearch {
  /** Applied to models without `latestVersions`. */
  predicate: (rm: RegisteredModel) => boolean;
  compare: (a: RegisteredModel, b: RegisteredModel) => number;
  /** False hides models tagged `mlflow.prompt.is_prompt` = "true" (MLflow's default). */
  includePrompts: boolean;
  maxResults: number;
  after?: SearchCursor;
}

/** A compiled model-version search. */
export interface ModelVersionSearch {
  predicate: (mv: ModelVersion) => boolean;
  compare: (a: ModelVersion, b: ModelVersion) => number;
  /** False hides the versions of models that have prompt versions (MLflow's default). */
  includePrompts: boolean;
  maxResults: number;
  after?: SearchCursor;
  /** When set, only versions of these models can match (read from their partitions). */
  names?: string[];
}

/** One page of results. */
export interface SearchPage<T> {
  items: T[];
  /** Set when more results follow. */
  next?: SearchCursor;
}

async function queryIndex(db: Db, pk: string): Promise<RawItem[]> {
  return await queryAll(db.port, {
    TableName: db.table,
    IndexName: GSI1,
    KeyConditionExpression: "gsi1pk = :pk",
    ExpressionAttributeValues: { ":pk": { S: pk } },
  });
}

function page<T>(
  sorted: T[],
  keyOf: (t: T) => string,
  q: { maxResults: number; after?: SearchCursor },
): SearchPage<T> {
  let start = 0;
  if (q.after) {
    const i = sorted.findIndex((t) => keyOf(t) === q.after!.key);
    start = i >= 0 ? i + 1 : q.after.offset;
  }
  const items = sorted.slice(start, start + q.maxResults);
  const more = start + q.maxResults < sorted.length;
  const offset = (q.after?.offset ?? 0) + items.length;
  return {
    items,
    ...(more && items.length > 0 ? { next: { key: keyOf(items.at(-1)!), offset } } : {}),
  };
}

/** Searches registered models (and prompts). */
export async function searchRegisteredModels(
  db: Db,
  q: RegisteredModelSearch,
): Promise<SearchPage<RegisteredModel>> {
  const records = (await queryIndex(db, registeredModelsGsi1Pk(currentWorkspace()))).map(
    modelRecordFromItem,
  );
  const byUid = new Map(records.map((r) => [r.uid, r]));
  const matches = records
    .filter((r) => q.includePrompts || r.tags[IS_PROMPT_TAG_KEY] !== "true")
    .map((r) => toRegisteredModel(r, []))
    .filter(q.predicate)
    .sort(q.compare);
  const result = page(matches, (rm) => rm.uid, q);
  const items = await pooledMap(result.items, async (rm) => {
    const record = byUid.get(rm.uid)!;
    return toRegisteredModel(record, latestPerStage(record, await readVersions(db, rm.uid)));
  });
  return { ...result, items };
}

async function candidateVersions(
  db: Db,
  names: string[] | undefined,
): Promise<{ models: Map<string, ModelRecord>; versions: VersionRecord[] }> {
  if (names) {
    const uids = (await pooledMap(new Set(names), (n) => findUid(db, n)))
      .filter((u): u is string => u !== undefined);
    const partitions = (await pooledMap(uids, (u) => readPartition(db, u)))
      .filter((p) => p !== undefined);
    return {
      models: new Map(partitions.map((p) => [p.model.uid, p.model])),
      versions: partitions.flatMap((p) => p.versions),
    };
  }
  const [modelItems, versionItems] = await Promise.all([
    queryIndex(db, registeredModelsGsi1Pk(currentWorkspace())),
    queryIndex(db, MODEL_VERSIONS_GSI1_PK),
  ]);
  const models = new Map(modelItems.map(modelRecordFromItem).map((m) => [m.uid, m]));
  return { models, versions: versionItems.map(versionRecordFromItem) };
}

const versionKey = (mv: ModelVersion) => `${mv.modelUid}#${mv.version}`;

/** Searches model versions (never soft-deleted ones). */
export async function searchModelVersions(
  db: Db,
  q: ModelVersionSearch,
): Promise<SearchPage<ModelVersion>> {
  const { models, versions } = await candidateVersions(db, q.names);
  const live = versions.filter((v) =>
    v.current_stage !== STAGE_DELETED_INTERNAL && models.has(v.model_uid)
  );
  // MLflow hides every version of a model that has prompt versions (an anti-join on the name).
  const promptModels = new Set(
    live.filter((v) => v.tags[IS_PROMPT_TAG_KEY] === "true").map((v) => v.model_uid),
  );
  const matches = live
    .filter((v) => q.includePrompts || !promptModels.has(v.model_uid))
    .map((v) => toModelVersion(models.get(v.model_uid)!, v))
    .filter(q.predicate)
    .sort(q.compare);
  return page(matches, versionKey, q);
}
