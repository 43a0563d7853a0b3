/**
 * Roles of the basic-auth app (RBAC, MLflow 3.17.2 `SqlAlchemyStore` role methods) in the
 * server's one table (`docs/key-schema.md`, "Auth roles"): a role belongs to a workspace and holds
 * permissions (`resource_type`, `resource_pattern` = an id or `*`, level); users are assigned to
 * roles. A role's partition holds the role item, its permissions and its members, so one Query
 * reads what a permission check needs; each assignment is also written in the user's partition,
 * so a user's roles are one Query too.
 *
 * Ids are integers from counters, as MLflow's auto-increment ids; errors and messages follow
 * MLflow's store.
 *
 * @module
 */
import { alreadyExists, notFound } from "../errors.ts";
import { batchWriteAll, queryAll } from "../dynamo/batch.ts";
import {
  counterKey,
  ROLE_MEMBER_PREFIX,
  ROLE_PERMISSION_PREFIX,
  roleGsi1,
  roleKey,
  roleMemberKey,
  roleNameKey,
  rolePermissionIdKey,
  rolePermissionKey,
  rolePk,
  ROLES_GSI1_PK,
  USER_ROLE_PREFIX,
  userPartitionPk,
  userRoleKey,
} from "../keys/key_schema.ts";
import { type Db, fromItem, isConditionFailure, rawKey, toItem } from "../store/db.ts";
import type { PermissionName } from "./permissions.ts";
import { rejectSyntheticName, validateRolePermission } from "./role_rules.ts";
import {
  permissionOf,
  type Role,
  type RoleAssignment,
  type RoleItem,
  type RolePermission,
} from "./role_items.ts";

export type { Role, RoleAssignment, RolePermission } from "./role_items.ts";

const roleNotFound = (id: number) => notFound(`Role with id=${id} not found`);

/** Roles, their permissions and assignments on the table. */
export class RoleStore {
  constructor(private readonly db: Db) {}

  private async nextId(counter: string): Promise<number> {
    const res = await this.db.port.updateItem({
      TableName: this.db.table,
      Key: rawKey(counterKey(counter)),
      UpdateExpression: "ADD #n :one",
      ExpressionAttributeNames: { "#n": "n" },
      ExpressionAttributeValues: { ":one": { N: "1" } },
      ReturnValues: "UPDATED_NEW",
    });
    return Number(res.Attributes!.n!.N!);
  }

  /** Creates a role; `RESOURCE_ALREADY_EXISTS` when the workspace has one of that name. */
  async createRole(name: string, workspace: string, description: string | null): Promise<Role> {
    rejectSyntheticName(name);
    const id = await this.nextId("role");
    try {
      await this.db.port.transactWriteItems({
        TransactItems: [
          {
            Put: {
              TableName: this.db.table,
              Item: toItem({ ...roleNameKey(workspace, name), role_id: id }),
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Put: {
              TableName: this.db.table,
              Item: toItem({ ...roleKey(id), ...roleGsi1(id), id, name, workspace, description }),
            },
          },
        ],
      });
    } catch (e) {
      if (isConditionFailure(e)) {
        throw alreadyExists(`Role (name=${name}, workspace=${workspace}) already exists.`);
      }
      throw e;
    }
    return { id, name, workspace, description, permissions: [] };
  }

  /** The role item and its permissions, in one Query; `undefined` when absent. */
  private async readRole(id: number, consistent = true): Promise<Role | undefined> {
    const items = await queryAll(this.db.port, {
      TableName: this.db.table,
      KeyConditionExpression: "pk = :pk AND sk >= :p",
      ExpressionAttributeValues: { ":pk": { S: rolePk(id) }, ":p": { S: ROLE_PERMISSION_PREFIX } },
      ConsistentRead: consistent,
    });
    let role: Role | undefined;
    const permissions: RolePermission[] = [];
    for (const raw of items) {
      const sk = raw.sk?.S ?? "";
      if (sk === "ROLE") {
        const r = fromItem<RoleItem>(raw);
        role = {
          id: Number(r.id),
          name: r.name,
          workspace: r.workspace,
          description: r.description ?? null,
          permissions,
        };
      } else if (sk.startsWith(ROLE_PERMISSION_PREFIX)) {
        permissions.push(permissionOf(raw));
      }
    }
    permissions.sort((a, b) => a.id - b.id);
    return role;
  }

  /** The role with its permissions; `RESOURCE_DOES_NOT_EXIST` when absent. */
  async getRole(id: number): Promise<Role> {
    const role = await this.readRole(id);
    if (!role) throw roleNotFound(id);
    return role;
  }

  /** The role (eventually consistent read, for permission checks), or `undefined`. */
  findRoleForCheck(id: number): Promise<Role | undefined> {
    return this.readRole(id, false);
  }

  /** Every role (in id order), or those of the given workspaces. */
  async listRoles(workspaces?: readonly string[]): Promise<Role[]> {
    const items = await queryAll(this.db.port, {
      TableName: this.db.table,
      IndexName: "gsi1",
      KeyConditionExpression: "gsi1pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: ROLES_GSI1_PK } },
    });
    const ids = items.map((i) => Number(fromItem<RoleItem>(i).id))
      .filter((_, i) => {
        const ws = fromItem<RoleItem>(items[i]!).workspace;
        return workspaces === undefined || workspaces.includes(ws);
      });
    const roles: Role[] = [];
    for (const id of ids) {
      const role = await this.readRole(id);
      if (role) roles.push(role);
    }
    return roles;
  }

  /** Renames a role and/or changes its description. */
  async updateRole(id: number, name?: string, description?: string): Promise<Role> {
    if (name !== undefined) rejectSyntheticName(name);
    const role = await this.getRole(id);
    if (name !== undefined && name !== role.name) {
      try {
        await this.db.port.transactWriteItems({
          TransactItems: [
            {
              Put: {
                TableName: this.db.table,
                Item: toItem({ ...roleNameKey(role.workspace, name), role_id: id }),
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
            {
              Delete: {
                TableName: this.db.table,
                Key: rawKey(roleNameKey(role.workspace, role.name)),
              },
            },
            {
              Update: {
                TableName: this.db.table,
                Key: rawKey(roleKey(id)),
                UpdateExpression: "SET #n = :n",
                ConditionExpression: "attribute_exists(pk)",
                ExpressionAttributeNames: { "#n": "name" },
                ExpressionAttributeValues: { ":n": { S: name } },
              },
            },
          ],
        });
      } catch (e) {
        if (isConditionFailure(e)) {
          throw alreadyExists(
            `Role with name=${name} already exists in workspace=${role.workspace}`,
          );
        }
        throw e;
      }
      role.name = name;
    }
    if (description !== undefined) {
      await this.db.port.updateItem({
        TableName: this.db.table,
        Key: rawKey(roleKey(id)),
        UpdateExpression: "SET description = :d",
        ExpressionAttributeValues: { ":d": { S: description } },
      });
      role.description = description;
    }
    return role;
  }

  /** Deletes a role with its permissions and assignments. */
  async deleteRole(id: number): Promise<void> {
    const role = await this.getRole(id);
    const members = await this.memberItems(id);
    const deletes = [
      ...role.permissions.map((p) => rawKey(rolePermissionIdKey(p.id))),
      ...role.permissions.map((p) =>
        rawKey(rolePermissionKey(id, p.resource_type, p.resource_pattern))
      ),
      ...members.map((m) => rawKey(roleMemberKey(id, m.username))),
      ...members.map((m) => rawKey(userRoleKey(m.username, id))),
      rawKey(roleNameKey(role.workspace, role.name)),
      rawKey(roleKey(id)),
    ];
    await batchWriteAll(
      this.db.port,
      this.db.table,
      deletes.map((Key) => ({ DeleteRequest: { Key } })),
    );
  }

  /** Adds a permission to a role; `RESOURCE_ALREADY_EXISTS` for a second one on the same pattern. */
  async addPermission(
    roleId: number,
    resourceType: string,
    pattern: string,
    permission: PermissionName,
  ): Promise<RolePermission> {
    validateRolePermission(resourceType, pattern, permission);
    await this.getRole(roleId);
    const id = await this.nextId("role_permission");
    const rp: RolePermission = {
      id,
      role_id: roleId,
      resource_type: resourceType,
      resource_pattern: pattern,
      permission,
    };
    try {
      await this.db.port.transactWriteItems({
        TransactItems: [
          {
            Put: {
              TableName: this.db.table,
              Item: toItem({ ...rolePermissionKey(roleId, resourceType, pattern), ...rp }),
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Put: {
              TableName: this.db.table,
              Item: toItem({ ...rolePermissionIdKey(id), ...rp }),
            },
          },
          {
            ConditionCheck: {
              TableName: this.db.table,
              Key: rawKey(roleKey(roleId)),
              ConditionExpression: "attribute_exists(pk)",
            },
          },
        ],
      });
    } catch (e) {
      if (isConditionFailure(e)) {
        throw alreadyExists(
          `Role permission (role_id=${roleId}, resource_type=${resourceType}, ` +
            `resource_pattern=${pattern}) already exists.`,
        );
      }
      throw e;
    }
    return rp;
  }

  /** A role permission by id; `RESOURCE_DOES_NOT_EXIST` when absent. */
  async getPermission(permissionId: number): Promise<RolePermission> {
    const res = await this.db.port.getItem({
      TableName: this.db.table,
      Key: rawKey(rolePermissionIdKey(permissionId)),
      ConsistentRead: true,
    });
    if (!res.Item) throw notFound(`Role permission with id=${permissionId} not found`);
    return permissionOf(res.Item);
  }

  /** Removes a role permission. */
  async removePermission(permissionId: number): Promise<RolePermission> {
    const p = await this.getPermission(permissionId);
    await batchWriteAll(this.db.port, this.db.table, [
      {
        DeleteRequest: {
          Key: rawKey(rolePermissionKey(p.role_id, p.resource_type, p.resource_pattern)),
        },
      },
      { DeleteRequest: { Key: rawKey(rolePermissionIdKey(permissionId)) } },
    ]);
    return p;
  }

  /** Changes the level of a role permission. */
  async updatePermission(permissionId: number, permission: unknown): Promise<RolePermission> {
    const p = await this.getPermission(permissionId);
    validateRolePermission(p.resource_type, p.resource_pattern, permission);
    const next = { ...p, permission: permission as PermissionName };
    await this.db.port.transactWriteItems({
      TransactItems: [
        {
          Put: {
            TableName: this.db.table,
            Item: toItem({
              ...rolePermissionKey(p.role_id, p.resource_type, p.resource_pattern),
              ...next,
            }),
            ConditionExpression: "attribute_exists(pk)",
          },
        },
        {
          Put: {
            TableName: this.db.table,
            Item: toItem({ ...rolePermissionIdKey(p.id), ...next }),
          },
        },
      ],
    }).catch((e) => {
      if (isConditionFailure(e)) {
        throw notFound(`Role permission with id=${permissionId} not found`);
      }
      throw e;
    });
    return next;
  }

  private async memberItems(roleId: number) {
    const items = await queryAll(this.db.port, {
      TableName: this.db.table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :m)",
      ExpressionAttributeValues: { ":pk": { S: rolePk(roleId) }, ":m": { S: ROLE_MEMBER_PREFIX } },
      ConsistentRead: true,
    });
    return items.map((i) => fromItem<RoleAssignment & { username: string }>(i));
  }

  /** Assigns a role to a user (`user` already checked to exist). */
  async assign(user: { id: number; username: string }, roleId: number): Promise<RoleAssignment> {
    await this.getRole(roleId);
    const id = await this.nextId("role_assignment");
    const a: RoleAssignment = { id, user_id: user.id, role_id: roleId };
    try {
      await this.db.port.transactWriteItems({
        TransactItems: [
          {
            Put: {
              TableName: this.db.table,
              Item: toItem({
                ...roleMemberKey(roleId, user.username),
                ...a,
                username: user.username,
              }),
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Put: {
              TableName: this.db.table,
              Item: toItem({
                ...userRoleKey(user.username, roleId),
                ...a,
                username: user.username,
              }),
            },
          },
          {
            ConditionCheck: {
              TableName: this.db.table,
              Key: rawKey(roleKey(roleId)),
              ConditionExpression: "attribute_exists(pk)",
            },
          },
        ],
      });
    } catch (e) {
      if (isConditionFailure(e)) {
        throw alreadyExists(
          `User role assignment (user_id=${user.id}, role_id=${roleId}) already exists`,
        );
      }
      throw e;
    }
    return a;
  }

  /** Removes a user from a role. */
  async unassign(user: { id: number; username: string }, roleId: number): Promise<void> {
    try {
      await this.db.port.transactWriteItems({
        TransactItems: [
          {
            Delete: {
              TableName: this.db.table,
              Key: rawKey(roleMemberKey(roleId, user.username)),
              ConditionExpression: "attribute_exists(pk)",
            },
          },
          { Delete: { TableName: this.db.table, Key: rawKey(userRoleKey(user.username, roleId)) } },
        ],
      });
    } catch (e) {
      if (isConditionFailure(e)) {
        throw notFound(`User role assignment (user_id=${user.id}, role_id=${roleId}) not found`);
      }
      throw e;
    }
  }

  /** The role ids a user is assigned to (`consistent` false for permission checks). */
  async roleIdsOf(username: string, consistent = true): Promise<number[]> {
    const items = await queryAll(this.db.port, {
      TableName: this.db.table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :r)",
      ExpressionAttributeValues: {
        ":pk": { S: userPartitionPk(username) },
        ":r": { S: USER_ROLE_PREFIX },
      },
      ConsistentRead: consistent,
    });
    return items.map((i) => fromItem<{ username: string; role_id: number }>(i))
      .filter((a) => a.username === username)
      .map((a) => Number(a.role_id));
  }

  /** The roles of a user, with their permissions. */
  async rolesOf(username: string): Promise<Role[]> {
    const roles: Role[] = [];
    for (const id of await this.roleIdsOf(username)) {
      const role = await this.readRole(id);
      if (role) roles.push(role);
    }
    return roles;
  }

  /** The assignments of a role. */
  async membersOf(roleId: number): Promise<RoleAssignment[]> {
    await this.getRole(roleId);
    return (await this.memberItems(roleId))
      .map((m) => ({ id: Number(m.id), user_id: Number(m.user_id), role_id: Number(m.role_id) }))
      .sort((a, b) => a.id - b.id);
  }

  /** Removes every assignment of a user (the user is being deleted). */
  async unassignAll(username: string): Promise<void> {
    const ids = await this.roleIdsOf(username);
    await batchWriteAll(
      this.db.port,
      this.db.table,
      ids.flatMap((id) => [
        { DeleteRequest: { Key: rawKey(roleMemberKey(id, username)) } },
        { DeleteRequest: { Key: rawKey(userRoleKey(username, id)) } },
      ]),
    );
  }
}
