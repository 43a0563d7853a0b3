/**
 * Prompt and per-scorer grants as MLflow 3.17.2 enforces them: a prompt (a registered model with
 * the stored `mlflow.prompt.is_prompt` tag) is checked on `prompt` grants, never on
 * `registered_model` ones of the same name; a prompt's creator manages it; searches keep only
 * readable prompts. A registered scorer is checked on its own `scorer` grant
 * (`<experiment_id>/<name>`), its registrant manages it, a DENY on it blocks registering, and the
 * scorer list keeps only readable rows.
 */
import assert from "node:assert/strict";
import { ADMIN, type AuthApp, authApp } from "./auth_app.ts";

const BOB = { username: "bob", password: "bob-password-123" };
const NO_DEFAULT = "[mlflow]\ndefault_permission = NO_PERMISSIONS\nauth_cache_ttl_seconds = 60\n";
const PROMPT_TAG = [{ key: "mlflow.prompt.is_prompt", value: "true" }];
type Json = Record<string, unknown>;

async function grant(s: AuthApp, type: string, id: string, permission: string) {
  const r = await s.call(ADMIN, "POST", "/api/3.0/mlflow/users/permissions/grant", {
    username: BOB.username,
    resource_type: type,
    resource_id: id,
    permission,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

Deno.test("prompts are checked on prompt grants; the creator manages; search keeps readable ones", async () => {
  const s = await authApp({ ini: NO_DEFAULT });
  try {
    await s.users.createUser(BOB.username, BOB.password);
    const create = (who: typeof ADMIN, name: string, tags: unknown[] = PROMPT_TAG) =>
      s.call(who, "POST", "/api/2.0/mlflow/registered-models/create", { name, tags });
    assert.equal((await create(ADMIN, "p1")).status, 200);
    assert.equal((await create(ADMIN, "p-hidden")).status, 200);
    assert.equal((await create(ADMIN, "m1", [])).status, 200);
    const get = (name: string) =>
      s.call(BOB, "GET", `/api/2.0/mlflow/registered-models/get?name=${name}`);
    // A registered_model grant of the same name does not open a prompt ...
    await grant(s, "registered_model", "p1", "READ");
    assert.equal((await get("p1")).status, 403);
    // ... a prompt grant does, and only to its level.
    await grant(s, "prompt", "p1", "READ");
    assert.equal((await get("p1")).status, 200);
    const update = await s.call(BOB, "PATCH", "/api/2.0/mlflow/registered-models/update", {
      name: "p1",
      description: "x",
    });
    assert.equal(update.status, 403);
    // A prompt grant does not open a registered model either.
    await grant(s, "prompt", "m1", "READ");
    assert.equal((await get("m1")).status, 403);
    // Bob's own prompt: he manages it (the grant is a prompt grant).
    assert.equal((await create(BOB, "p-bob")).status, 200);
    const mine = await s.call(
      ADMIN,
      "GET",
      "/api/3.0/mlflow/users/permissions/get?username=bob&resource_type=prompt&resource_id=p-bob",
    );
    assert.equal((mine.body as Json).permission, "MANAGE");
    // Search: only the readable prompts, in full pages.
    const search = await s.call(
      BOB,
      "GET",
      "/api/2.0/mlflow/registered-models/search?filter=" +
        encodeURIComponent("tags.`mlflow.prompt.is_prompt` = 'true'") + "&max_results=1",
    );
    assert.equal(search.status, 200);
    const first = search.body as { registered_models: Json[]; next_page_token?: string };
    assert.deepEqual(first.registered_models.map((m) => m.name), ["p-bob"]);
    const next = await s.call(
      BOB,
      "GET",
      "/api/2.0/mlflow/registered-models/search?filter=" +
        encodeURIComponent("tags.`mlflow.prompt.is_prompt` = 'true'") +
        `&max_results=1&page_token=${first.next_page_token}`,
    );
    assert.deepEqual(
      (next.body as { registered_models: Json[] }).registered_models.map((m) => m.name),
      ["p1"],
    );
    // A prompt's versions follow the prompt, whatever tags a version carries.
    const v = await s.call(ADMIN, "POST", "/api/2.0/mlflow/model-versions/create", {
      name: "p-hidden",
      source: "s3://bucket/prompt",
    });
    assert.equal(v.status, 200, JSON.stringify(v.body));
    await grant(s, "registered_model", "p-hidden", "READ");
    const versions = async () => {
      const r = await s.call(
        BOB,
        "GET",
        "/api/2.0/mlflow/model-versions/search?filter=name%3D'p-hidden'",
      );
      assert.equal(r.status, 200);
      return ((r.body as { model_versions?: Json[] }).model_versions ?? []).length;
    };
    assert.equal(await versions(), 0);
    await grant(s, "prompt", "p-hidden", "READ");
    assert.equal(await versions(), 1);
    // Deleting the prompt removes its prompt grants.
    const del = await s.call(BOB, "DELETE", "/api/2.0/mlflow/registered-models/delete", {
      name: "p-bob",
    });
    assert.equal(del.status, 200);
    const after = await s.call(
      ADMIN,
      "GET",
      "/api/3.0/mlflow/users/permissions/get?username=bob&resource_type=prompt&resource_id=p-bob",
    );
    assert.equal((after.body as Json).permission, "NO_PERMISSIONS");
  } finally {
    await s.close();
  }
});

Deno.test("scorers are checked on their own grants; the registrant manages; DENY blocks; lists are filtered", async () => {
  const s = await authApp({ ini: NO_DEFAULT });
  try {
    await s.users.createUser(BOB.username, BOB.password);
    const e = await s.call(ADMIN, "POST", "/api/2.0/mlflow/experiments/create", { name: "sc" });
    const E = (e.body as { experiment_id: string }).experiment_id;
    const serialized = JSON.stringify({
      name: "safety",
      aggregations: [],
      mlflow_version: "3.17.2",
      serialization_version: 1,
      builtin_scorer_class: "Safety",
      builtin_scorer_pydantic_data: { name: "safety", required_columns: ["outputs"] },
    });
    const register = (who: typeof ADMIN, name: string) =>
      s.call(who, "POST", "/api/3.0/mlflow/scorers/register", {
        experiment_id: E,
        name,
        serialized_scorer: serialized,
      });
    assert.equal((await register(ADMIN, "s 1/x")).status, 200);
    await grant(s, "experiment", E, "EDIT");
    const get = (name: string) =>
      s.call(
        BOB,
        "GET",
        `/api/3.0/mlflow/scorers/get?experiment_id=${E}&name=${encodeURIComponent(name)}`,
      );
    // EDIT on the experiment is not a grant on its scorers (MLflow 3.17.2).
    assert.equal((await get("s 1/x")).status, 403);
    // The grant key quotes the name as MLflow does.
    await grant(s, "scorer", `${E}/s%201%2Fx`, "READ");
    assert.equal((await get("s 1/x")).status, 200);
    const versions = await s.call(
      BOB,
      "GET",
      `/api/3.0/mlflow/scorers/versions?experiment_id=${E}&name=${encodeURIComponent("s 1/x")}`,
    );
    assert.equal(versions.status, 200);
    const delOther = await s.call(BOB, "DELETE", "/api/3.0/mlflow/scorers/delete", {
      experiment_id: E,
      name: "s 1/x",
    });
    assert.equal(delOther.status, 403);
    // Deleting one version needs only READ on the scorer (MLflow 3.17.2).
    const delVersion = await s.call(BOB, "DELETE", "/api/3.0/mlflow/scorers/delete", {
      experiment_id: E,
      name: "s 1/x",
      version: 1,
    });
    assert.equal(delVersion.status, 200);
    // Bob's own scorer: registered with EDIT on the experiment, then managed by him.
    assert.equal((await register(BOB, "mine")).status, 200);
    assert.equal((await register(ADMIN, "theirs")).status, 200);
    const list = async () => {
      const r = await s.call(BOB, "GET", `/api/3.0/mlflow/scorers/list?experiment_id=${E}`);
      assert.equal(r.status, 200);
      return ((r.body as { scorers?: Json[] }).scorers ?? []).map((x) => x.scorer_name);
    };
    assert.deepEqual(await list(), ["mine"]);
    const adminList = await s.call(ADMIN, "GET", `/api/3.0/mlflow/scorers/list?experiment_id=${E}`);
    assert.deepEqual(
      (adminList.body as { scorers: Json[] }).scorers.map((x) => x.scorer_name),
      ["mine", "theirs"],
    );
    const delMine = await s.call(BOB, "DELETE", "/api/3.0/mlflow/scorers/delete", {
      experiment_id: E,
      name: "mine",
    });
    assert.equal(delMine.status, 200);
    // A DENY on a scorer name blocks registering it, even with EDIT on the experiment.
    await grant(s, "scorer", `${E}/blocked`, "DENY");
    assert.equal((await register(BOB, "blocked")).status, 403);
    // Without an experiment named, the list is open and filtered row by row.
    const across = await s.call(BOB, "GET", `/api/3.0/mlflow/scorers/list?experiment_ids=${E}`);
    assert.equal(across.status, 200);
    assert.deepEqual((across.body as { scorers?: Json[] }).scorers ?? [], []);
  } finally {
    await s.close();
  }
});
