/**
 * Basic-auth on issue detection and jobs, as MLflow 3.17.2's auth app: `issues/invoke` needs
 * EDIT on the experiment (and a gateway `secret_id` USE on it: an admin here), a job is its
 * creator's or an admin's (`validate_is_job_owner`), and the job API's search lists the caller's
 * jobs only. Each denial has a granted twin that gets through.
 */
import assert from "node:assert/strict";
import { ADMIN, authApp } from "./auth_app.ts";

const EVE = { username: "eve", password: "eve-password-12" };
const MAL = { username: "mallory", password: "mallory-password-1" };
const NO_DEFAULT = "[mlflow]\ndefault_permission = NO_PERMISSIONS\nauth_cache_ttl_seconds = 60\n";

// deno-lint-ignore no-explicit-any
type Any = any;

Deno.test("issue detection needs EDIT on the experiment; a job is its creator's", async () => {
  const s = await authApp({ ini: NO_DEFAULT });
  try {
    await s.users.createUser(EVE.username, EVE.password);
    await s.users.createUser(MAL.username, MAL.password);
    const E = ((await s.call(ADMIN, "POST", "/api/2.0/mlflow/experiments/create", { name: "d" }))
      .body as Any).experiment_id;
    await s.users.grant(EVE.username, "experiment", E, "EDIT");
    await s.users.grant(MAL.username, "experiment", E, "READ");
    const invoke = {
      experiment_id: E,
      trace_ids: ["tr-none"],
      categories: [],
      provider: "openai",
      endpoint_name: "absent",
    };
    const INVOKE = "/ajax-api/3.0/mlflow/issues/invoke";

    assert.equal((await s.call(MAL, "POST", INVOKE, invoke)).status, 403); // READ only
    const withSecret = await s.call(EVE, "POST", INVOKE, {
      ...invoke,
      endpoint_name: undefined,
      model: "gpt",
      secret_id: "s-1",
    });
    assert.equal(withSecret.status, 403); // a secret: admins only here
    const started = await s.call(EVE, "POST", INVOKE, invoke);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const jobId = (started.body as Any).job_id as string;

    for (const path of [`/ajax-api/3.0/mlflow/jobs/${jobId}`, `/ajax-api/3.0/jobs/${jobId}`]) {
      assert.equal((await s.call(EVE, "GET", path)).status, 200, path);
      assert.equal((await s.call(ADMIN, "GET", path)).status, 200, path);
      const denied = await s.call(MAL, "GET", path);
      assert.equal(denied.status, 403, path);
      assert.equal(denied.body, "Permission denied");
      assert.equal((await s.call(undefined, "GET", path)).status, 401, path);
    }
    // Cancel: not someone else's job; an unknown job is denied too (as MLflow).
    const cancel = `/ajax-api/3.0/mlflow/jobs/cancel/${jobId}`;
    assert.equal((await s.call(MAL, "PATCH", cancel)).status, 403);
    const unknown = "/ajax-api/3.0/mlflow/jobs/00000000-0000-4000-8000-000000000000";
    assert.equal((await s.call(EVE, "GET", unknown)).status, 403);
    assert.equal((await s.call(ADMIN, "GET", unknown)).status, 404);

    // The job API's search: one's own jobs; an admin sees all.
    const search = async (who: typeof EVE) =>
      ((await s.call(who, "POST", "/ajax-api/3.0/jobs/search", {})).body as Any).jobs
        .map((j: Any) => j.job_id);
    assert.deepEqual(await search(EVE), [jobId]);
    assert.deepEqual(await search(MAL), []);
    assert.deepEqual(await search(ADMIN), [jobId]);
    const job = (await s.call(EVE, "GET", `/ajax-api/3.0/jobs/${jobId}`)).body as Any;
    assert.equal(job.creator, "eve");
  } finally {
    await s.close();
  }
});
