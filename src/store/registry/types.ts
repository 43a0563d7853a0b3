/**
 * Model-registry entities as the store returns them (camelCase), and MLflow's registry constants.
 * `src/http/registry/wire.ts` turns them into MLflow's JSON.
 *
 * @module
 */

/** `mlflow.prompt.is_prompt`: marks registered models and versions that are prompts. */
export const IS_PROMPT_TAG_KEY = "mlflow.prompt.is_prompt";
/** `mlflow.prompt.text`: the template of a prompt version. */
export const PROMPT_TEXT_TAG_KEY = "mlflow.prompt.text";
/** The `source` placeholders MLflow's own clients send for prompt versions. */
export const PROMPT_SOURCE_PLACEHOLDERS: ReadonlySet<string> = new Set([
  "dummy-source",
  "prompt-template",
]);

export const STAGE_NONE = "None";
export const STAGE_STAGING = "Staging";
export const STAGE_PRODUCTION = "Production";
export const STAGE_ARCHIVED = "Archived";
/** The stage of a soft-deleted version: hidden from every read. */
export const STAGE_DELETED_INTERNAL = "Deleted_Internal";
/** `ALL_STAGES`, in MLflow's order (also the order of its error message). */
export const ALL_STAGES = [STAGE_NONE, STAGE_STAGING, STAGE_PRODUCTION, STAGE_ARCHIVED] as const;
/** Stages that `archive_existing_versions` may be used with. */
export const ACTIVE_STAGES = [STAGE_STAGING, STAGE_PRODUCTION] as const;

/** What a soft-deleted version's fields are overwritten with (MLflow's redaction). */
export const REDACTED_SOURCE = "REDACTED-SOURCE-PATH";
export const REDACTED_RUN_ID = "REDACTED-RUN-ID";
export const REDACTED_RUN_LINK = "REDACTED-RUN-LINK";

/** A model version. `name` is resolved from the model item (versions are keyed by the model uid). */
export interface ModelVersion {
  modelUid: string;
  name: string;
  version: number;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description?: string;
  userId?: string;
  currentStage: string;
  source: string;
  /** Where the artifacts really are (a `models:/` source resolved at creation). */
  storageLocation?: string;
  runId?: string;
  runLink?: string;
  status: string;
  statusMessage?: string;
  tags: Record<string, string>;
  /** Aliases pointing at this version (empty inside `latestVersions`, as in MLflow). */
  aliases: string[];
  /** The logged model the version was registered from (kept, not part of MLflow's JSON). */
  modelId?: string;
}

/** A registered model (or prompt). */
export interface RegisteredModel {
  uid: string;
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description?: string;
  tags: Record<string, string>;
  /** alias → version */
  aliases: Record<string, number>;
  /** The newest version of each stage, in MLflow's order (first seen by ascending version). */
  latestVersions: ModelVersion[];
}

/** True when `tags` mark a prompt (`mlflow.prompt.is_prompt` = "true", any case, as MLflow). */
export function isPromptTags(tags: Record<string, string>): boolean {
  return (tags[IS_PROMPT_TAG_KEY] ?? "false").toLowerCase() === "true";
}
