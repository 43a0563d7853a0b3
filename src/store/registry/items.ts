/**
 * Registry items: the model record, its name guard and the version records.
 *
 * - Model `RM#<uid>`/`RM`: name, times, description, `tags` map, `aliases` map (alias → version),
 *   `alias_rev` (bumped on every alias change, for optimistic checks) and `last_version` (the
 *   version counter, `ADD`ed atomically).
 * - Guard `RMNAME#<name>`/`RMNAME`: `uid` of the model holding the name (models and prompts).
 * - Version `RM#<uid>`/`MV#<padded version>`: the version's fields and `tags` map. Soft-deleted
 *   versions lose their `gsi1` keys, so they drop out of the versions index.
 *
 * @module
 */
import {
  MODEL_VERSION_PREFIX,
  modelVersionGsi1,
  modelVersionKey,
  registeredModelGsi1,
  registeredModelKey,
  registeredModelNameKey,
} from "../../keys/key_schema.ts";
import { fromItem, type RawItem, toItem } from "../db.ts";
import { currentWorkspace, isDefaultWorkspace } from "../../util/workspace_context.ts";
import type { ModelVersion, RegisteredModel } from "./types.ts";

/** The model record as stored. */
export interface ModelRecord {
  uid: string;
  name: string;
  creation_time: number;
  last_updated_time: number;
  description?: string;
  tags: Record<string, string>;
  aliases: Record<string, number>;
  alias_rev: number;
  last_version: number;
}

/** The version record as stored. */
export interface VersionRecord {
  model_uid: string;
  version: number;
  creation_time: number;
  last_updated_time: number;
  description?: string;
  user_id?: string;
  current_stage: string;
  source: string;
  storage_location?: string;
  run_id?: string;
  run_link?: string;
  status: string;
  status_message?: string;
  tags: Record<string, string>;
  model_id?: string;
}

/** A new model's item, with its index keys. */
export function modelItem(r: ModelRecord): RawItem {
  const ws = currentWorkspace();
  return toItem({
    ...registeredModelKey(r.uid),
    ...registeredModelGsi1(r.name, ws),
    ...r,
    ...(isDefaultWorkspace(ws) ? {} : { workspace: ws }),
  });
}

/** The name guard of a model. */
export function nameGuardItem(name: string, uid: string): RawItem {
  return toItem({ ...registeredModelNameKey(name, currentWorkspace()), uid });
}

/** A new version's item, with its index keys. */
export function versionItem(r: VersionRecord): RawItem {
  return toItem({
    ...modelVersionKey(r.model_uid, r.version),
    ...modelVersionGsi1(r.model_uid, r.version),
    ...r,
  });
}

/** True for the model record of a model partition. */
export function isModelItem(item: RawItem): boolean {
  return item.sk?.S === registeredModelKey("").sk;
}

/** True for a version record of a model partition. */
export function isVersionItem(item: RawItem): boolean {
  return item.sk?.S?.startsWith(MODEL_VERSION_PREFIX) ?? false;
}

/** Reads a model record. */
export function modelRecordFromItem(item: RawItem): ModelRecord {
  const r = fromItem<ModelRecord>(item);
  return {
    uid: r.uid,
    name: r.name,
    creation_time: Number(r.creation_time),
    last_updated_time: Number(r.last_updated_time),
    ...(r.description !== undefined ? { description: r.description } : {}),
    tags: r.tags ?? {},
    aliases: Object.fromEntries(Object.entries(r.aliases ?? {}).map(([a, v]) => [a, Number(v)])),
    alias_rev: Number(r.alias_rev ?? 0),
    last_version: Number(r.last_version ?? 0),
  };
}

/** Reads a version record. */
export function versionRecordFromItem(item: RawItem): VersionRecord {
  const r = fromItem<VersionRecord>(item);
  return {
    ...r,
    version: Number(r.version),
    creation_time: Number(r.creation_time),
    last_updated_time: Number(r.last_updated_time),
    tags: r.tags ?? {},
  };
}

/** The aliases of `model` that point at `version`, sorted. */
export function aliasesOf(model: ModelRecord, version: number): string[] {
  return Object.entries(model.aliases).filter(([, v]) => v === version).map(([a]) => a).sort();
}

/** A version entity; `withAliases` false gives the alias-less form of `latest_versions`. */
export function toModelVersion(
  model: ModelRecord,
  r: VersionRecord,
  withAliases = true,
): ModelVersion {
  return {
    modelUid: r.model_uid,
    name: model.name,
    version: r.version,
    creationTimestamp: r.creation_time,
    lastUpdatedTimestamp: r.last_updated_time,
    ...(r.description !== undefined ? { description: r.description } : {}),
    ...(r.user_id !== undefined ? { userId: r.user_id } : {}),
    currentStage: r.current_stage,
    source: r.source,
    ...(r.storage_location !== undefined ? { storageLocation: r.storage_location } : {}),
    ...(r.run_id !== undefined ? { runId: r.run_id } : {}),
    ...(r.run_link !== undefined ? { runLink: r.run_link } : {}),
    status: r.status,
    ...(r.status_message !== undefined ? { statusMessage: r.status_message } : {}),
    tags: r.tags,
    aliases: withAliases ? aliasesOf(model, r.version) : [],
    ...(r.model_id !== undefined ? { modelId: r.model_id } : {}),
  };
}

/** A model entity with the given (alias-less) latest versions. */
export function toRegisteredModel(
  model: ModelRecord,
  latestVersions: ModelVersion[],
): RegisteredModel {
  return {
    uid: model.uid,
    name: model.name,
    creationTimestamp: model.creation_time,
    lastUpdatedTimestamp: model.last_updated_time,
    ...(model.description !== undefined ? { description: model.description } : {}),
    tags: model.tags,
    aliases: model.aliases,
    latestVersions,
  };
}
