/**
 * Registry entities → MLflow's JSON (`RegisteredModel.to_proto` / `ModelVersion.to_proto` then
 * `message_to_json`): versions as strings, timestamps as numbers, empty lists omitted, and the
 * same presence rules (a model's empty description is left out, a version's is kept).
 *
 * @module
 */
import type { ModelVersion, RegisteredModel } from "../../store/registry/types.ts";
import { nonEmpty } from "../json.ts";

const byKey = (
  a: [string, unknown],
  b: [string, unknown],
) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

function tagList(tags: Record<string, string>) {
  return nonEmpty(Object.entries(tags).sort(byKey).map(([key, value]) => ({ key, value })));
}

/** A `ModelVersion` message. */
export function modelVersionJson(mv: ModelVersion) {
  return {
    name: mv.name,
    version: String(mv.version),
    creation_timestamp: mv.creationTimestamp,
    last_updated_timestamp: mv.lastUpdatedTimestamp,
    user_id: mv.userId,
    current_stage: mv.currentStage,
    description: mv.description,
    source: mv.source,
    run_id: mv.runId,
    status: mv.status,
    status_message: mv.statusMessage || undefined,
    tags: tagList(mv.tags),
    run_link: mv.runLink,
    aliases: nonEmpty(mv.aliases),
  };
}

/** A `RegisteredModel` message. */
export function registeredModelJson(rm: RegisteredModel) {
  return {
    name: rm.name,
    creation_timestamp: rm.creationTimestamp,
    last_updated_timestamp: rm.lastUpdatedTimestamp || undefined,
    description: rm.description || undefined,
    latest_versions: nonEmpty(rm.latestVersions.map(modelVersionJson)),
    tags: tagList(rm.tags),
    aliases: nonEmpty(
      Object.entries(rm.aliases).sort(byKey).map(([alias, version]) => ({
        alias,
        version: String(version),
      })),
    ),
  };
}
