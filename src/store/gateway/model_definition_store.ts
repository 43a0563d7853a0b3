/**
 * AI Gateway model definitions (MLflow's `create/get/list/update/delete_gateway_model_definition`):
 * a provider model plus the secret that authenticates it, reusable by many endpoints. Names are
 * unique. The secret's name is read at answer time, so a deleted secret leaves the definition
 * without one (MLflow's `ON DELETE SET NULL`) without rewriting any definition.
 *
 * @module
 */
import { MlflowError } from "../../errors.ts";
import { type Db, nowMs } from "../db.ts";
import { GatewayItems, newGatewayId, type Stored } from "./gateway_items.ts";
import type { SecretInfoWire, SecretStore } from "./secret_store.ts";

/** MLflow's `GatewayModelDefinition` message. */
export interface ModelDefinitionWire {
  model_definition_id: string;
  name: string;
  secret_id?: string;
  secret_name?: string;
  provider: string;
  model_name: string;
  created_at: number;
  last_updated_at: number;
  created_by?: string;
  last_updated_by?: string;
}

/** A stored model definition. */
export interface ModelDefinitionItem extends Stored {
  name: string;
  secret_id?: string;
  provider: string;
  model_name: string;
  created_at: number;
  last_updated_at: number;
  created_by?: string;
  last_updated_by?: string;
}

/** Resolves secrets by id for a batch of answers (one list read). */
export type SecretLookup = (id: string) => SecretInfoWire | undefined;

/** The answer for a stored definition, given the secrets that exist. */
export function modelDefinitionWire(d: ModelDefinitionItem, secrets: SecretLookup) {
  const secret = d.secret_id === undefined ? undefined : secrets(d.secret_id);
  const out: ModelDefinitionWire = {
    model_definition_id: d.id,
    name: d.name,
    ...(secret ? { secret_id: secret.secret_id, secret_name: secret.secret_name } : {}),
    provider: d.provider,
    model_name: d.model_name,
    created_at: d.created_at,
    last_updated_at: d.last_updated_at,
    ...(d.created_by !== undefined ? { created_by: d.created_by } : {}),
    ...(d.last_updated_by !== undefined ? { last_updated_by: d.last_updated_by } : {}),
  };
  return out;
}

/** The model definition registry. */
export class ModelDefinitionStore {
  readonly items: GatewayItems<ModelDefinitionItem>;
  /** Set by the endpoint store: true while any endpoint uses the definition. */
  inUse: (id: string) => Promise<boolean> = () => Promise.resolve(false);

  constructor(db: Db, readonly secrets: SecretStore) {
    this.items = new GatewayItems<ModelDefinitionItem>(db, {
      kind: "MODELDEF",
      entity: "GatewayModelDefinition",
      idField: "model_definition_id",
      nameTaken: (name) => `Model definition with name '${name}' already exists`,
    });
  }

  /** A lookup of every secret (one Query). */
  async secretLookup(): Promise<SecretLookup> {
    const all = new Map((await this.secrets.list()).map((s) => [s.secret_id, s]));
    return (id) => all.get(id);
  }

  private async one(d: ModelDefinitionItem): Promise<ModelDefinitionWire> {
    const secret = d.secret_id === undefined ? undefined : await this.secrets.find(d.secret_id);
    return modelDefinitionWire(d, () => secret);
  }

  /** Creates a definition over an existing secret. */
  async create(req: {
    name: string;
    secret_id: string;
    provider: string;
    model_name: string;
    created_by?: string;
  }): Promise<ModelDefinitionWire> {
    await this.secrets.items.get(req.secret_id);
    const now = nowMs();
    return this.one(
      await this.items.create({
        id: newGatewayId("d"),
        name: req.name,
        secret_id: req.secret_id,
        provider: req.provider,
        model_name: req.model_name,
        created_at: now,
        last_updated_at: now,
        created_by: req.created_by,
        last_updated_by: req.created_by,
      }),
    );
  }

  /** By id. */
  async get(id: string): Promise<ModelDefinitionWire> {
    return this.one(await this.items.get(id));
  }

  /** Every definition, optionally of one provider and/or secret, oldest first. */
  async list(filter: { provider?: string; secret_id?: string } = {}) {
    const secrets = await this.secretLookup();
    return (await this.items.list())
      .filter((d) => filter.provider === undefined || d.provider === filter.provider)
      .map((d) => modelDefinitionWire(d, secrets))
      .filter((d) => filter.secret_id === undefined || d.secret_id === filter.secret_id);
  }

  /** Changes the given fields; a new secret must exist, a new name must be free. */
  async update(req: {
    model_definition_id: string;
    name?: string;
    secret_id?: string;
    model_name?: string;
    provider?: string;
    updated_by?: string;
  }): Promise<ModelDefinitionWire> {
    await this.items.get(req.model_definition_id);
    if (req.secret_id !== undefined) await this.secrets.items.get(req.secret_id);
    const item = await this.items.update(req.model_definition_id, (cur) => ({
      ...cur,
      ...(req.name !== undefined ? { name: req.name } : {}),
      ...(req.secret_id !== undefined ? { secret_id: req.secret_id } : {}),
      ...(req.model_name !== undefined ? { model_name: req.model_name } : {}),
      ...(req.provider !== undefined ? { provider: req.provider } : {}),
      ...(req.updated_by ? { last_updated_by: req.updated_by } : {}),
      last_updated_at: nowMs(),
    }));
    return this.one(item);
  }

  /** Deletes a definition no endpoint uses (MLflow's `RESTRICT`). */
  async delete(id: string): Promise<void> {
    await this.items.get(id);
    if (await this.inUse(id)) {
      throw new MlflowError(
        "INVALID_STATE",
        "Cannot delete model definition that is currently in use by endpoints. " +
          "Detach it from all endpoints first.",
      );
    }
    await this.items.delete(id);
  }
}
