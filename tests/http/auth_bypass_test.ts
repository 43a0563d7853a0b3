/**
 * The bypass patterns of MLflow's basic-auth CVEs, against our guard: path variants of a denied
 * route (trailing slash, doubled slash, case, encoded characters, the ajax twin, another API
 * version, HEAD), method-override headers, artifact paths that climb out of the experiment they
 * name, and a static prefix. None may reach a handler for a user without the permission.
 */
import assert from "node:assert/strict";
import { ADMIN, authApp, basic } from "./auth_app.ts";

const EVE = { username: "eve", password: "eve-password-12" };
const NO_DEFAULT = "[mlflow]\ndefault_permission = NO_PERMISSIONS\nauth_cache_ttl_seconds = 60\n";

Deno.test("path, method and header variants of a denied route never reach its handler", async () => {
  const s = await authApp({ ini: NO_DEFAULT });
  try {
    await s.users.createUser(EVE.username, EVE.password);
    const secret = await s.call(ADMIN, "POST", "/api/2.0/mlflow/experiments/create", {
      name: "secret",
    });
    const id = (secret.body as { experiment_id: string }).experiment_id;
    const auth = { authorization: basic(EVE.username, EVE.password) };
    const variants: [string, string, Record<string, string>?][] = [
      ["GET", `/api/2.0/mlflow/experiments/get?experiment_id=${id}`],
      ["GET", `/ajax-api/2.0/mlflow/experiments/get?experiment_id=${id}`],
      ["GET", `/api/2.0/mlflow/experiments/get/?experiment_id=${id}`],
      ["GET", `//api/2.0/mlflow/experiments/get?experiment_id=${id}`],
      ["GET", `/api/2.0/mlflow//experiments/get?experiment_id=${id}`],
      ["GET", `/API/2.0/mlflow/experiments/get?experiment_id=${id}`],
      ["GET", `/api/2.0/mlflow/experiments/%67et?experiment_id=${id}`],
      ["GET", `/api/2.0/mlflow/experiments/get%2F?experiment_id=${id}`],
      ["GET", `/api/2.0/mlflow/runs/../experiments/get?experiment_id=${id}`],
      ["GET", `/api/2.0/mlflow/experiments/get?experiment_id=${id}&experiment_id=0`],
      ["GET", `/api/2.0/mlflow/experiments/get?experiment_id=0&experiment_id=${id}`],
      ["HEAD", `/api/2.0/mlflow/experiments/get?experiment_id=${id}`],
      ["POST", `/api/2.0/mlflow/experiments/get?experiment_id=${id}`, {
        "x-http-method-override": "GET",
      }],
      ["POST", `/api/2.0/mlflow/users/create`, { "x-http-method-override": "GET" }],
      ["GET", `/api/2.0/mlflow/users/get?username=admin`],
      ["GET", `/api/2.0/mlflow/users/get?username=eve&username=admin`],
      ["GET", `/api/2.0/mlflow-artifacts/artifacts?path=${id}`],
      ["GET", `/api/2.0/mlflow-artifacts/artifacts/0/..%2F${id}/x`],
      ["GET", `/api/2.0/mlflow-artifacts/artifacts/0/%252e%252e/${id}/x`],
      ["GET", `/api/2.0/mlflow-artifacts/artifacts/..%2F${id}/x`],
      ["PUT", `/api/2.0/mlflow-artifacts/artifacts/${id}/x`],
    ];
    for (const [method, path, extra] of variants) {
      const send = (p: string) =>
        s.app.request(p, {
          method,
          headers: { ...auth, ...extra ?? {}, "content-type": "application/json" },
          ...(method === "GET" || method === "HEAD" ? {} : { body: "{}" }),
        });
      let res = await send(path);
      await res.body?.cancel();
      if (res.status === 308) {
        // Repeated slashes are redirected to the merged path on the same origin (as Werkzeug);
        // following the redirect must meet the same check.
        const location = res.headers.get("location") ?? "";
        assert.ok(location.startsWith("/") && !location.startsWith("//"), `${path} → ${location}`);
        res = await send(location);
        await res.body?.cancel();
      }
      assert.ok(
        res.status === 403 || res.status === 404 || res.status === 400,
        `${method} ${path}: ${res.status}`,
      );
    }
    // The same user with a READ grant gets through the canonical path (the test can fail).
    const granted = await s.call(ADMIN, "POST", "/api/3.0/mlflow/users/permissions/grant", {
      username: EVE.username,
      resource_type: "experiment",
      resource_id: id,
      permission: "READ",
    });
    assert.equal(granted.status, 200);
    const ok = await s.call(EVE, "GET", `/api/2.0/mlflow/experiments/get?experiment_id=${id}`);
    assert.equal(ok.status, 200);
  } finally {
    await s.close();
  }
});

Deno.test("a JSON body cannot smuggle a second resource past the check", async () => {
  const s = await authApp({ ini: NO_DEFAULT });
  try {
    await s.users.createUser(EVE.username, EVE.password);
    const mine = await s.call(ADMIN, "POST", "/api/2.0/mlflow/experiments/create", { name: "m" });
    const other = await s.call(ADMIN, "POST", "/api/2.0/mlflow/experiments/create", { name: "o" });
    const mineId = (mine.body as { experiment_id: string }).experiment_id;
    const otherId = (other.body as { experiment_id: string }).experiment_id;
    await s.users.grant(EVE.username, "experiment", mineId, "MANAGE");
    // Query names the granted experiment, the body the other one: the body is what is acted on.
    const res = await s.call(
      EVE,
      "POST",
      `/api/2.0/mlflow/experiments/delete?experiment_id=${mineId}`,
      { experiment_id: otherId },
    );
    assert.equal(res.status, 403);
    const still = await s.call(
      ADMIN,
      "GET",
      `/api/2.0/mlflow/experiments/get?experiment_id=${otherId}`,
    );
    assert.equal(
      (still.body as { experiment: { lifecycle_stage: string } }).experiment.lifecycle_stage,
      "active",
    );
  } finally {
    await s.close();
  }
});

Deno.test("behind --static-prefix the same checks apply; health stays open", async () => {
  const s = await authApp({ ini: NO_DEFAULT, args: ["--static-prefix", "/mlflow"] });
  try {
    await s.users.createUser(EVE.username, EVE.password);
    const made = await s.call(ADMIN, "POST", "/mlflow/api/2.0/mlflow/experiments/create", {
      name: "p",
    });
    assert.equal(made.status, 200);
    const id = (made.body as { experiment_id: string }).experiment_id;
    const path = `/mlflow/api/2.0/mlflow/experiments/get?experiment_id=${id}`;
    assert.equal((await s.call(undefined, "GET", path)).status, 401);
    assert.equal((await s.call(EVE, "GET", path)).status, 403);
    assert.equal((await s.call(ADMIN, "GET", path)).status, 200);
    assert.equal((await s.call(undefined, "GET", "/mlflow/health")).status, 200);
  } finally {
    await s.close();
  }
});
