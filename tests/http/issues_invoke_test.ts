/**
 * Issue detection as the UI drives it (`POST ajax-api/3.0/mlflow/issues/invoke`, then polls
 * `GET …/jobs/{id}`, may `PATCH …/jobs/cancel/{id}`), against a fake OpenAI-compatible provider
 * on loopback that this test starts: MLflow 3.17.2's request checks and messages, the detection
 * run and its tags, the issues created and their links to traces, the job states and results the
 * UI sees, a provider failure as a FAILED job with MLflow's message, cancel, and a job whose
 * server died mid-run (an expired lease) taken over by the next poll.
 */
import assert from "node:assert/strict";
import { JobStore } from "../../src/store/jobs/job_store.ts";
import {
  type Any,
  fakeProvider,
  type Harness,
  harness,
  ok,
  pollJob,
  secret,
  setup,
} from "./detection_harness.ts";

async function refused(
  h: Harness,
  body: unknown,
  status: number,
  code: string,
  message: string,
) {
  const r = await h.call("POST", "/ajax:/issues/invoke", body);
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.error_code, code);
  assert.equal(r.body.message, message);
}

Deno.test("issues/invoke: a detection job creates issues linked to the failing traces", async () => {
  const h = await harness();
  const fake = fakeProvider();
  try {
    const { E, traceIds } = await setup(h, ["BAD question 1", "good question", "BAD question 2"]);
    const S = await secret(h, fake.base);
    const started = await ok(h, "POST", "/ajax:/issues/invoke", {
      experiment_id: E,
      trace_ids: [...traceIds, traceIds[0]],
      categories: ["correctness", "relevance"],
      provider: "openai",
      model: "gpt-test",
      secret_id: S,
    });
    assert.deepEqual(Object.keys(started).sort(), ["job_id", "run_id"]);
    const { seen, job } = await pollJob(h, started.job_id);
    assert.equal(seen.at(-1), "SUCCEEDED", JSON.stringify(job));
    assert.ok(seen.every((s) => ["PENDING", "RUNNING", "SUCCEEDED"].includes(s)), String(seen));
    assert.equal(job.error_message, null);
    assert.deepEqual(job.status_details, { stage: "Generating summary..." });
    assert.equal(job.result.issues, 1);
    assert.equal(job.result.total_traces_analyzed, 3);
    assert.equal(job.result.total_cost_usd, 0);
    assert.match(job.result.summary, /^Analyzed \*\*3\*\* traces\. Found \*\*1\*\* issues:/);
    assert.match(job.result.summary, /### 1\. Wrong answers \(severity: high\)/);

    // The detection run: MLflow's tags, FINISHED, the analyzed traces linked to it.
    const run = (await ok(h, "GET", `/runs/get?run_id=${started.run_id}`)).run;
    const tags = Object.fromEntries(run.data.tags.map((t: Any) => [t.key, t.value]));
    assert.equal(run.info.status, "FINISHED");
    assert.equal(run.info.experiment_id, E);
    assert.equal(tags["mlflow.runType"], "issue_detection");
    assert.equal(tags["mlflow.issueDetection.jobId"], started.job_id);
    assert.equal(tags.model, "openai:/gpt-test");
    assert.equal(tags.categories, "correctness,relevance");
    assert.equal(tags.total_traces, "3");
    assert.equal(tags.total_cost_usd, "0.0");

    // The issue, found from the run as the UI searches it, with its traces counted.
    const found = await ok(h, "POST", "/3.0/issues/search", {
      experiment_id: E,
      filter_string: `source_run_id = '${started.run_id}'`,
      include_trace_count: true,
    });
    assert.equal(found.issues.length, 1);
    const issue = found.issues[0];
    assert.equal(issue.name, "Wrong answers");
    assert.equal(issue.severity, "high");
    assert.equal(issue.status, "pending");
    assert.deepEqual(issue.root_causes, ["The agent ignores the retrieved documents."]);
    assert.deepEqual(issue.categories, ["correctness"]);
    assert.equal(issue.trace_count, 2);

    // Each failing trace holds the judge's feedback and a reference to the issue; the good one
    // only the feedback.
    const info = async (id: string) => (await ok(h, "GET", `/3.0/traces/${id}`)).trace.trace_info;
    for (const id of [traceIds[0]!, traceIds[2]!]) {
      const a = (await info(id)).assessments;
      const ref = a.find((x: Any) => x.issue);
      assert.equal(ref.assessment_name, issue.issue_id);
      assert.deepEqual(ref.issue, { issue_name: "Wrong answers" });
      assert.equal(ref.source.source_type, "LLM_JUDGE");
      assert.equal(ref.source.source_id, "openai:/gpt-test");
      assert.equal(ref.rationale, "The response states the opposite of the document.");
      const fb = a.find((x: Any) => x.assessment_name === "_issue_discovery_judge");
      assert.deepEqual(fb.feedback.value, { passed: "false", categories: "correctness" });
    }
    const good = (await info(traceIds[1]!)).assessments;
    assert.equal(good.length, 1);
    assert.deepEqual(good[0].feedback.value, { passed: "true", categories: "" });

    // The provider was called with the secret's key and the chosen model.
    assert.ok(fake.seen.length > 0);
    assert.ok(fake.seen.every((c) => c.auth === "Bearer sk-test-123" && c.model === "gpt-test"));
  } finally {
    await fake.close();
    await h.close();
  }
});

Deno.test("issues/invoke through an AI Gateway endpoint uses its model and secret", async () => {
  const h = await harness();
  const fake = fakeProvider();
  try {
    const { E, traceIds } = await setup(h, ["BAD one"]);
    const S = await secret(h, fake.base);
    const MD = (await ok(h, "POST", "/3.0/gateway/model-definitions/create", {
      name: "def",
      secret_id: S,
      provider: "openai",
      model_name: "gpt-gw",
    })).model_definition.model_definition_id;
    await ok(h, "POST", "/3.0/gateway/endpoints/create", {
      name: "detector",
      model_configs: [{ model_definition_id: MD, linkage_type: "PRIMARY" }],
    });
    const started = await ok(h, "POST", "/ajax:/issues/invoke", {
      experiment_id: E,
      trace_ids: traceIds,
      categories: ["correctness"],
      provider: "openai",
      endpoint_name: "detector",
    });
    const { job } = await pollJob(h, started.job_id);
    assert.equal(job.status, "SUCCEEDED", JSON.stringify(job));
    assert.equal(job.result.issues, 1);
    const run = (await ok(h, "GET", `/runs/get?run_id=${started.run_id}`)).run;
    const tags = Object.fromEntries(run.data.tags.map((t: Any) => [t.key, t.value]));
    assert.equal(tags.model, "gateway:/detector");
    assert.equal(tags.endpoint_name, "detector");
    assert.ok(fake.seen.every((c) => c.model === "gpt-gw" && c.auth === "Bearer sk-test-123"));

    // An unknown endpoint is found out by the job, as MLflow's.
    const bad = await ok(h, "POST", "/ajax:/issues/invoke", {
      experiment_id: E,
      trace_ids: traceIds,
      categories: [],
      provider: "openai",
      endpoint_name: "nope",
    });
    const failed = (await pollJob(h, bad.job_id)).job;
    assert.equal(failed.status, "FAILED");
    assert.match(failed.error_message, /^MlflowException\(.*nope.*\)$/);
  } finally {
    await fake.close();
    await h.close();
  }
});

Deno.test("issues/invoke checks its request as MLflow 3.17.2 does", async () => {
  const h = await harness();
  try {
    const { E, traceIds } = await setup(h, ["q"]);
    const other = (await ok(h, "POST", "/experiments/create", { name: "other" })).experiment_id;
    const I = "INVALID_PARAMETER_VALUE";
    const docs = "See the API docs for more information about request parameters.";
    const base = { experiment_id: E, trace_ids: traceIds, categories: [], provider: "openai" };
    await refused(h, {}, 400, I, `Missing value for required parameter 'experiment_id'. ${docs}`);
    await refused(
      h,
      { ...base, trace_ids: "x" },
      400,
      I,
      `Invalid value "x" for parameter 'trace_ids' supplied: Hint: Value was of type 'str'. ${docs}`,
    );
    await refused(
      h,
      { ...base, categories: undefined },
      400,
      I,
      `Missing value for required parameter 'categories'. ${docs}`,
    );
    await refused(
      h,
      { ...base, trace_ids: [] },
      400,
      I,
      "Please select at least one trace to analyze.",
    );
    await refused(
      h,
      base,
      400,
      I,
      "Either 'endpoint_name' or both 'provider' and 'model' must be provided",
    );
    await refused(
      h,
      { ...base, model: "gpt" },
      400,
      I,
      "No API key available for provider 'openai'. Save an API key in AI Gateway, or set OPENAI_API_KEY on the MLflow server.",
    );
    await refused(
      h,
      { ...base, provider: "Acme", model: "m" },
      400,
      I,
      "Unsupported provider 'Acme'. Choose a supported provider or AI Gateway endpoint.",
    );
    await refused(
      h,
      { ...base, provider: "Acme", model: "m", secret_id: "s-1" },
      400,
      I,
      "Unknown provider 'Acme'. Supported providers: openai, azure, anthropic, gemini, mistral, groq, deepseek, xai, openrouter, togetherai, typesafe, bedrock. To use other providers, create an AI Gateway endpoint instead.",
    );
    const noSecret = await h.call("POST", "/ajax:/issues/invoke", {
      ...base,
      model: "m",
      secret_id: "s-unknown",
    });
    assert.equal(noSecret.status, 404, JSON.stringify(noSecret.body));
    assert.equal(noSecret.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    await refused(
      h,
      { ...base, experiment_id: other, model: "m", endpoint_name: "e" },
      403,
      "PERMISSION_DENIED",
      "Not all requested traces could be accessed.",
    );
    await refused(
      h,
      { ...base, experiment_id: "987654", trace_ids: ["tr-missing"], endpoint_name: "e" },
      404,
      "RESOURCE_DOES_NOT_EXIST",
      "No Experiment with id=987654 exists",
    );
    const r = await h.app.request("/ajax-api/3.0/mlflow/issues/invoke", {
      method: "POST",
      body: "{}",
      headers: { "content-type": "text/plain" },
    });
    assert.equal(r.status, 400);
    assert.equal(
      (await r.json()).message,
      "Bad Request. Content-Type must be one of ['application/json'].",
    );
    // Only the ajax API serves it, as MLflow.
    assert.equal((await h.call("POST", "/3.0/issues/invoke", base)).status, 404);
    // Nothing was started by a refused request.
    const runs = await ok(h, "POST", "/runs/search", { experiment_ids: [E, other] });
    assert.equal(runs.runs, undefined);
  } finally {
    await h.close();
  }
});

Deno.test("issues/invoke: a failing provider fails the job with MLflow's message", async () => {
  const h = await harness({ OPENAI_API_KEY: "sk-env" });
  const fake = fakeProvider({ fail: true });
  try {
    const { E, traceIds } = await setup(h, ["BAD"]);
    const started = await ok(h, "POST", "/ajax:/issues/invoke", {
      experiment_id: E,
      trace_ids: traceIds,
      categories: ["correctness"],
      provider: "openai",
      model: "gpt-test",
      secret_id: await secret(h, fake.base),
    });
    const { job } = await pollJob(h, started.job_id);
    assert.equal(job.status, "FAILED");
    assert.equal(job.result, job.error_message);
    assert.equal(
      job.error_message,
      // Python's repr: single quotes, escaped, as the text holds both kinds.
      `MlflowException('Scorer \\'_issue_discovery_judge\\' returned null value: Provider \\'openai\\' answered HTTP 500: {"error":{"message":"upstream exploded"}}')`,
    );
    assert.deepEqual(job.status_details, { stage: "Verifying configuration..." });
    const run = (await ok(h, "GET", `/runs/get?run_id=${started.run_id}`)).run;
    assert.equal(run.info.status, "FAILED");
    const issues = await ok(h, "POST", "/3.0/issues/search", { experiment_id: E });
    assert.equal(issues.issues, undefined);
  } finally {
    await fake.close();
    await h.close();
  }
});

Deno.test("issues/invoke with job execution turned off starts nothing", async () => {
  const h = await harness({ OPENAI_API_KEY: "k", MLFLOW_SERVER_ENABLE_JOB_EXECUTION: "false" });
  try {
    const { E } = await setup(h, []);
    const r = await h.call("POST", "/ajax:/issues/invoke", {
      experiment_id: E,
      trace_ids: ["tr-x"],
      categories: [],
      provider: "openai",
      model: "m",
    });
    assert.equal(r.status, 501);
    assert.match(r.body.message, /^Mlflow server job execution feature is not enabled/);
    assert.equal((await ok(h, "POST", "/runs/search", { experiment_ids: [E] })).runs, undefined);
  } finally {
    await h.close();
  }
});

Deno.test("issues/invoke with no readable trace finishes with nothing to analyze", async () => {
  const h = await harness({ OPENAI_API_KEY: "sk-env" });
  try {
    const { E } = await setup(h, []);
    const started = await ok(h, "POST", "/ajax:/issues/invoke", {
      experiment_id: E,
      trace_ids: ["tr-gone"],
      categories: [],
      provider: "OpenAI",
      model: "gpt-test",
    });
    const { job } = await pollJob(h, started.job_id);
    assert.equal(job.status, "SUCCEEDED");
    assert.deepEqual(job.result, {
      summary: "No traces to analyze.",
      issues: 0,
      total_traces_analyzed: 0,
      total_cost_usd: 0,
    });
    const run = (await ok(h, "GET", `/runs/get?run_id=${started.run_id}`)).run;
    assert.equal(run.info.status, "FINISHED");
    const tags = Object.fromEntries(run.data.tags.map((t: Any) => [t.key, t.value]));
    assert.equal(tags.model, "openai:/gpt-test");
  } finally {
    await h.close();
  }
});

Deno.test("jobs: unknown ids, cancel of a running and of a finished job", async () => {
  let release!: () => void;
  const hold = new Promise<void>((r) => release = r);
  const h = await harness();
  const fake = fakeProvider({ hold });
  try {
    for (const id of ["nope", "00000000-0000-4000-8000-000000000000"]) {
      const r = await h.call("GET", `/ajax:/jobs/${id}`);
      assert.equal(r.status, 404);
      assert.deepEqual(r.body, {
        error_code: "RESOURCE_DOES_NOT_EXIST",
        message: `Job with ID ${id} not found`,
      });
      assert.equal((await h.call("PATCH", `/ajax:/jobs/cancel/${id}`)).status, 404);
    }
    const { E, traceIds } = await setup(h, ["BAD"]);
    const started = await ok(h, "POST", "/ajax:/issues/invoke", {
      experiment_id: E,
      trace_ids: traceIds,
      categories: [],
      provider: "openai",
      model: "gpt-test",
      secret_id: await secret(h, fake.base),
    });
    while (fake.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    const canceled = await ok(h, "PATCH", `/ajax:/jobs/cancel/${started.job_id}`);
    assert.equal(canceled.status, "CANCELED");
    assert.equal(canceled.result, null);
    release();
    const { job } = await pollJob(h, started.job_id);
    assert.equal(job.status, "CANCELED");
    // The worker stopped: no issue was created after the cancel.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(
      (await ok(h, "POST", "/3.0/issues/search", { experiment_id: E })).issues,
      undefined,
    );
    const again = await h.call("PATCH", `/ajax:/jobs/cancel/${started.job_id}`);
    assert.equal(again.status, 400);
    assert.equal(
      again.body.message,
      `The Job ${started.job_id} is already finalized with status: CANCELED, it can't be updated.`,
    );
  } finally {
    release();
    await fake.close();
    await h.close();
  }
});

Deno.test("jobs: a job whose server died is taken over by the next poll, then given up", async () => {
  const h = await harness({}, 5_000);
  const fake = fakeProvider();
  try {
    const { E, traceIds } = await setup(h, ["BAD"]);
    const S = await secret(h, fake.base);
    const run = (await ok(h, "POST", "/runs/create", { experiment_id: E })).run.info.run_id;
    const jobs = new JobStore(h.stores.db);
    const params = {
      experiment_id: E,
      trace_ids: traceIds,
      categories: ["correctness"],
      run_id: run,
      model: "openai:/gpt-test",
      secret_id: S,
    };
    // A job left RUNNING by a dead process: its lease has run out.
    const orphan = await jobs.create("invoke_issue_detection", params, -1000);
    const taken = await jobs.claim(orphan.job_id, "dead-server", -1000);
    assert.equal(taken?.status, "RUNNING");
    const { job } = await pollJob(h, orphan.job_id);
    assert.equal(job.status, "SUCCEEDED", JSON.stringify(job));
    assert.equal(job.result.issues, 1);
    assert.equal((await jobs.find(orphan.job_id))?.attempts, 2);

    // One that died on its last allowed start is FAILED, saying why; its run too.
    const run2 = (await ok(h, "POST", "/runs/create", { experiment_id: E })).run.info.run_id;
    const doomed = await jobs.create("invoke_issue_detection", { ...params, run_id: run2 }, -1000);
    for (let i = 0; i < 3; i++) assert.ok(await jobs.claim(doomed.job_id, `dead-${i}`, -1000));
    const gone = (await pollJob(h, doomed.job_id)).job;
    assert.equal(gone.status, "FAILED");
    assert.equal(
      gone.error_message,
      "MlflowException('The job was interrupted 3 times (its server stopped while it ran); start issue detection again.')",
    );
    const r2 = (await ok(h, "GET", `/runs/get?run_id=${run2}`)).run;
    assert.equal(r2.info.status, "FAILED");
  } finally {
    await fake.close();
    await h.close();
  }
});
