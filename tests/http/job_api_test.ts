/**
 * MLflow 3.17.2's internal job API (`/ajax-api/3.0/jobs`, FastAPI): its `Job` model, submit of
 * an issue detection job with MLflow's parameters, search by name, status and params, cancel,
 * and FastAPI's error shapes (`detail`).
 */
import assert from "node:assert/strict";
import { type Any, fakeProvider, harness, ok, setup } from "./detection_harness.ts";

const JOBS = "/ajax-api/3.0/jobs";

Deno.test("job API: submit, get, search and cancel as MLflow's FastAPI router", async () => {
  const fake = fakeProvider();
  const h = await harness({ OPENAI_API_KEY: "sk-env", OPENAI_API_BASE: fake.base });
  const req = async (method: string, path: string, body?: unknown) => {
    const res = await h.app.request(`${JOBS}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
    return { status: res.status, body: await res.json() as Any };
  };
  try {
    const { E, traceIds } = await setup(h, ["BAD x", "fine"]);
    const run = (await ok(h, "POST", "/runs/create", { experiment_id: E })).run.info.run_id;
    const params = {
      experiment_id: E,
      trace_ids: traceIds,
      categories: ["correctness"],
      run_id: run,
      model: "openai:/gpt-env",
    };
    const submitted = await req("POST", "/", { job_name: "invoke_issue_detection", params });
    assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
    const job = submitted.body;
    assert.deepEqual(Object.keys(job).sort(), [
      "creation_time",
      "creator",
      "error_message",
      "job_id",
      "job_name",
      "last_update_time",
      "params",
      "progress",
      "progress_updated_at",
      "result",
      "retry_count",
      "status",
      "status_details",
      "status_message",
      "timeout",
    ]);
    assert.equal(job.job_name, "invoke_issue_detection");
    assert.deepEqual(job.params, params);
    let got: Any;
    for (let i = 0; i < 300; i++) {
      got = (await req("GET", `/${job.job_id}`)).body;
      if (got.status === "SUCCEEDED" || got.status === "FAILED") break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(got.status, "SUCCEEDED", JSON.stringify(got));
    assert.equal(got.result.issues, 1);
    assert.equal(got.retry_count, 0);
    // Credentials and base URL came from the server's environment.
    assert.ok(fake.seen.every((c) => c.auth === "Bearer sk-env" && c.model === "gpt-env"));
    const runInfo = (await ok(h, "GET", `/runs/get?run_id=${run}`)).run.info;
    assert.equal(runInfo.status, "FINISHED");

    // Search: by name, status and params; another status or param value finds nothing.
    const ids = async (body: unknown) =>
      (await req("POST", "/search", body)).body.jobs.map((j: Any) => j.job_id);
    assert.deepEqual(await ids({}), [job.job_id]);
    assert.deepEqual(await ids({ job_name: "invoke_issue_detection" }), [job.job_id]);
    assert.deepEqual(await ids({ statuses: ["SUCCEEDED"] }), [job.job_id]);
    assert.deepEqual(await ids({ statuses: ["RUNNING", "PENDING"] }), []);
    assert.deepEqual(await ids({ params: { run_id: run } }), [job.job_id]);
    assert.deepEqual(await ids({ params: { run_id: "other" } }), []);
    assert.deepEqual(await ids({ job_name: "optimize_prompts" }), []);
    const badStatus = await req("POST", "/search", { statuses: ["DONE"] });
    assert.equal(badStatus.status, 422);
    assert.deepEqual(badStatus.body.detail[0].loc, ["body", "statuses", "0"]);

    // Cancel of a finished job: MLflow's 400, as FastAPI's `detail`.
    const cancel = await req("PATCH", `/cancel/${job.job_id}`);
    assert.equal(cancel.status, 400);
    assert.deepEqual(cancel.body, {
      detail:
        `The Job ${job.job_id} is already finalized with status: SUCCEEDED, it can't be updated.`,
    });
    const missing = await req("GET", "/11111111-2222-4333-8444-555555555555");
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, {
      detail: "Job with ID 11111111-2222-4333-8444-555555555555 not found",
    });

    // Submit errors.
    const unknown = await req("POST", "/", { job_name: "rm_rf", params: {} });
    assert.deepEqual(unknown, { status: 400, body: { detail: "Invalid job name: rm_rf" } });
    const other = await req("POST", "/", { job_name: "invoke_scorer", params: {} });
    assert.equal(other.status, 501);
    const partial = await req("POST", "/", {
      job_name: "invoke_issue_detection",
      params: { experiment_id: E, trace_ids: [] },
    });
    assert.equal(partial.status, 400);
    assert.equal(
      partial.body.detail,
      "Missing required parameters for function 'invoke_issue_detection_job': ['categories', 'run_id']. Expected parameters: ['experiment_id', 'trace_ids', 'categories', 'run_id', 'model']",
    );
    const noName = await req("POST", "/", { params: {} });
    assert.equal(noName.status, 422);
    assert.deepEqual(noName.body.detail[0].loc, ["body", "job_name"]);
    assert.equal(noName.body.detail[0].msg, "Field required");
    assert.deepEqual(await ids({}), [job.job_id]); // nothing else was started
  } finally {
    await fake.close();
    await h.close();
  }
});
