import assert from "node:assert/strict";
import {
  AuthConfigError,
  authConfigFrom,
  loadAuthConfig,
  parseIni,
  WELL_KNOWN_ADMIN_PASSWORD,
} from "./auth_config.ts";

const INI = `[mlflow]
default_permission = EDIT
database_uri = sqlite:///basic_auth.db
admin_username = root
# admin_password = commented-out
admin_password = from-the-ini-file
auth_cache_ttl_seconds = 5
[other]
default_permission = MANAGE
`;

Deno.test("basic_auth.ini is read as MLflow reads it; the environment wins, even when empty", () => {
  assert.deepEqual(parseIni(INI).default_permission, "EDIT");
  assert.deepEqual(authConfigFrom(INI, {}), {
    defaultPermission: "EDIT",
    adminUsername: "root",
    adminPassword: "from-the-ini-file",
    cacheTtlSeconds: 5,
  });
  const env = authConfigFrom(INI, {
    MLFLOW_AUTH_ADMIN_USERNAME: "boss",
    MLFLOW_AUTH_ADMIN_PASSWORD: "from-the-environment",
  });
  assert.equal(env.adminUsername, "boss");
  assert.equal(env.adminPassword, "from-the-environment");
  assert.equal(authConfigFrom(INI, { MLFLOW_AUTH_ADMIN_PASSWORD: "" }).adminPassword, undefined);
  const defaults = authConfigFrom(undefined, {});
  assert.deepEqual(defaults, {
    defaultPermission: "READ",
    adminUsername: "admin",
    adminPassword: undefined,
    cacheTtlSeconds: 10,
  });
});

Deno.test("MLflow's well-known default admin password is refused unless explicitly allowed", () => {
  const env = { MLFLOW_AUTH_ADMIN_PASSWORD: WELL_KNOWN_ADMIN_PASSWORD };
  assert.throws(() => authConfigFrom(undefined, env), (e: Error) => {
    assert.ok(e instanceof AuthConfigError);
    assert.match(e.message, /well-known default/);
    assert.match(e.message, /MLFLOW_AUTH_ALLOW_DEFAULT_ADMIN_PASSWORD/);
    return true;
  });
  const allowed = authConfigFrom(undefined, {
    ...env,
    MLFLOW_AUTH_ALLOW_DEFAULT_ADMIN_PASSWORD: "true",
  });
  assert.equal(allowed.adminPassword, WELL_KNOWN_ADMIN_PASSWORD);
});

Deno.test("a bad auth configuration is refused with the reason", async () => {
  assert.throws(() => authConfigFrom("[mlflow]\ndefault_permission = ALL\n", {}), /ALL/);
  assert.throws(() => authConfigFrom("[mlflow]\nauth_cache_ttl_seconds = -1\n", {}), /ttl/);
  assert.throws(() => authConfigFrom(undefined, { MLFLOW_AUTH_ADMIN_USERNAME: "" }), /empty/);
  await assert.rejects(
    () => loadAuthConfig({ MLFLOW_AUTH_CONFIG_PATH: "/nonexistent/basic_auth.ini" }),
    AuthConfigError,
  );
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.ini`, INI);
    const c = await loadAuthConfig({ MLFLOW_AUTH_CONFIG_PATH: `${dir}/a.ini` });
    assert.equal(c.defaultPermission, "EDIT");
    assert.equal((await loadAuthConfig({})).defaultPermission, "READ");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("grant_default_workspace_access is read from the ini (off unless set)", () => {
  assert.equal(authConfigFrom(undefined, {}).grantDefaultWorkspaceAccess, undefined);
  const on = authConfigFrom("[mlflow]\ngrant_default_workspace_access = true\n", {});
  assert.equal(on.grantDefaultWorkspaceAccess, true);
});
