/**
 * Basic-auth for the app (`--app-name basic-auth`): the guard in front of every route, the auth
 * REST API, and the admin created at first start. `src/app.ts` calls {@link installAuth} when
 * `AppDeps.auth` is set; without it nothing changes.
 *
 * @module
 */
import type { Hono } from "hono";
import { type AuthConfig, AuthConfigError } from "../../auth/auth_config.ts";
import { normalizePath, patternRegex } from "../../auth/route_permissions.ts";
import { UserStore } from "../../auth/user_store.ts";
import { RoleStore } from "../../auth/role_store.ts";
import type { Stores } from "../../store/stores.ts";
import { MlflowError } from "../../errors.ts";
import { Access } from "./access.ts";
import { Locator } from "./locate.ts";
import { authGuard } from "./middleware.ts";
import { mountAuthApi } from "./auth_api.ts";
import { mountRoleApi } from "./role_api.ts";
import { DEFAULT_WORKSPACE } from "../../util/workspace_context.ts";

/** What the auth layer needs: its configuration (the users live in the stores' table). */
export interface AuthSetup {
  config: AuthConfig;
}

/** The installed auth layer. */
export interface InstalledAuth {
  access: Access;
  /** Call once every route is mounted: the guard then knows which paths the app serves. */
  routesMounted(app: Hono): void;
}

/** Installs the guard on `root` and the auth API on `app`. */
export function installAuth(
  root: Hono,
  app: Hono,
  setup: AuthSetup,
  stores: Stores,
  staticPrefix: string,
): InstalledAuth {
  const access = new Access(new UserStore(stores.db), setup.config, new RoleStore(stores.db));
  let served: { method: string; regex: RegExp }[] = [];
  root.use(
    "*",
    authGuard({
      access,
      locator: new Locator(stores, setup.config.cacheTtlSeconds * 1000),
      staticPrefix,
      refetch: (path, init) => Promise.resolve(app.request(path, init)),
      served: (method, path) =>
        served.some((r) =>
          (r.method === method || (method === "HEAD" && r.method === "GET")) && r.regex.test(path)
        ),
    }),
  );
  mountAuthApi(app, access, async (id) => {
    const e = await stores.experiments.findInAnyWorkspace(id, false);
    return e ? e.workspace ?? DEFAULT_WORKSPACE : undefined;
  });
  mountRoleApi(app, access);
  return {
    access,
    routesMounted(mounted) {
      served = mounted.routes
        .filter((r) => !(r.method === "ALL" && r.path.endsWith("*")))
        .map((r) => ({ method: r.method, regex: patternRegex(normalizePath(r.path)) }));
    },
  };
}

/**
 * Creates the admin user at first start when absent (MLflow's bootstrap). Refuses to start
 * without an admin password, and says why.
 */
export async function ensureAdmin(stores: Stores, config: AuthConfig): Promise<void> {
  const users = new UserStore(stores.db);
  if (await users.findUser(config.adminUsername)) return;
  if (!config.adminPassword) {
    throw new AuthConfigError(
      `the admin user '${config.adminUsername}' does not exist yet and no admin password is ` +
        `set: set MLFLOW_AUTH_ADMIN_PASSWORD (or admin_password in MLFLOW_AUTH_CONFIG_PATH) ` +
        `for the first start. MLflow ships no default admin password.`,
    );
  }
  try {
    await users.createUser(config.adminUsername, config.adminPassword, true);
  } catch (e) {
    if (e instanceof MlflowError && e.code === "INVALID_PARAMETER_VALUE") {
      throw new AuthConfigError(`admin password refused: ${e.message}`);
    }
    if (e instanceof MlflowError && e.code === "RESOURCE_ALREADY_EXISTS") return;
    throw e;
  }
}
