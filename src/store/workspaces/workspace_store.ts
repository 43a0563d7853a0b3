/**
 * Workspaces (`--enable-workspaces`): MLflow's workspace store on the table. One item per created
 * workspace (`WS#<name>`, listed through GSI1 `WSS`); `default` always exists, and has an item
 * only once its description or artifact root was updated. Name rules, reserved names, messages and
 * delete modes follow MLflow 3.17.2 (`store/workspace/abstract_store.py`, `sqlalchemy_store.py`).
 *
 * What a workspace holds is found through its listing partitions (registered models and prompts
 * `RMS@<ws>`, experiments `EXPS@<ws>`, datasets, webhooks `WH@<ws>`; `holdings.ts`).
 *
 * @module
 */
import { queryAll } from "../../dynamo/batch.ts";
import { GSI1, workspaceGsi1, workspaceKey, WORKSPACES_GSI1_PK } from "../../keys/key_schema.ts";
import { alreadyExists, invalidParameter, MlflowError, notFound } from "../../errors.ts";
import { DEFAULT_WORKSPACE } from "../../util/workspace_context.ts";
import { TtlCache } from "../../util/ttl_cache.ts";
import { type Db, fromItem, isConditionFailure, rawKey, toItem } from "../db.ts";
import { RoleStore } from "../../auth/role_store.ts";
import { UserStore } from "../../auth/user_store.ts";
import { cascadeWorkspace, dropWorkspaceAccess } from "./cascade.ts";
import { firstHolding } from "./holdings.ts";
import { reassignToDefault } from "./reassign.ts";

/** A workspace as MLflow's `Workspace` entity. */
export interface Workspace {
  name: string;
  description?: string;
  default_artifact_root?: string;
}

/** MLflow's `WorkspaceDeletionMode`. */
export const DELETION_MODES = ["RESTRICT", "CASCADE", "SET_DEFAULT"] as const;
export type DeletionMode = typeof DELETION_MODES[number];

/** What the default workspace says when it was never updated (MLflow's migration row). */
export const DEFAULT_WORKSPACE_DESCRIPTION = "Default workspace for legacy resources";

const NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const RESERVED = new Set(["workspaces", "api", "ajax-api", "static-files"]);

/** MLflow's `WorkspaceNameValidator.validate`. */
export function validateWorkspaceName(name: string): void {
  if (name.length < 2 || name.length > 63) {
    throw invalidParameter(`Workspace name '${name}' must be between 2 and 63 characters.`);
  }
  if (!NAME_PATTERN.test(name)) {
    throw invalidParameter(
      `Workspace name '${name}' must match the pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ` +
        "(lowercase alphanumeric with optional internal hyphens).",
    );
  }
  if (RESERVED.has(name)) {
    throw invalidParameter(`Workspace name '${name}' is reserved and cannot be used.`);
  }
}

/** Workspace operations over the table. */
export class WorkspaceStore {
  /** Workspace existence and metadata, read on every request that names one. */
  private readonly cache: TtlCache<Workspace | null>;

  constructor(private readonly db: Db, cacheTtlMs = 5_000) {
    this.cache = new TtlCache(cacheTtlMs);
  }

  private async read(name: string): Promise<Workspace | undefined> {
    const { Item } = await this.db.port.getItem({
      TableName: this.db.table,
      Key: rawKey(workspaceKey(name)),
      ConsistentRead: true,
    });
    if (Item) return toWorkspace(fromItem<Workspace>(Item));
    return name === DEFAULT_WORKSPACE ? defaultWorkspace() : undefined;
  }

  /** A workspace; 404 `Workspace '<name>' not found` when absent. */
  async get(name: string): Promise<Workspace> {
    const found = await this.read(name);
    if (!found) throw notFound(`Workspace '${name}' not found`);
    return found;
  }

  /** A workspace through a short-lived cache (request resolution); 404 when absent. */
  async getCached(name: string): Promise<Workspace> {
    const found = await this.cache.getOr(name, async () => (await this.read(name)) ?? null);
    if (!found) throw notFound(`Workspace '${name}' not found`);
    return found;
  }

  /** Every workspace, by name (`default` included). */
  async list(): Promise<Workspace[]> {
    const items = await queryAll(this.db.port, {
      TableName: this.db.table,
      IndexName: GSI1,
      KeyConditionExpression: "gsi1pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: WORKSPACES_GSI1_PK } },
    });
    const all = items.map((i) => toWorkspace(fromItem<Workspace>(i)));
    if (!all.some((w) => w.name === DEFAULT_WORKSPACE)) all.push(defaultWorkspace());
    return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Creates a workspace; 400 RESOURCE_ALREADY_EXISTS when the name is taken. */
  async create(w: Workspace): Promise<Workspace> {
    validateWorkspaceName(w.name);
    const ws = toWorkspace(w);
    try {
      await this.db.port.putItem({
        TableName: this.db.table,
        Item: toItem({ ...workspaceKey(ws.name), ...workspaceGsi1(ws.name), ...ws }),
        ConditionExpression: "attribute_not_exists(pk)",
      });
    } catch (e) {
      if (isConditionFailure(e)) throw alreadyExists(`Workspace '${w.name}' already exists.`);
      throw e;
    }
    this.cache.set(ws.name, ws);
    return ws;
  }

  /**
   * Updates the fields given (`undefined` keeps a field; an empty artifact root clears it).
   * 404 when the workspace does not exist.
   */
  async update(
    name: string,
    patch: { description?: string; default_artifact_root?: string },
  ): Promise<Workspace> {
    const current = await this.get(name);
    const next: Workspace = { ...current };
    if (patch.description !== undefined) next.description = patch.description;
    if (patch.default_artifact_root !== undefined) {
      next.default_artifact_root = patch.default_artifact_root || undefined;
    }
    const ws = toWorkspace(next);
    try {
      await this.db.port.putItem({
        TableName: this.db.table,
        Item: toItem({ ...workspaceKey(name), ...workspaceGsi1(name), ...ws }),
        // Default may be written the first time; any other must still exist.
        ...(name === DEFAULT_WORKSPACE ? {} : { ConditionExpression: "attribute_exists(pk)" }),
      });
    } catch (e) {
      if (isConditionFailure(e)) throw notFound(`Workspace '${name}' not found`);
      throw e;
    }
    this.cache.set(name, ws);
    return ws;
  }

  /**
   * Deletes a workspace. RESTRICT refuses while it holds registered models, experiments,
   * evaluation datasets, webhooks, AI Gateway configuration or jobs (500 INVALID_STATE naming the
   * first, as MLflow); SET_DEFAULT first moves them to the default workspace
   * (`reassign.ts`); CASCADE first hard-deletes everything in it (`cascade.ts`; a failed CASCADE
   * is finished by the same request again). The workspace's roles, workspace-wide grants and the
   * direct grants made in it go before the workspace item, whatever the mode (MLflow's auth app
   * drops them after any delete).
   */
  async delete(name: string, mode: DeletionMode = "RESTRICT"): Promise<void> {
    if (name === DEFAULT_WORKSPACE) {
      throw new MlflowError(
        "INVALID_STATE",
        `Cannot delete the reserved '${DEFAULT_WORKSPACE}' workspace`,
      );
    }
    await this.get(name);
    const roles = new RoleStore(this.db);
    const deleteRole = (id: number) => roles.deleteRole(id);
    if (mode === "CASCADE") await cascadeWorkspace(this.db, name, deleteRole);
    if (mode === "SET_DEFAULT") await reassignToDefault(this.db, name);
    const held = await firstHolding(this.db, name);
    if (held) {
      throw new MlflowError(
        "INVALID_STATE",
        `Cannot delete workspace '${name}': table '${held.table}' still contains ` +
          `${held.count} resource(s). Remove or reassign them before deleting the workspace.`,
      );
    }
    if (mode !== "CASCADE") await dropWorkspaceAccess(this.db, name, deleteRole);
    // MLflow drops the users' synthetic roles of the workspace, with the direct grants made in
    // it, after any delete: a moved resource keeps none, a workspace made again inherits none.
    await new UserStore(this.db).deleteGrantsMadeIn(name);
    await this.db.port.deleteItem({ TableName: this.db.table, Key: rawKey(workspaceKey(name)) });
    this.cache.set(name, null);
  }

  /** The artifact root of new experiments in `workspace`, and whether to add `workspaces/<ws>`. */
  async artifactRoot(workspace: string): Promise<string | undefined> {
    return (await this.getCached(workspace)).default_artifact_root;
  }
}

function defaultWorkspace(): Workspace {
  return { name: DEFAULT_WORKSPACE, description: DEFAULT_WORKSPACE_DESCRIPTION };
}

function toWorkspace(w: Workspace): Workspace {
  return {
    name: w.name,
    ...(w.description !== undefined && w.description !== null
      ? { description: w.description }
      : {}),
    ...(w.default_artifact_root ? { default_artifact_root: w.default_artifact_root } : {}),
  };
}
