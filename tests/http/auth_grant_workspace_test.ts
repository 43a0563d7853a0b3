/**
 * The workspace of a direct grant, with workspaces and basic-auth on, as MLflow 3.17.2 reports
 * it in `users/current/permissions` and `users/permissions/list`: the workspace the grant was
 * made in (MLflow writes it into the user's synthetic role of the active workspace), for
 * experiments and scorers too. Grants stored before the workspace was recorded read theirs from
 * the experiment (experiments, scorers) or from their key (registered models, prompts).
 */
import assert from "node:assert/strict";
import { grantKey } from "../../src/keys/key_schema.ts";
import { rawKey } from "../../src/store/db.ts";
import { ADMIN, authApp } from "./auth_app.ts";

const BOB = { username: "bob", password: "bob-password-123" };
type Row = { workspace: string; resource_type: string; resource_pattern: string };

Deno.test("grant listings report the workspace a direct grant was made in", async () => {
  const s = await authApp({ args: ["--enable-workspaces"] });
  try {
    await s.users.createUser(BOB.username, BOB.password);
    const inA = { "x-mlflow-workspace": "team-a" };
    assert.equal(
      (await s.call(ADMIN, "POST", "/api/3.0/mlflow/workspaces", { name: "team-a" })).status,
      201,
    );
    const exp = async (name: string, headers: Record<string, string>) => {
      const r = await s.call(
        ADMIN,
        "POST",
        "/api/2.0/mlflow/experiments/create",
        { name },
        headers,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return (r.body as { experiment_id: string }).experiment_id;
    };
    const EA = await exp("in-a", inA);
    const EOld = await exp("old-in-a", inA);
    const ED = await exp("in-default", {});
    assert.equal(
      (await s.call(ADMIN, "POST", "/api/2.0/mlflow/registered-models/create", { name: "m" }, inA))
        .status,
      200,
    );
    const prompt = await s.call(ADMIN, "POST", "/api/2.0/mlflow/registered-models/create", {
      name: "p",
      tags: [{ key: "mlflow.prompt.is_prompt", value: "true" }],
    }, inA);
    assert.equal(prompt.status, 200, JSON.stringify(prompt.body));
    const grant = async (type: string, id: string, headers: Record<string, string>) => {
      const r = await s.call(ADMIN, "POST", "/api/3.0/mlflow/users/permissions/grant", {
        username: "bob",
        resource_type: type,
        resource_id: id,
        permission: "READ",
      }, headers);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    };
    await grant("experiment", EA, inA);
    await grant("experiment", EOld, inA);
    await grant("scorer", `${EA}/judge`, inA);
    await grant("experiment", ED, {});
    await grant("registered_model", "m", inA);
    await grant("prompt", "p", inA);
    // Grants stored before grants recorded their workspace.
    for (
      const key of [grantKey("bob", "experiment", EOld), grantKey("bob", "prompt", "p", "team-a")]
    ) {
      await s.stores.db.port.updateItem({
        TableName: s.stores.db.table,
        Key: rawKey(key),
        UpdateExpression: "REMOVE #w",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: { "#w": "workspace" },
      });
    }

    const rows = async (path: string, who = BOB) => {
      const r = await s.call(who, "GET", path);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return Object.fromEntries(
        (r.body as { permissions: Row[] }).permissions
          .map((p) => [`${p.resource_type}:${p.resource_pattern}`, p.workspace]),
      );
    };
    const want = {
      [`experiment:${EA}`]: "team-a",
      [`experiment:${EOld}`]: "team-a",
      [`scorer:${EA}/judge`]: "team-a",
      [`experiment:${ED}`]: "default",
      "registered_model:m": "team-a",
      "prompt:p": "team-a",
    };
    assert.deepEqual(await rows("/api/3.0/mlflow/users/current/permissions"), want);
    assert.deepEqual(await rows("/ajax-api/3.0/mlflow/users/current/permissions"), want);
    assert.deepEqual(
      await rows("/api/3.0/mlflow/users/permissions/list?username=bob", ADMIN),
      want,
    );
  } finally {
    await s.close();
  }
});
