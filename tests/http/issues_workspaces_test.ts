/**
 * GenAI issues and their detection jobs with `--enable-workspaces`, as MLflow 3.17.2 scopes them:
 * an issue belongs to its experiment's workspace, so another workspace's issue is not found, a
 * search lists the request's workspace's issues only (naming another workspace's experiment finds
 * nothing), and a job is its workspace's. The default workspace keeps today's data.
 */
import assert from "node:assert/strict";
import { type FullApp, fullApp } from "./full_app.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

async function call(
  s: FullApp,
  ws: string | undefined,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; body: Any }> {
  const res = await s.app.request(url, {
    method,
    headers: {
      ...(ws ? { "X-MLFLOW-WORKSPACE": ws } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function ok(s: FullApp, ws: string | undefined, method: string, url: string, body?: unknown) {
  const r = await call(s, ws, method, url, body);
  assert.ok(r.status < 300, `${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const API = "/api/3.0/mlflow";

Deno.test("issues are scoped to their experiment's workspace", async () => {
  const s = await fullApp(["--enable-workspaces"]);
  try {
    await ok(s, undefined, "POST", `${API}/workspaces`, { name: "team-a" });
    const newIssue = async (ws: string | undefined, name: string) => {
      const E = (await ok(s, ws, "POST", "/api/2.0/mlflow/experiments/create", { name }))
        .experiment_id;
      const issue = (await ok(s, ws, "POST", `${API}/issues`, {
        name: `${name} issue`,
        description: "d",
        experiment_id: E,
      })).issue;
      return { E, id: issue.issue_id as string };
    };
    const home = await newIssue(undefined, "home");
    const away = await newIssue("team-a", "away");

    // Read and update: another workspace's issue is not found, with MLflow's message.
    for (const [ws, other] of [[undefined, away], ["team-a", home]] as const) {
      const get = await call(s, ws, "GET", `${API}/issues/${other.id}`);
      assert.equal(get.status, 404);
      assert.deepEqual(get.body, {
        error_code: "RESOURCE_DOES_NOT_EXIST",
        message: `Issue with ID '${other.id}' not found`,
      });
      const patch = await call(s, ws, "PATCH", `${API}/issues/${other.id}`, {
        issue_id: other.id,
        status: "resolved",
      });
      assert.equal(patch.status, 404);
    }
    assert.equal(
      (await ok(s, "team-a", "GET", `${API}/issues/${away.id}`)).issue.name,
      "away issue",
    );
    assert.equal(
      (await ok(s, undefined, "GET", `${API}/issues/${home.id}`)).issue.status,
      "pending",
    );

    // Create in another workspace's experiment: that experiment does not exist here.
    const create = await call(s, "team-a", "POST", `${API}/issues`, {
      name: "n",
      description: "d",
      experiment_id: home.E,
    });
    assert.equal(create.status, 404);
    assert.equal(create.body.message, `No Experiment with id=${home.E} exists`);

    // Search: the workspace's issues only; another workspace's experiment finds nothing.
    const names = async (ws: string | undefined, body: unknown) =>
      ((await ok(s, ws, "POST", `${API}/issues/search`, body)).issues ?? []).map((i: Any) =>
        i.name
      );
    assert.deepEqual(await names(undefined, {}), ["home issue"]);
    assert.deepEqual(await names("team-a", {}), ["away issue"]);
    assert.deepEqual(await names("team-a", { experiment_id: home.E }), []);
    assert.deepEqual(await names(undefined, { experiment_id: home.E }), ["home issue"]);
  } finally {
    await s.close();
  }
});

Deno.test("issue detection jobs belong to the workspace that started them", async () => {
  const s = await fullApp(["--enable-workspaces"]);
  try {
    await ok(s, undefined, "POST", `${API}/workspaces`, { name: "team-b" });
    const E = (await ok(s, "team-b", "POST", "/api/2.0/mlflow/experiments/create", { name: "x" }))
      .experiment_id;
    const started = await ok(s, "team-b", "POST", "/ajax-api/3.0/mlflow/issues/invoke", {
      experiment_id: E,
      trace_ids: ["tr-none"],
      categories: [],
      provider: "openai",
      endpoint_name: "no-such-endpoint",
    });
    const url = `/ajax-api/3.0/mlflow/jobs/${started.job_id}`;
    let job: Any;
    for (let i = 0; i < 200; i++) {
      job = await ok(s, "team-b", "GET", url);
      if (job.status === "FAILED" || job.status === "SUCCEEDED") break;
      await new Promise((r) => setTimeout(r, 10));
    }
    // The job ran in its workspace: the endpoint is looked up there and is missing.
    assert.equal(job.status, "FAILED");
    assert.match(job.error_message, /no-such-endpoint/);
    const elsewhere = await call(s, undefined, "GET", url);
    assert.equal(elsewhere.status, 404);
    assert.equal(elsewhere.body.message, `Job with ID ${started.job_id} not found`);
    const cancel = await call(
      s,
      undefined,
      "PATCH",
      `/ajax-api/3.0/mlflow/jobs/cancel/${started.job_id}`,
    );
    assert.equal(cancel.status, 404);
    // Starting one on another workspace's experiment: not found.
    const cross = await call(s, undefined, "POST", "/ajax-api/3.0/mlflow/issues/invoke", {
      experiment_id: E,
      trace_ids: ["tr-none"],
      categories: [],
      provider: "openai",
      endpoint_name: "e",
    });
    assert.equal(cross.status, 404);
    assert.equal(cross.body.message, `No Experiment with id=${E} exists`);
  } finally {
    await s.close();
  }
});
