import assert from "node:assert/strict";
import { allows, isPermission, PERMISSIONS, validateGrant } from "./permissions.ts";

Deno.test("levels are ordered NO_PERMISSIONS < READ < USE < EDIT < MANAGE", () => {
  assert.deepEqual(PERMISSIONS, ["NO_PERMISSIONS", "READ", "USE", "EDIT", "MANAGE"]);
  assert.equal(allows("READ", "READ"), true);
  assert.equal(allows("READ", "EDIT"), false);
  assert.equal(allows("EDIT", "USE"), true);
  assert.equal(allows("EDIT", "MANAGE"), false);
  assert.equal(allows("MANAGE", "MANAGE"), true);
  assert.equal(allows("NO_PERMISSIONS", "READ"), false);
  assert.equal(isPermission("ADMIN"), false);
  assert.equal(isPermission("toString"), false);
});

Deno.test("grants are validated with MLflow's messages", () => {
  validateGrant("experiment", "READ");
  assert.throws(() => validateGrant("planet", "READ"), /Invalid resource type 'planet'/);
  assert.throws(() => validateGrant("experiment", "ALL"), /Invalid permission 'ALL'/);
  assert.throws(
    () => validateGrant("registered_model", "NO_PERMISSIONS"),
    /Resource-level grants accept only/,
  );
});
