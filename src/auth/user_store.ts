/**
 * Users and per-resource grants of the basic-auth app, in the server's one DynamoDB table
 * (`docs/key-schema.md`, "Auth"). A user's partition holds the user item and every grant the user
 * holds, so deleting a user is one Query plus batched deletes; grants are also indexed by resource
 * (GSI1), so renaming or deleting a registered model moves or removes its grants.
 *
 * Errors and messages follow MLflow's `SqlAlchemyStore` for the auth database.
 *
 * @module
 */
import { alreadyExists, invalidParameter, notFound } from "../errors.ts";
import { queryAll } from "../dynamo/batch.ts";
import { batchWriteAll } from "../dynamo/batch.ts";
import { pooledMap } from "../util/pool.ts";
import {
  counterKey,
  GRANT_PREFIX,
  grantGsi1,
  grantKey,
  grantKeyWorkspace,
  grantsOnGsi1Pk,
  userGsi1,
  userKey,
  userPartitionPk,
  USERS_GSI1_PK,
} from "../keys/key_schema.ts";
import { currentWorkspace, DEFAULT_WORKSPACE } from "../util/workspace_context.ts";

/**
 * The workspace a grant on `resourceType` is keyed in: registered models and prompts are named
 * per workspace, so their grants are too, and a workspace-wide grant (`workspace`, `*`) belongs
 * to its workspace; experiments and scorers have global ids.
 */
function grantWorkspace(resourceType: string): string {
  return KEYED_BY_WORKSPACE.has(resourceType) ? currentWorkspace() : DEFAULT_WORKSPACE;
}
const KEYED_BY_WORKSPACE: ReadonlySet<string> = new Set([
  "registered_model",
  "prompt",
  "workspace",
]);
import { type Db, fromItem, isConditionFailure, rawKey, toItem } from "../store/db.ts";
import { hashPassword, verifyPassword } from "./password.ts";
import { isPermission, type PermissionName, type ResourceType } from "./permissions.ts";

/** A user as MLflow's auth API shows it (never with the hash). */
export interface User {
  id: number;
  username: string;
  is_admin: boolean;
}

interface UserItem extends User {
  password_hash: string;
}

/** One grant a user holds. */
export interface Grant {
  username: string;
  resource_type: string;
  resource_id: string;
  permission: PermissionName;
  /**
   * The workspace the grant was made in (MLflow's synthetic role of the active workspace);
   * absent on grants stored before it was recorded (see {@link UserStore.grantsOf}).
   */
  workspace?: string;
}

/** MLflow's password rule (`mlflow.utils.validation._validate_password`). */
export function validatePassword(password: unknown): asserts password is string {
  if (typeof password !== "string" || password.length < 12) {
    throw invalidParameter("Password must be at least 12 characters.");
  }
}

function validateUsername(username: unknown): asserts username is string {
  if (typeof username !== "string" || username === "") {
    throw invalidParameter("Username cannot be empty.");
  }
}

const userNotFound = (username: string) => notFound(`User with username=${username} not found`);

/** Users and grants on the table. */
export class UserStore {
  constructor(private readonly db: Db) {}

  private async nextUserId(): Promise<number> {
    const res = await this.db.port.updateItem({
      TableName: this.db.table,
      Key: rawKey(counterKey("user")),
      UpdateExpression: "ADD #n :one",
      ExpressionAttributeNames: { "#n": "n" },
      ExpressionAttributeValues: { ":one": { N: "1" } },
      ReturnValues: "UPDATED_NEW",
    });
    return Number(res.Attributes!.n!.N!);
  }

  /** Creates a user; `RESOURCE_ALREADY_EXISTS` when the name is taken. */
  async createUser(username: unknown, password: unknown, isAdmin = false): Promise<User> {
    validateUsername(username);
    validatePassword(password);
    return await this.putUser(username, await hashPassword(password), isAdmin);
  }

  /** Creates a user from an existing werkzeug hash (import from an MLflow auth database). */
  async importUser(username: string, passwordHash: string, isAdmin: boolean): Promise<User> {
    validateUsername(username);
    return await this.putUser(username, passwordHash, isAdmin);
  }

  private async putUser(username: string, passwordHash: string, isAdmin: boolean): Promise<User> {
    const user: User = { id: await this.nextUserId(), username, is_admin: isAdmin };
    try {
      await this.db.port.putItem({
        TableName: this.db.table,
        Item: toItem({
          ...userKey(username),
          ...userGsi1(username),
          ...user,
          password_hash: passwordHash,
        }),
        ConditionExpression: "attribute_not_exists(pk)",
      });
    } catch (e) {
      if (isConditionFailure(e)) {
        throw alreadyExists(`User (username=${username}) already exists.`);
      }
      throw e;
    }
    return user;
  }

  private async userItem(username: string): Promise<UserItem | undefined> {
    const res = await this.db.port.getItem({
      TableName: this.db.table,
      Key: rawKey(userKey(username)),
      ConsistentRead: true,
    });
    if (!res.Item) return undefined;
    const item = fromItem<UserItem>(res.Item);
    return item.username === username ? item : undefined;
  }

  /** The user, or `undefined`. */
  async findUser(username: string): Promise<User | undefined> {
    const item = await this.userItem(username);
    return item && { id: Number(item.id), username: item.username, is_admin: item.is_admin };
  }

  /** The user; `RESOURCE_DOES_NOT_EXIST` when absent. */
  async getUser(username: unknown): Promise<User> {
    validateUsername(username);
    const user = await this.findUser(username);
    if (!user) throw userNotFound(username);
    return user;
  }

  /** The user when `password` is theirs, else `undefined` (no hint which part was wrong). */
  async authenticate(username: string, password: string): Promise<User | undefined> {
    const item = await this.userItem(username);
    if (!item) return undefined;
    if (!(await verifyPassword(item.password_hash, password))) return undefined;
    return { id: Number(item.id), username: item.username, is_admin: item.is_admin };
  }

  /** Every user, in name order. */
  async listUsers(): Promise<User[]> {
    const items = await queryAll(this.db.port, {
      TableName: this.db.table,
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: USERS_GSI1_PK } },
    });
    return items.map((i) => fromItem<UserItem>(i)).map((u) => ({
      id: Number(u.id),
      username: u.username,
      is_admin: u.is_admin,
    }));
  }

  private async updateUser(username: unknown, set: Record<string, unknown>): Promise<void> {
    validateUsername(username);
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const parts: string[] = [];
    for (const [k, v] of Object.entries(set)) {
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      parts.push(`#${k} = :${k}`);
    }
    try {
      await this.db.port.updateItem({
        TableName: this.db.table,
        Key: rawKey(userKey(username)),
        UpdateExpression: `SET ${parts.join(", ")}`,
        ConditionExpression: "attribute_exists(pk) AND username = :username",
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: toItem({ ...values, ":username": username }),
      });
    } catch (e) {
      if (isConditionFailure(e)) throw userNotFound(username);
      throw e;
    }
  }

  /** Sets a new password (MLflow's rule applies). */
  async updatePassword(username: unknown, password: unknown): Promise<void> {
    validatePassword(password);
    await this.updateUser(username, { password_hash: await hashPassword(password) });
  }

  /** Sets or clears the admin flag. */
  async updateAdmin(username: unknown, isAdmin: boolean): Promise<void> {
    await this.updateUser(username, { is_admin: isAdmin });
  }

  /** Deletes a user and every grant the user holds. */
  async deleteUser(username: unknown): Promise<void> {
    const user = await this.getUser(username);
    const items = await queryAll(this.db.port, {
      TableName: this.db.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: userPartitionPk(user.username) } },
      ConsistentRead: true,
    });
    await batchWriteAll(
      this.db.port,
      this.db.table,
      items.map((i) => ({ DeleteRequest: { Key: { pk: i.pk!, sk: i.sk! } } })),
    );
  }

  /** Adds a grant; `RESOURCE_ALREADY_EXISTS` when the user already holds one on the resource. */
  async grant(
    username: string,
    resourceType: ResourceType,
    resourceId: string,
    permission: PermissionName,
    overwrite = false,
  ): Promise<void> {
    try {
      await this.db.port.putItem({
        TableName: this.db.table,
        Item: toItem({
          ...grantKey(username, resourceType, resourceId, grantWorkspace(resourceType)),
          ...grantGsi1(username, resourceType, resourceId, grantWorkspace(resourceType)),
          username,
          resource_type: resourceType,
          resource_id: resourceId,
          permission,
          workspace: currentWorkspace(),
        }),
        ...(overwrite ? {} : { ConditionExpression: "attribute_not_exists(pk)" }),
      });
    } catch (e) {
      if (isConditionFailure(e)) {
        throw alreadyExists(
          `Permission for user=${username} on resource_type=${resourceType}, ` +
            `resource_id=${resourceId} already exists.`,
        );
      }
      throw e;
    }
  }

  /** Removes a grant; `RESOURCE_DOES_NOT_EXIST` when there is none. */
  async revoke(username: string, resourceType: ResourceType, resourceId: string): Promise<void> {
    try {
      await this.db.port.deleteItem({
        TableName: this.db.table,
        Key: rawKey(grantKey(username, resourceType, resourceId, grantWorkspace(resourceType))),
        ConditionExpression: "attribute_exists(pk)",
      });
    } catch (e) {
      if (isConditionFailure(e)) {
        throw notFound(
          `Permission for user=${username} on resource_type=${resourceType}, ` +
            `resource_id=${resourceId} not found.`,
        );
      }
      throw e;
    }
  }

  /** The level `username` was granted on a resource, or `undefined` when no grant exists. */
  async grantOn(
    username: string,
    resourceType: string,
    resourceId: string,
  ): Promise<PermissionName | undefined> {
    const res = await this.db.port.getItem({
      TableName: this.db.table,
      Key: rawKey(grantKey(username, resourceType, resourceId, grantWorkspace(resourceType))),
    });
    if (!res.Item) return undefined;
    const g = fromItem<Grant>(res.Item);
    if (g.resource_id !== resourceId || !isPermission(g.permission)) return undefined;
    return g.permission;
  }

  /**
   * Every grant a user holds. A grant stored before grants recorded their workspace gets the one
   * its key carries when its type is keyed by workspace (registered models, prompts, workspaces);
   * on experiments and scorers it stays unset (their experiment says it).
   */
  async grantsOf(username: string): Promise<Grant[]> {
    const items = await queryAll(this.db.port, {
      TableName: this.db.table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :g)",
      ExpressionAttributeValues: {
        ":pk": { S: userPartitionPk(username) },
        ":g": { S: GRANT_PREFIX },
      },
    });
    return items.map((i) => {
      const g = fromItem<Grant>(i);
      if (g.workspace === undefined && KEYED_BY_WORKSPACE.has(g.resource_type) && i.sk?.S) {
        g.workspace = grantKeyWorkspace(i.sk.S);
      }
      return g;
    }).filter((g) => g.username === username);
  }

  /** Every grant on one resource. */
  async grantsOn(resourceType: ResourceType, resourceId: string): Promise<Grant[]> {
    const items = await queryAll(this.db.port, {
      TableName: this.db.table,
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :pk",
      ExpressionAttributeValues: {
        ":pk": { S: grantsOnGsi1Pk(resourceType, resourceId, grantWorkspace(resourceType)) },
      },
    });
    return items.map((i) => fromItem<Grant>(i)).filter((g) => g.resource_id === resourceId);
  }

  /** Moves the grants on a renamed resource to its new id. */
  async moveGrants(resourceType: ResourceType, fromId: string, toId: string): Promise<void> {
    for (const g of await this.grantsOn(resourceType, fromId)) {
      await this.grant(g.username, resourceType, toId, g.permission, true);
      await this.db.port.deleteItem({
        TableName: this.db.table,
        Key: rawKey(grantKey(g.username, resourceType, fromId, grantWorkspace(resourceType))),
      });
    }
  }

  /** Removes the grants on a deleted resource. */
  async deleteGrants(resourceType: ResourceType, resourceId: string): Promise<void> {
    const grants = await this.grantsOn(resourceType, resourceId);
    await batchWriteAll(
      this.db.port,
      this.db.table,
      grants.map((g) => ({
        DeleteRequest: {
          Key: rawKey(grantKey(g.username, resourceType, resourceId, grantWorkspace(resourceType))),
        },
      })),
    );
  }

  /**
   * Removes every grant made in `workspace`, each user's, as MLflow 3.17.2 does when a workspace
   * is deleted: a direct grant lives in the user's synthetic role of the workspace it was made in,
   * and the delete drops that workspace's roles. A grant stored before grants recorded their
   * workspace counts by its key (registered models, prompts); on an experiment or scorer it stays.
   * Cost: one Query of the user index, one Query per user, the deletes. Returns how many.
   */
  async deleteGrantsMadeIn(workspace: string): Promise<number> {
    const users = await this.listUsers();
    const counts = await pooledMap(users, async ({ username }) => {
      const made = (await this.grantsOf(username)).filter((g) => g.workspace === workspace);
      await batchWriteAll(
        this.db.port,
        this.db.table,
        made.map((g) => ({
          DeleteRequest: {
            Key: rawKey(
              grantKey(
                username,
                g.resource_type,
                g.resource_id,
                KEYED_BY_WORKSPACE.has(g.resource_type) ? workspace : DEFAULT_WORKSPACE,
              ),
            ),
          },
        })),
      );
      return made.length;
    });
    return counts.reduce((a, b) => a + b, 0);
  }
}
