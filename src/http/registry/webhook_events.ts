/**
 * The webhook events of registry writes, with MLflow's payloads (`mlflow/server/handlers.py`:
 * each handler calls `deliver_webhook` after its store write). Prompts share the registry's
 * endpoints: a create tells prompt from model by its request tags, the other writes by the
 * registered model's `mlflow.prompt.is_prompt` tag (read only when a webhook listens).
 *
 * @module
 */
import type { RegistryStore } from "../../store/registry/registry_store.ts";
import {
  IS_PROMPT_TAG_KEY,
  isPromptTags,
  PROMPT_TEXT_TAG_KEY,
} from "../../store/registry/types.ts";
import type { WebhookEmitter } from "../../webhooks/emitter.ts";

const PROMPT_TYPE_TAG_KEY = "_mlflow_prompt_type";

/** A request's tag list. */
type Tags = { key?: string; value?: string }[];

/** What a new model version's event needs. */
export interface VersionCreated {
  name: string;
  version: string;
  source: string;
  runId: string;
  tags: Tags;
  description: string | undefined;
}

/** The registry's event hooks (each runs after its write succeeded and never throws). */
export interface RegistryEvents {
  modelCreated(name: string, tags: Tags, description: string | undefined): Promise<void>;
  versionCreated(isPrompt: boolean, v: VersionCreated): Promise<void>;
  modelTagSet(name: string, key: string, value: string): Promise<void>;
  modelTagDeleted(name: string, key: string): Promise<void>;
  versionTagSet(name: string, version: string, key: string, value: string): Promise<void>;
  versionTagDeleted(name: string, version: string, key: string): Promise<void>;
  aliasCreated(name: string, alias: string, version: string): Promise<void>;
  aliasDeleted(name: string, alias: string): Promise<void>;
}

const none = () => Promise.resolve();

/** No webhooks: every hook does nothing. */
export const NO_EVENTS: RegistryEvents = {
  modelCreated: none,
  versionCreated: none,
  modelTagSet: none,
  modelTagDeleted: none,
  versionTagSet: none,
  versionTagDeleted: none,
  aliasCreated: none,
  aliasDeleted: none,
};

/** Tags as a dict, the last value of a repeated key winning (Python's dict comprehension). */
function tagDict(tags: Tags): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags) out[t.key ?? ""] = t.value ?? "";
  return out;
}

/** The hooks over `emitter`; `registry` answers whether a name is a prompt. */
export function registryEvents(
  emitter: WebhookEmitter | undefined,
  registry: RegistryStore,
): RegistryEvents {
  if (!emitter) return NO_EVENTS;
  const isPrompt = (name: string) => async () =>
    isPromptTags((await registry.getRegisteredModel(name)).tags);
  return {
    async modelCreated(name, tags, description) {
      const dict = tagDict(tags);
      if (isPromptTags(dict)) {
        delete dict[IS_PROMPT_TAG_KEY];
        delete dict[PROMPT_TYPE_TAG_KEY];
        await emitter.emit("prompt.created", { name, tags: dict, description: description ?? "" });
      } else {
        await emitter.emit("registered_model.created", {
          name,
          tags: dict,
          description: description ?? "",
        });
      }
    },
    async versionCreated(prompt, v) {
      const dict = tagDict(v.tags);
      if (prompt) {
        const template = dict[PROMPT_TEXT_TAG_KEY] ?? null;
        delete dict[PROMPT_TEXT_TAG_KEY];
        delete dict[IS_PROMPT_TAG_KEY];
        delete dict[PROMPT_TYPE_TAG_KEY];
        await emitter.emit("prompt_version.created", {
          name: v.name,
          version: v.version,
          template,
          tags: dict,
          description: v.description || null,
        });
      } else {
        await emitter.emit("model_version.created", {
          name: v.name,
          version: v.version,
          source: v.source,
          run_id: v.runId || null,
          tags: dict,
          description: v.description || null,
        });
      }
    },
    async modelTagSet(name, key, value) {
      await emitter.emitEither(isPrompt(name), ["prompt_tag.set", { name, key, value }]);
    },
    async modelTagDeleted(name, key) {
      await emitter.emitEither(isPrompt(name), ["prompt_tag.deleted", { name, key }]);
    },
    async versionTagSet(name, version, key, value) {
      const data = { name, version, key, value };
      await emitter.emitEither(isPrompt(name), ["prompt_version_tag.set", data], [
        "model_version_tag.set",
        data,
      ]);
    },
    async versionTagDeleted(name, version, key) {
      const data = { name, version, key };
      await emitter.emitEither(isPrompt(name), ["prompt_version_tag.deleted", data], [
        "model_version_tag.deleted",
        data,
      ]);
    },
    async aliasCreated(name, alias, version) {
      const data = { name, alias, version };
      await emitter.emitEither(isPrompt(name), ["prompt_alias.created", data], [
        "model_version_alias.created",
        data,
      ]);
    },
    async aliasDeleted(name, alias) {
      const data = { name, alias };
      await emitter.emitEither(isPrompt(name), ["prompt_alias.deleted", data], [
        "model_version_alias.deleted",
        data,
      ]);
    },
  };
}
