/**
 * AI Gateway secrets (MLflow's `create_gateway_secret`, `get_secret_info`,
 * `update_gateway_secret`, `delete_gateway_secret`, `list_secret_infos`). The value is stored
 * only sealed (`secret_crypto.ts`) next to its masked copy; every answer carries the masked copy,
 * never the value. Names are unique (a claim item, `gateway_items.ts`).
 *
 * @module
 */
import { invalidParameter } from "../../errors.ts";
import { type Db, nowMs } from "../db.ts";
import { GatewayItems, newGatewayId, type Stored } from "./gateway_items.ts";
import { maskSecret, openSecret, type SealedSecret, sealSecret } from "./secret_crypto.ts";

/** MLflow's `GatewaySecretInfo` message. */
export interface SecretInfoWire {
  secret_id: string;
  secret_name: string;
  masked_values: Record<string, string>;
  created_at: number;
  last_updated_at: number;
  provider?: string;
  auth_config?: Record<string, string>;
  created_by?: string;
  last_updated_by?: string;
}

interface SecretItem extends Stored, SealedSecret {
  name: string;
  masked_values: Record<string, string>;
  created_at: number;
  last_updated_at: number;
  provider?: string;
  auth_config?: Record<string, string>;
  created_by?: string;
  last_updated_by?: string;
}

/** The decrypted secret, for the outbound provider call only. */
export interface OpenedSecret {
  info: SecretInfoWire;
  value: Record<string, string>;
}

function wire(s: SecretItem): SecretInfoWire {
  return {
    secret_id: s.id,
    secret_name: s.name,
    masked_values: s.masked_values,
    created_at: s.created_at,
    last_updated_at: s.last_updated_at,
    ...(s.provider !== undefined ? { provider: s.provider } : {}),
    ...(s.auth_config && Object.keys(s.auth_config).length ? { auth_config: s.auth_config } : {}),
    ...(s.created_by !== undefined ? { created_by: s.created_by } : {}),
    ...(s.last_updated_by !== undefined ? { last_updated_by: s.last_updated_by } : {}),
  };
}

/** Exactly one of two lookups (MLflow's `_validate_one_of`). */
export function oneOf(aName: string, a: string | undefined, bName: string, b: string | undefined) {
  if (!a === !b) {
    throw invalidParameter(`Exactly one of ${aName} or ${bName} must be provided`);
  }
}

/** The secret registry. */
export class SecretStore {
  readonly items: GatewayItems<SecretItem>;

  constructor(db: Db, private readonly passphrase: string | undefined) {
    this.items = new GatewayItems<SecretItem>(db, {
      kind: "SECRET",
      entity: "GatewaySecret",
      idField: "secret_id",
      nameTaken: (name) => `Secret with name '${name}' already exists`,
    });
  }

  /** Encrypts and stores a new secret. */
  async create(req: {
    secret_name: string;
    secret_value: Record<string, string>;
    provider?: string;
    auth_config?: Record<string, string>;
    created_by?: string;
  }): Promise<SecretInfoWire> {
    const id = newGatewayId("s");
    const sealed = await sealSecret(this.passphrase, id, req.secret_name, req.secret_value);
    const now = nowMs();
    const item = await this.items.create({
      id,
      name: req.secret_name,
      ...sealed,
      masked_values: maskSecret(req.secret_value),
      created_at: now,
      last_updated_at: now,
      provider: req.provider,
      auth_config: req.auth_config,
      created_by: req.created_by,
      last_updated_by: req.created_by,
    });
    return wire(item);
  }

  /** By id or by name (exactly one). */
  async get(secretId?: string, secretName?: string): Promise<SecretInfoWire> {
    oneOf("secret_id", secretId, "secret_name", secretName);
    return wire(
      secretId ? await this.items.get(secretId) : await this.items.getByName(secretName!),
    );
  }

  /** The secret or undefined (model definitions whose secret was deleted). */
  async find(secretId: string): Promise<SecretInfoWire | undefined> {
    const s = await this.items.find(secretId);
    return s && wire(s);
  }

  /**
   * Rotates the value and/or replaces the auth config (`{}` clears it; undefined keeps it).
   * `last_updated_by` is set to `updatedBy`, cleared when absent, as MLflow does.
   */
  async update(req: {
    secret_id: string;
    secret_value?: Record<string, string>;
    auth_config?: Record<string, string>;
    updated_by?: string;
  }): Promise<SecretInfoWire> {
    const item = await this.items.update(req.secret_id, async (cur) => {
      const next: SecretItem = {
        ...cur,
        last_updated_at: nowMs(),
        last_updated_by: req.updated_by,
      };
      if (req.secret_value !== undefined) {
        Object.assign(next, await sealSecret(this.passphrase, cur.id, cur.name, req.secret_value));
        next.masked_values = maskSecret(req.secret_value);
      }
      if (req.auth_config !== undefined) {
        next.auth_config = Object.keys(req.auth_config).length ? req.auth_config : undefined;
      }
      return next;
    });
    return wire(item);
  }

  /** Deletes the secret; model definitions that used it keep no secret (MLflow's SET NULL). */
  async delete(secretId: string): Promise<void> {
    await this.items.delete(secretId);
  }

  /** Every secret, optionally of one provider, oldest first. */
  async list(provider?: string): Promise<SecretInfoWire[]> {
    const all = await this.items.list();
    return all.filter((s) => provider === undefined || s.provider === provider).map(wire);
  }

  /** The decrypted value (outbound calls only; never sent to a client). */
  async open(secretId: string): Promise<OpenedSecret> {
    const s = await this.items.get(secretId);
    return { info: wire(s), value: await openSecret(this.passphrase, s.id, s.name, s) };
  }
}
