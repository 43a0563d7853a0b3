/**
 * The model registry over the table: one object the HTTP layer talks to. The work is done in
 * `registered_models.ts`, `model_versions.ts`, `version_stages.ts`, `aliases.ts` and `search.ts`;
 * `docs/registry.md` describes the items and what each operation costs.
 *
 * @module
 */
import type { Db } from "../db.ts";
import * as aliases from "./aliases.ts";
import * as versions from "./model_versions.ts";
import * as models from "./registered_models.ts";
import * as search from "./search.ts";
import * as stages from "./version_stages.ts";
import type { ModelVersion, RegisteredModel } from "./types.ts";

export type { CreateRegisteredModelInput, TagInput } from "./registered_models.ts";
export type {
  CreateModelVersionInput,
  LoggedModelInfo,
  LoggedModelLookup,
} from "./model_versions.ts";
export type {
  ModelVersionSearch,
  RegisteredModelSearch,
  SearchCursor,
  SearchPage,
} from "./search.ts";

type Name = string | undefined;
type Version = string | number | undefined;

/** Registered models, model versions, aliases, tags and their searches. */
export class RegistryStore {
  /**
   * @param db the table
   * @param loggedModels resolves `models:/m-…` sources and the run of a `model_id`
   */
  constructor(readonly db: Db, readonly loggedModels?: versions.LoggedModelLookup) {}

  createRegisteredModel(input: models.CreateRegisteredModelInput): Promise<RegisteredModel> {
    return models.createRegisteredModel(this.db, input);
  }
  getRegisteredModel(name: Name): Promise<RegisteredModel> {
    return models.getRegisteredModel(this.db, name);
  }
  renameRegisteredModel(name: Name, newName: Name): Promise<RegisteredModel> {
    return models.renameRegisteredModel(this.db, name, newName);
  }
  updateRegisteredModel(name: Name, description: string | undefined): Promise<RegisteredModel> {
    return models.updateRegisteredModel(this.db, name, description);
  }
  deleteRegisteredModel(name: Name): Promise<void> {
    return models.deleteRegisteredModel(this.db, name);
  }
  setRegisteredModelTag(name: Name, key: string | undefined, value: string): Promise<void> {
    return models.setRegisteredModelTag(this.db, name, key, value);
  }
  deleteRegisteredModelTag(name: Name, key: string | undefined): Promise<void> {
    return models.deleteRegisteredModelTag(this.db, name, key);
  }
  getLatestVersions(name: Name, stages?: string[]): Promise<ModelVersion[]> {
    return models.getLatestVersions(this.db, name, stages);
  }
  searchRegisteredModels(
    q: search.RegisteredModelSearch,
  ): Promise<search.SearchPage<RegisteredModel>> {
    return search.searchRegisteredModels(this.db, q);
  }

  createModelVersion(input: versions.CreateModelVersionInput): Promise<ModelVersion> {
    return versions.createModelVersion(this.db, input, this.loggedModels);
  }
  getModelVersion(name: Name, version: Version): Promise<ModelVersion> {
    return versions.getModelVersion(this.db, name, version);
  }
  updateModelVersion(
    name: Name,
    version: Version,
    description: string | undefined,
  ): Promise<ModelVersion> {
    return versions.updateModelVersion(this.db, name, version, description);
  }
  transitionModelVersionStage(
    name: Name,
    version: Version,
    stage: string,
    archiveExisting: boolean,
  ): Promise<ModelVersion> {
    return stages.transitionModelVersionStage(this.db, name, version, stage, archiveExisting);
  }
  deleteModelVersion(name: Name, version: Version): Promise<void> {
    return versions.deleteModelVersion(this.db, name, version);
  }
  getModelVersionDownloadUri(name: Name, version: Version): Promise<string> {
    return versions.getDownloadUri(this.db, name, version);
  }
  setModelVersionTag(
    name: Name,
    version: Version,
    key: string | undefined,
    value: string | undefined,
  ): Promise<void> {
    return versions.setModelVersionTag(this.db, name, version, key, value);
  }
  deleteModelVersionTag(name: Name, version: Version, key: string | undefined): Promise<void> {
    return versions.deleteModelVersionTag(this.db, name, version, key);
  }
  searchModelVersions(q: search.ModelVersionSearch): Promise<search.SearchPage<ModelVersion>> {
    return search.searchModelVersions(this.db, q);
  }

  setRegisteredModelAlias(name: Name, alias: string | undefined, version: Version): Promise<void> {
    return aliases.setRegisteredModelAlias(this.db, name, alias, version);
  }
  deleteRegisteredModelAlias(name: Name, alias: string | undefined): Promise<void> {
    return aliases.deleteRegisteredModelAlias(this.db, name, alias);
  }
  getModelVersionByAlias(name: Name, alias: string | undefined): Promise<ModelVersion> {
    return aliases.getModelVersionByAlias(this.db, name, alias);
  }
}
