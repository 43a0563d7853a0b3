/**
 * Users and grants of the basic-auth app on every backend: the admin bootstrap (and its refusals),
 * MLflow's errors for duplicates and missing users, an imported MLflow password hash, a user's
 * deletion taking their grants, and grants found by resource.
 */
import assert from "node:assert/strict";
import { retryingPort } from "../../src/dynamo/retry.ts";
import { MlflowError } from "../../src/errors.ts";
import { AuthConfigError, authConfigFrom } from "../../src/auth/auth_config.ts";
import { UserStore } from "../../src/auth/user_store.ts";
import { ensureAdmin } from "../../src/http/auth/mod.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import { type TestBackend, testBackends } from "../support/backends.ts";

async function withStores(backend: TestBackend, fn: (s: Stores) => Promise<void>): Promise<void> {
  const { port, tableName, cleanup } = await backend.makePort();
  try {
    await fn(
      await createStores({ port: retryingPort(port), table: tableName }, "mlflow-artifacts:/"),
    );
  } finally {
    await cleanup();
  }
}

const code = (e: unknown) => (e as MlflowError).code;

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] the admin is created at first start, once; no password refuses`, async () => {
    await withStores(backend, async (s) => {
      const users = new UserStore(s.db);
      await assert.rejects(() => ensureAdmin(s, authConfigFrom(undefined, {})), AuthConfigError);
      await assert.rejects(
        () => ensureAdmin(s, authConfigFrom(undefined, { MLFLOW_AUTH_ADMIN_PASSWORD: "short" })),
        /at least 12 characters/,
      );
      const config = authConfigFrom(undefined, { MLFLOW_AUTH_ADMIN_PASSWORD: "admin-password-1" });
      await ensureAdmin(s, config);
      await ensureAdmin(s, authConfigFrom(undefined, {})); // exists: no password needed
      const admin = await users.getUser("admin");
      assert.equal(admin.is_admin, true);
      assert.ok(await users.authenticate("admin", "admin-password-1"));
      assert.equal(await users.authenticate("admin", "wrong-password-1"), undefined);
    });
  });

  Deno.test(`[${backend.name}] users and grants: errors as MLflow, import, delete takes grants`, async () => {
    await withStores(backend, async (s) => {
      const users = new UserStore(s.db);
      const a = await users.createUser("ann", "ann-password-12");
      const b = await users.createUser("ben", "ben-password-12");
      assert.notEqual(a.id, b.id);
      await assert.rejects(
        () => users.createUser("ann", "ann-password-12"),
        (e) => code(e) === "RESOURCE_ALREADY_EXISTS",
      );
      await assert.rejects(
        () => users.createUser("", "ann-password-12"),
        /Username cannot be empty/,
      );
      await assert.rejects(
        () => users.getUser("nobody"),
        (e) => code(e) === "RESOURCE_DOES_NOT_EXIST",
      );
      await assert.rejects(
        () => users.updateAdmin("nobody", true),
        (e) => code(e) === "RESOURCE_DOES_NOT_EXIST",
      );
      // A user exported from MLflow's auth database (werkzeug pbkdf2 hash) logs in.
      await users.importUser(
        "old",
        "pbkdf2:sha256:1000$GNQuW2NyIuo4fRFs$95fb007568d8561f45200c862f6cd4f678894927f8281ba07f8824d777edf4a5",
        false,
      );
      assert.ok(await users.authenticate("old", "correct horse battery"));
      await users.grant("ann", "experiment", "1", "READ");
      await users.grant("ann", "registered_model", "m", "EDIT");
      await users.grant("ben", "registered_model", "m", "MANAGE");
      await assert.rejects(
        () => users.grant("ann", "experiment", "1", "EDIT"),
        (e) => code(e) === "RESOURCE_ALREADY_EXISTS",
      );
      assert.equal(await users.grantOn("ann", "experiment", "1"), "READ");
      assert.deepEqual(
        (await users.grantsOn("registered_model", "m")).map((g) => g.username).sort(),
        ["ann", "ben"],
      );
      await users.moveGrants("registered_model", "m", "m2");
      assert.equal(await users.grantOn("ben", "registered_model", "m2"), "MANAGE");
      assert.equal(await users.grantOn("ben", "registered_model", "m"), undefined);
      await users.deleteUser("ann");
      assert.equal(await users.findUser("ann"), undefined);
      assert.deepEqual(await users.grantsOf("ann"), []);
      assert.deepEqual(
        (await users.grantsOn("registered_model", "m2")).map((g) => g.username),
        ["ben"],
      );
      await users.deleteGrants("registered_model", "m2");
      assert.deepEqual(await users.grantsOn("registered_model", "m2"), []);
      await assert.rejects(
        () => users.revoke("ben", "experiment", "1"),
        (e) => code(e) === "RESOURCE_DOES_NOT_EXIST",
      );
      assert.deepEqual((await users.listUsers()).map((u) => u.username), ["ben", "old"]);
    });
  });
}
