/**
 * The basic-auth configuration, read as MLflow reads `basic_auth.ini`: an INI file named by
 * `MLFLOW_AUTH_CONFIG_PATH` (section `[mlflow]`: `default_permission`, `admin_username`,
 * `admin_password`, `auth_cache_ttl_seconds`), with `MLFLOW_AUTH_ADMIN_USERNAME` /
 * `MLFLOW_AUTH_ADMIN_PASSWORD` taking precedence when set (even empty, as MLflow does).
 *
 * MLflow before 3.x shipped `admin_password = password1234` and servers were left running with
 * it (an authentication bypass in practice). We refuse that password unless
 * `MLFLOW_AUTH_ALLOW_DEFAULT_ADMIN_PASSWORD=true` says it is wanted (a throwaway local server),
 * and we refuse to bootstrap without any admin password, as MLflow 3.17 does.
 *
 * @module
 */
import { isPermission, type PermissionName } from "./permissions.ts";

/** The password MLflow's old `basic_auth.ini` shipped with. */
export const WELL_KNOWN_ADMIN_PASSWORD = "password1234";

/** Validated auth settings. */
export interface AuthConfig {
  defaultPermission: PermissionName;
  adminUsername: string;
  /** Only needed to create the admin at first start; `undefined` once given nowhere. */
  adminPassword: string | undefined;
  /** Seconds a user or grant lookup is cached in this process (default 10). */
  cacheTtlSeconds: number;
  /**
   * `grant_default_workspace_access` (`--enable-workspaces`): users without a workspace grant
   * still use the default workspace with `default_permission` (MLflow's default: false).
   */
  grantDefaultWorkspaceAccess?: boolean;
}

/** A configuration the server must not start with; `main.ts` prints it and exits 1. */
export class AuthConfigError extends Error {
  override name = "AuthConfigError";
}

/** Parses the `[mlflow]` section of an INI text (`key = value`, `#`/`;` comments). */
export function parseIni(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let section = "";
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      continue;
    }
    const eq = line.search(/[=:]/);
    if (section !== "mlflow" || eq < 0) continue;
    out[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return out;
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());
}

/**
 * Builds the auth configuration from the INI text (`undefined`: MLflow's shipped defaults) and
 * the environment. Throws {@link AuthConfigError} for a configuration we refuse.
 */
export function authConfigFrom(
  iniText: string | undefined,
  env: Record<string, string | undefined>,
): AuthConfig {
  const ini = iniText === undefined ? {} : parseIni(iniText);
  const defaultPermission = ini.default_permission ?? "READ";
  if (!isPermission(defaultPermission) || defaultPermission === "DENY") {
    throw new AuthConfigError(
      `default_permission '${defaultPermission}' is not one of NO_PERMISSIONS, READ, USE, EDIT, MANAGE`,
    );
  }
  const adminUsername =
    (env.MLFLOW_AUTH_ADMIN_USERNAME !== undefined
      ? env.MLFLOW_AUTH_ADMIN_USERNAME
      : ini.admin_username ?? "admin") || undefined;
  if (!adminUsername) {
    throw new AuthConfigError("admin_username is empty (MLFLOW_AUTH_ADMIN_USERNAME or the ini)");
  }
  const adminPassword =
    (env.MLFLOW_AUTH_ADMIN_PASSWORD !== undefined
      ? env.MLFLOW_AUTH_ADMIN_PASSWORD
      : ini.admin_password) || undefined;
  if (
    adminPassword === WELL_KNOWN_ADMIN_PASSWORD &&
    !truthy(env.MLFLOW_AUTH_ALLOW_DEFAULT_ADMIN_PASSWORD)
  ) {
    throw new AuthConfigError(
      `admin_password is MLflow's well-known default '${WELL_KNOWN_ADMIN_PASSWORD}': anyone who ` +
        `knows MLflow can log in as admin. Set another one (MLFLOW_AUTH_ADMIN_PASSWORD or ` +
        `admin_password in MLFLOW_AUTH_CONFIG_PATH), or MLFLOW_AUTH_ALLOW_DEFAULT_ADMIN_PASSWORD=true ` +
        `for a throwaway local server.`,
    );
  }
  const ttl = Number(ini.auth_cache_ttl_seconds ?? "10");
  if (!Number.isFinite(ttl) || ttl < 0 || ttl > 3600) {
    throw new AuthConfigError(`auth_cache_ttl_seconds must be between 0 and 3600`);
  }
  return {
    defaultPermission,
    adminUsername,
    adminPassword,
    cacheTtlSeconds: ttl,
    ...(truthy(ini.grant_default_workspace_access) ? { grantDefaultWorkspaceAccess: true } : {}),
  };
}

/** Reads the configuration named by `MLFLOW_AUTH_CONFIG_PATH` (none → MLflow's defaults). */
export async function loadAuthConfig(env: Record<string, string | undefined>): Promise<AuthConfig> {
  const path = env.MLFLOW_AUTH_CONFIG_PATH;
  let text: string | undefined;
  if (path) {
    try {
      text = await Deno.readTextFile(path);
    } catch (e) {
      throw new AuthConfigError(
        `cannot read MLFLOW_AUTH_CONFIG_PATH ${path}: ${(e as Error).message}`,
      );
    }
  }
  return authConfigFrom(text, env);
}
