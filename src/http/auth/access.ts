/**
 * Who the caller is and what they may do, with the DynamoDB reads behind both cached for a short
 * TTL (`auth_cache_ttl_seconds`, default 10 s): a verified password (keyed by an HMAC of it under
 * a per-process key, never the password itself), a user's admin flag, and each grant. Mutations
 * made through this process drop their entries at once; other replicas see them within the TTL.
 *
 * @module
 */
import { createHmac, randomBytes } from "node:crypto";
import type { AuthConfig } from "../../auth/auth_config.ts";
import {
  allows,
  type Need,
  type PermissionName,
  type ResourceType,
} from "../../auth/permissions.ts";
import type { User, UserStore } from "../../auth/user_store.ts";
import { TtlCache } from "../../util/ttl_cache.ts";
import { currentWorkspace, workspacesActive } from "../../util/workspace_context.ts";
import { resolveInWorkspace } from "../../auth/workspace_permissions.ts";

/** Counts of the DynamoDB-backed lookups, for the cost measurement. */
export interface AccessStats {
  credentialChecks: number;
  grantReads: number;
}

/** Authentication and permission lookups for one server process. */
export class Access {
  private readonly key = randomBytes(32);
  private readonly logins: TtlCache<User>;
  private readonly grants: TtlCache<PermissionName | null>;
  readonly stats: AccessStats = { credentialChecks: 0, grantReads: 0 };

  constructor(readonly users: UserStore, readonly config: AuthConfig) {
    const ttl = config.cacheTtlSeconds * 1000;
    this.logins = new TtlCache(ttl);
    this.grants = new TtlCache(ttl);
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
   * The caller's effective level on a resource: admin → MANAGE, a grant, else the default; with
   * workspaces on, as `src/auth/workspace_permissions.ts` resolves it in the request's workspace.
   */
  async permission(user: User, type: ResourceType, id: string): Promise<PermissionName> {
    if (user.is_admin) return "MANAGE";
    const granted = await this.grantOf(user.username, type, id);
    if (!workspacesActive()) return granted ?? this.config.defaultPermission;
    const workspace = await this.workspaceGrant(user);
    return resolveInWorkspace(this.config, currentWorkspace(), granted, workspace);
  }

  /** The caller's workspace-wide grant in the request's workspace, if any. */
  workspaceGrant(user: User): Promise<PermissionName | undefined> {
    return this.grantOf(user.username, "workspace", "*");
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
