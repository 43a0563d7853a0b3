/**
 * Who the caller is and what they may do, with the DynamoDB reads behind both cached for a short
 * TTL (`auth_cache_ttl_seconds`, default 10 s): a verified password (keyed by an HMAC of it under
 * a per-process key, never the password itself), a user's admin flag, each grant, a user's roles
 * and each role's permissions. Mutations made through this process drop their entries at once;
 * other replicas see them within the TTL.
 *
 * A user's level on a resource folds the direct grant with the grants of every role the user
 * holds in the workspace, as MLflow 3.17.2 resolves them (a direct grant is MLflow's per-user
 * synthetic role): a workspace-wide MANAGE makes the user MANAGE everywhere in it; a DENY on the
 * resource (its id or `*`) vetoes; else the highest level, never below `default_permission`.
 *
 * @module
 */
import { createHmac, randomBytes } from "node:crypto";
import type { AuthConfig } from "../../auth/auth_config.ts";
import {
  allows,
  foldGrants,
  maxPermission,
  type Need,
  type PermissionName,
  type ResourceType,
} from "../../auth/permissions.ts";
import type { User, UserStore } from "../../auth/user_store.ts";
import type { RolePermission, RoleStore } from "../../auth/role_store.ts";
import { TtlCache } from "../../util/ttl_cache.ts";
import { currentWorkspace, workspacesActive } from "../../util/workspace_context.ts";
import { resolveInWorkspace } from "../../auth/workspace_permissions.ts";

/** Counts of the DynamoDB-backed lookups, for the cost measurement. */
export interface AccessStats {
  credentialChecks: number;
  grantReads: number;
  /** Reads of a user's role assignments and of a role's permissions. */
  roleReads: number;
}

/**
 * The workspace whose roles apply without `--enable-workspaces`: every resource lives in MLflow's
 * `default` workspace (roles of other workspaces do not apply). With workspaces on, the roles of
 * the request's workspace apply ({@link roleWorkspace}).
 */
export const ROLE_WORKSPACE = "default";

/** The workspace whose roles apply to this request. */
export function roleWorkspace(): string {
  return workspacesActive() ? currentWorkspace() : ROLE_WORKSPACE;
}

type RoleRow = Pick<RolePermission, "resource_type" | "resource_pattern" | "permission">;

/** Authentication and permission lookups for one server process. */
export class Access {
  private readonly key = randomBytes(32);
  private readonly logins: TtlCache<User>;
  private readonly grants: TtlCache<PermissionName | null>;
  private readonly userRoles: TtlCache<number[]>;
  private readonly roleRows: TtlCache<{ workspace: string; rows: RoleRow[] } | null>;
  readonly stats: AccessStats = { credentialChecks: 0, grantReads: 0, roleReads: 0 };

  constructor(readonly users: UserStore, readonly config: AuthConfig, readonly roles: RoleStore) {
    const ttl = config.cacheTtlSeconds * 1000;
    this.logins = new TtlCache(ttl);
    this.grants = new TtlCache(ttl);
    this.userRoles = new TtlCache(ttl);
    this.roleRows = new TtlCache(ttl);
  }

  /** The role grants a user holds in the request's workspace ({@link roleWorkspace}), cached. */
  async roleGrantsOf(username: string): Promise<RoleRow[]> {
    const ids = await this.userRoles.getOr(username, () => {
      this.stats.roleReads++;
      return this.roles.roleIdsOf(username, false);
    });
    const out: RoleRow[] = [];
    for (const id of ids) {
      const role = await this.roleRows.getOr(String(id), async () => {
        this.stats.roleReads++;
        const r = await this.roles.findRoleForCheck(id);
        return r ? { workspace: r.workspace, rows: r.permissions } : null;
      });
      if (role && role.workspace === roleWorkspace()) out.push(...role.rows);
    }
    return out;
  }

  /** The user whose Basic credentials these are, or `undefined`. */
  async authenticate(username: string, password: string): Promise<User | undefined> {
    const key = `${username}\u0000${createHmac("sha256", this.key).update(password).digest("hex")}`;
    const hit = this.logins.get(key);
    if (hit) return hit;
    this.stats.credentialChecks++;
    const user = await this.users.authenticate(username, password);
    if (user) this.logins.set(key, user);
    return user;
  }

  /**
   * The caller's effective level on a resource: admin → MANAGE, else the direct grant and the
   * role grants folded as MLflow 3.17.2 does (see the module header); with workspaces on, then
   * resolved in the request's workspace as `src/auth/workspace_permissions.ts` does.
   */
  async permission(user: User, type: ResourceType, id: string): Promise<PermissionName> {
    if (user.is_admin) return "MANAGE";
    const [granted, roleRows] = await Promise.all([
      this.grantOf(user.username, type, id),
      this.roleGrantsOf(user.username),
    ]);
    const matching: PermissionName[] = granted ? [granted] : [];
    for (const r of roleRows) {
      if (r.resource_type === "workspace" && r.permission === "MANAGE") return "MANAGE";
      if (r.resource_type === type && (r.resource_pattern === "*" || r.resource_pattern === id)) {
        matching.push(r.permission);
      }
    }
    const folded = foldGrants(matching, this.config.defaultPermission);
    if (!workspacesActive()) return folded;
    const workspace = await this.workspaceGrant(user);
    return resolveInWorkspace(
      this.config,
      currentWorkspace(),
      matching.length > 0 ? folded : undefined,
      workspace,
    );
  }

  /**
   * The caller's workspace-wide level in the request's workspace, if any: a direct grant, or a
   * `workspace` permission of one of their roles there (MLflow 3.17.2 hands workspace access out
   * through roles: `USE` makes a member, `MANAGE` a workspace admin); the highest wins.
   */
  async workspaceGrant(user: User): Promise<PermissionName | undefined> {
    const [direct, rows] = await Promise.all([
      this.grantOf(user.username, "workspace", "*"),
      this.roleGrantsOf(user.username),
    ]);
    const levels = rows.filter((r) => r.resource_type === "workspace").map((r) => r.permission);
    if (direct) levels.push(direct);
    return levels.length === 0 ? undefined : levels.reduce(maxPermission);
  }

  // Cached per workspace too: registered-model and workspace grants are kept per workspace.
  private async grantOf(
    username: string,
    type: string,
    id: string,
  ): Promise<PermissionName | undefined> {
    const granted = await this.grants.getOr(
      `${username}\u0000${currentWorkspace()}\u0000${type}\u0000${id}`,
      async () => {
        this.stats.grantReads++;
        return (await this.users.grantOn(username, type, id)) ?? null;
      },
    );
    return granted ?? undefined;
  }

  /** True when the caller holds `need` on the resource. */
  async can(user: User, type: ResourceType, id: string, need: Need): Promise<boolean> {
    return allows(await this.permission(user, type, id), need);
  }

  /** Forgets what this process cached about a user (password, admin flag, deletion, grants). */
  forgetUser(username: string): void {
    this.logins.deletePrefix(`${username}\u0000`);
    this.grants.deletePrefix(`${username}\u0000`);
    this.userRoles.deletePrefix(username);
  }

  /** Forgets every cached role assignment and role permission (a role changed). */
  forgetRoles(): void {
    this.userRoles.deletePrefix("");
    this.roleRows.deletePrefix("");
  }

  /** Forgets the cached grants of one user (a grant was added or removed), not the login. */
  forgetGrantsOf(username: string): void {
    this.grants.deletePrefix(`${username}\u0000`);
  }

  /** Forgets every cached grant (a resource's grants were moved or removed). */
  forgetGrants(): void {
    this.grants.deletePrefix("");
  }
}
