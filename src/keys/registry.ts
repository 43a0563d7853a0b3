/**
 * Model registry keys of the key schema: registered models (keyed by an immutable id, so a rename
 * touches one item plus guards), their name guards and index partitions per workspace, and model
 * versions. Part of `key_schema.ts`, which re-exports it; import that, not this file.
 *
 * @module
 */
import { DEFAULT_WORKSPACE } from "../util/workspace_context.ts";
import { encoder, inWorkspace } from "./internal.ts";
import {
  type Gsi1Key,
  type Key,
  MAX_PARTITION_KEY_BYTES,
  MAX_SORT_KEY_BYTES,
  nameInKey,
  padNumber,
} from "./names.ts";

// Model registry: models keyed by an immutable id so that rename touches one item plus guards

export const registeredModelKey = (modelUid: string): Key => ({ pk: `RM#${modelUid}`, sk: "RM" });
/** Listed by name; a name too long for a sort key is shortened and hashed ({@link nameInKey}). */
export const registeredModelGsi1 = (name: string, workspace = DEFAULT_WORKSPACE): Gsi1Key => ({
  gsi1pk: registeredModelsGsi1Pk(workspace),
  gsi1sk: nameInKey(name, MAX_SORT_KEY_BYTES, 0),
});
export const REGISTERED_MODELS_GSI1_PK = "RMS";
/** The registered models' index partition of a workspace (`RMS`, or `RMS@<ws>`). */
export const registeredModelsGsi1Pk = (workspace = DEFAULT_WORKSPACE): string =>
  inWorkspace(REGISTERED_MODELS_GSI1_PK, workspace);
/** Uniqueness guard shared by models and prompts (one name space per workspace, as in MLflow). */
export const registeredModelNameKey = (name: string, workspace = DEFAULT_WORKSPACE): Key => {
  const prefix = `${inWorkspace("RMNAME", workspace)}#`;
  return {
    pk: `${prefix}${nameInKey(name, MAX_PARTITION_KEY_BYTES, encoder.encode(prefix).length)}`,
    sk: "RMNAME",
  };
};

export const modelVersionKey = (modelUid: string, version: number): Key => ({
  pk: `RM#${modelUid}`,
  sk: `MV#${padNumber(version)}`,
});
export const MODEL_VERSION_PREFIX = "MV#";
export const modelVersionGsi1 = (modelUid: string, version: number): Gsi1Key => ({
  gsi1pk: MODEL_VERSIONS_GSI1_PK,
  gsi1sk: `${modelUid}#${padNumber(version)}`,
});
export const MODEL_VERSIONS_GSI1_PK = "MVS";
