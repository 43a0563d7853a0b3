/**
 * GenAI issues over HTTP (`/api/3.0/mlflow/issues...`): MLflow 3.17.2's request checks and
 * messages, defaults, updates, search order, filters, pages and trace counts from issue
 * references (`issue` assessments), with the payloads MLflow's client sends.
 */
import assert from "node:assert/strict";
import { type FullApp, fullApp } from "./full_app.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

async function withApp(fn: (s: FullApp) => Promise<void>) {
  const s = await fullApp();
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

async function ok(s: FullApp, method: string, path: string, body?: unknown): Promise<Any> {
  const r = await s.call(method, path, body);
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function refused(
  s: FullApp,
  method: string,
  path: string,
  body: unknown,
  status: number,
  code: string,
  message: string,
) {
  const r = await s.call(method, path, body);
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal((r.body as Any).error_code, code);
  assert.ok((r.body as Any).message.includes(message), (r.body as Any).message);
}

async function newExperiment(s: FullApp, name: string): Promise<string> {
  return (await ok(s, "POST", "/experiments/create", { name })).experiment_id;
}

Deno.test("issues/create checks name, description, experiment_id in MLflow's order", async () => {
  await withApp(async (s) => {
    const E = await newExperiment(s, "issues-checks");
    const missing = (f: string) => `Missing value for required parameter '${f}'.`;
    const I = "INVALID_PARAMETER_VALUE";
    await refused(s, "POST", "/3.0/issues", {}, 400, I, missing("name"));
    await refused(s, "POST", "/3.0/issues", { name: "n" }, 400, I, missing("description"));
    await refused(
      s,
      "POST",
      "/3.0/issues",
      { name: "n", description: "" },
      400,
      I,
      missing("description"),
    );
    await refused(
      s,
      "POST",
      "/3.0/issues",
      { name: "n", description: "d" },
      400,
      I,
      missing("experiment_id"),
    );
    await refused(
      s,
      "POST",
      "/3.0/issues",
      { name: 5, description: "d", experiment_id: E },
      400,
      I,
      "Invalid value 5 for parameter 'name'",
    );
    const base = { name: "n", description: "d" };
    await refused(
      s,
      "POST",
      "/3.0/issues",
      { ...base, experiment_id: "999" },
      404,
      "RESOURCE_DOES_NOT_EXIST",
      "No Experiment with id=999 exists",
    );
    await refused(
      s,
      "POST",
      "/3.0/issues",
      { ...base, experiment_id: "abc" },
      400,
      I,
      "Invalid experiment ID 'abc'",
    );
    await refused(
      s,
      "POST",
      "/3.0/issues",
      { ...base, experiment_id: E, status: "open" },
      400,
      I,
      "'open' is not a valid IssueStatus",
    );
    await refused(
      s,
      "POST",
      "/3.0/issues",
      { ...base, experiment_id: E, severity: "huge" },
      400,
      I,
      "'huge' is not a valid IssueSeverity",
    );
    const D = await newExperiment(s, "issues-deleted");
    await ok(s, "POST", "/experiments/delete", { experiment_id: D });
    await refused(
      s,
      "POST",
      "/3.0/issues",
      { ...base, experiment_id: D },
      404,
      "RESOURCE_DOES_NOT_EXIST",
      `No Experiment with id=${D} exists`,
    );
    const search = await ok(s, "POST", "/3.0/issues/search", { experiment_id: E });
    assert.deepEqual(search, { next_page_token: "" }, "nothing was written");
  });
});

Deno.test("issues: create, get and update answer MLflow's Issue message", async () => {
  await withApp(async (s) => {
    const E = await newExperiment(s, "issues-crud");
    const R = (await ok(s, "POST", "/runs/create", { experiment_id: E })).run.info.run_id;
    const before = Date.now();
    const created = (await ok(s, "POST", "/3.0/issues", {
      experiment_id: E,
      name: "Hallucination",
      description: "Answers cite documents that do not exist",
      severity: "high",
      root_causes: ["retriever returns nothing", "prompt asks for citations"],
      source_run_id: R,
      categories: ["correctness"],
      created_by: "detector",
    })).issue;
    assert.match(created.issue_id, /^iss-[0-9a-f]{32}$/);
    assert.deepEqual(
      { ...created, issue_id: "", created_timestamp: 0, last_updated_timestamp: 0 },
      {
        issue_id: "",
        experiment_id: E,
        name: "Hallucination",
        description: "Answers cite documents that do not exist",
        status: "pending",
        severity: "high",
        root_causes: ["retriever returns nothing", "prompt asks for citations"],
        source_run_id: R,
        created_timestamp: 0,
        last_updated_timestamp: 0,
        created_by: "detector",
        categories: ["correctness"],
      },
    );
    assert.ok(created.created_timestamp >= before);
    assert.equal(created.last_updated_timestamp, created.created_timestamp);
    for (const prefix of ["/3.0", "/3.0"]) {
      const got = (await ok(s, "GET", `${prefix}/issues/${created.issue_id}`)).issue;
      assert.deepEqual(got, created);
    }
    const viaAjax = await s.app.request(`/ajax-api/3.0/mlflow/issues/${created.issue_id}`);
    assert.deepEqual((await viaAjax.json()).issue, created);

    const minimal = (await ok(s, "POST", "/3.0/issues", {
      experiment_id: E,
      name: "Slow",
      description: "d",
      root_causes: [],
      source_run_id: "",
    })).issue;
    assert.deepEqual(Object.keys(minimal).sort(), [
      "created_timestamp",
      "description",
      "experiment_id",
      "issue_id",
      "last_updated_timestamp",
      "name",
      "status",
    ]);

    const path = `/3.0/issues/${created.issue_id}`;
    await refused(
      s,
      "PATCH",
      path,
      { status: "resolved" },
      400,
      "INVALID_PARAMETER_VALUE",
      "Missing value for required parameter 'issue_id'.",
    );
    await refused(
      s,
      "PATCH",
      path,
      { issue_id: created.issue_id, status: "done" },
      400,
      "INVALID_PARAMETER_VALUE",
      "'done' is not a valid IssueStatus",
    );
    const updated = (await ok(s, "PATCH", path, {
      issue_id: created.issue_id,
      status: "resolved",
      severity: "low",
      name: "",
    })).issue;
    assert.equal(updated.status, "resolved");
    assert.equal(updated.severity, "low");
    assert.equal(updated.name, "Hallucination", "an empty name changes nothing");
    assert.equal(updated.description, created.description);
    assert.ok(updated.last_updated_timestamp >= created.last_updated_timestamp);
    assert.deepEqual((await ok(s, "GET", path)).issue, updated);
    const renamed = (await ok(s, "PATCH", path, { issue_id: "x", name: "Made-up sources" })).issue;
    assert.equal(renamed.name, "Made-up sources");
    assert.equal(renamed.status, "resolved");

    await refused(
      s,
      "GET",
      "/3.0/issues/iss-nope",
      undefined,
      404,
      "RESOURCE_DOES_NOT_EXIST",
      "Issue with ID 'iss-nope' not found",
    );
    await refused(
      s,
      "PATCH",
      "/3.0/issues/iss-nope",
      { issue_id: "iss-nope", status: "resolved" },
      404,
      "RESOURCE_DOES_NOT_EXIST",
      "Issue with ID 'iss-nope' not found",
    );
    const long = "x".repeat(3000);
    await refused(
      s,
      "GET",
      `/3.0/issues/${long}`,
      undefined,
      404,
      "RESOURCE_DOES_NOT_EXIST",
      "not found",
    );
  });
});

Deno.test("issues/search: by experiment and status, MLflow's order, pages, trace counts", async () => {
  await withApp(async (s) => {
    const E = await newExperiment(s, "issues-search");
    const other = await newExperiment(s, "issues-other");
    const make = async (name: string, extra: Record<string, unknown> = {}, exp = E) => {
      const issue = (await ok(s, "POST", "/3.0/issues", {
        experiment_id: exp,
        name,
        description: "d",
        ...extra,
      })).issue;
      await new Promise((r) => setTimeout(r, 2)); // distinct creation times
      return issue.issue_id as string;
    };
    const low = await make("low", { severity: "low" });
    const none1 = await make("none-1");
    const high = await make("high", { severity: "high", source_run_id: "run-a" });
    const none2 = await make("none-2", { status: "resolved" });
    const high2 = await make("high-2", { severity: "high" });
    const elsewhere = await make("elsewhere", {}, other);

    const names = async (body: Record<string, unknown>) => {
      const res = await ok(s, "POST", "/3.0/issues/search", body);
      return [(res.issues ?? []).map((i: Any) => i.issue_id), res.next_page_token];
    };
    // Severity high → low → unset, then newest first.
    assert.deepEqual((await names({ experiment_id: E }))[0], [high2, high, low, none2, none1]);
    assert.deepEqual(
      (await names({ experiment_id: E, filter_string: "status = 'pending'" }))[0],
      [high2, high, low, none1],
    );
    assert.deepEqual(
      (await names({ experiment_id: E, filter_string: "status != 'pending'" }))[0],
      [none2],
    );
    assert.deepEqual(
      (await names({
        experiment_id: E,
        filter_string: `source_run_id = "run-a" AND status = 'pending'`,
      }))[0],
      [high],
    );
    // Without an experiment: every issue.
    assert.ok((await names({}))[0].includes(elsewhere));
    assert.deepEqual((await names({ experiment_id: other }))[0], [elsewhere]);

    // Pages of two, with MLflow's offset token.
    const [p1, t1] = await names({ experiment_id: E, max_results: 2 });
    assert.deepEqual(p1, [high2, high]);
    assert.equal(atob(t1), '{"offset": 2}');
    const [p2, t2] = await names({ experiment_id: E, max_results: 2, page_token: t1 });
    assert.deepEqual(p2, [low, none2]);
    const [p3, t3] = await names({ experiment_id: E, max_results: 2, page_token: t2 });
    assert.deepEqual([p3, t3], [[none1], ""], "the last page has an empty token, as MLflow");

    const I = "INVALID_PARAMETER_VALUE";
    await refused(
      s,
      "POST",
      "/3.0/issues/search",
      { experiment_id: E, filter_string: "name = 'x'" },
      400,
      I,
      "Invalid filter field 'name'. Supported fields: {'status', 'source_run_id'}",
    );
    await refused(
      s,
      "POST",
      "/3.0/issues/search",
      { experiment_id: E, filter_string: "status LIKE 'x'" },
      400,
      I,
      "Invalid comparator 'LIKE'",
    );
    await refused(
      s,
      "POST",
      "/3.0/issues/search",
      { experiment_id: E, filter_string: "status = 'x' OR status = 'y'" },
      400,
      I,
      "Invalid clause(s) in filter string",
    );
    await refused(
      s,
      "POST",
      "/3.0/issues/search",
      { experiment_id: E, max_results: 0 },
      400,
      I,
      "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer",
    );
    await refused(
      s,
      "POST",
      "/3.0/issues/search",
      { experiment_id: E, max_results: 50001 },
      400,
      I,
      "It must be at most 50000",
    );
    await refused(
      s,
      "POST",
      "/3.0/issues/search",
      { experiment_id: E, page_token: "!!" },
      400,
      I,
      "Invalid page token",
    );

    // Trace counts: traces refer to an issue through `issue` assessments (mlflow.log_issue).
    const trace = async (n: number) => {
      const id = `tr-${String(n).padStart(32, "0")}`;
      await ok(s, "POST", "/3.0/traces", {
        trace: {
          trace_info: {
            trace_id: id,
            trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: E } },
            request_time: "2026-11-30T00:00:00Z",
            execution_duration: "0.010s",
            state: "OK",
          },
        },
      });
      return id;
    };
    const refer = (traceId: string, issueId: string) =>
      ok(s, "POST", `/3.0/traces/${traceId}/assessments`, {
        assessment: {
          assessment_name: issueId,
          trace_id: traceId,
          source: { source_type: "LLM_JUDGE", source_id: "detector" },
          issue: { issue_name: "x" },
        },
      });
    const [t1x, t2x, t3x] = [await trace(1), await trace(2), await trace(3)];
    await refer(t1x, low);
    await refer(t2x, low);
    const twice = (await refer(t2x, low)).assessment; // the same trace twice counts once
    assert.deepEqual(twice.issue, { issue_name: "x" });
    await refer(t3x, high);
    await refer(t1x, none1);
    const counted = await ok(s, "POST", "/3.0/issues/search", {
      experiment_id: E,
      include_trace_count: true,
    });
    assert.deepEqual(
      counted.issues.map((i: Any) => [i.issue_id, i.trace_count]),
      // Severity first, then the trace count, then newest first.
      [[high, 1], [high2, 0], [low, 2], [none1, 1], [none2, 0]],
    );
    // A deleted trace no longer counts.
    await ok(s, "POST", "/3.0/traces/delete-traces", { experiment_id: E, request_ids: [t2x] });
    const after = await ok(s, "POST", "/3.0/issues/search", {
      experiment_id: E,
      include_trace_count: true,
      filter_string: "status = 'pending'",
    });
    assert.deepEqual(
      after.issues.map((i: Any) => [i.name, i.trace_count]),
      [["high", 1], ["high-2", 0], ["low", 1], ["none-1", 1]],
    );
    // Without include_trace_count the field is absent.
    const plain = await ok(s, "POST", "/3.0/issues/search", { experiment_id: E });
    assert.equal(plain.issues[0].trace_count, undefined);
  });
});

Deno.test("issues: the web UI's own requests (ajax search by run, PATCH with issue_id)", async () => {
  await withApp(async (s) => {
    const E = await newExperiment(s, "issues-ui");
    const issue = (await ok(s, "POST", "/3.0/issues", {
      experiment_id: E,
      name: "Tone",
      description: "Rude answers",
      source_run_id: "run-ui",
    })).issue;
    await ok(s, "POST", "/3.0/issues", { experiment_id: E, name: "Other", description: "d" });
    const ajax = async (method: string, path: string, body: unknown) => {
      const res = await s.app.request(`/ajax-api/3.0/mlflow${path}`, {
        method,
        body: JSON.stringify(body),
        headers: { "content-type": "application/json" },
      });
      assert.equal(res.status, 200);
      return await res.json() as Any;
    };
    // The run's "Issues" tab (useSearchIssues): source_run_id, optional status, counts.
    const found = await ajax("POST", "/issues/search", {
      experiment_id: E,
      filter_string: "source_run_id = 'run-ui' AND status = 'pending'",
      include_trace_count: true,
    });
    assert.deepEqual(found.issues.map((i: Any) => [i.name, i.trace_count]), [["Tone", 0]]);
    // The issue card's edit (updateIssue): PATCH with issue_id in the body.
    const patched = await ajax("PATCH", `/issues/${issue.issue_id}`, {
      issue_id: issue.issue_id,
      description: "Curt answers",
      severity: "medium",
    });
    assert.equal(patched.issue.description, "Curt answers");
    assert.equal(patched.issue.severity, "medium");
  });
});

Deno.test("issues: a description too large for one item is a 400, nothing stored", async () => {
  await withApp(async (s) => {
    const E = await newExperiment(s, "issues-big");
    await refused(
      s,
      "POST",
      "/3.0/issues",
      { experiment_id: E, name: "n", description: "x".repeat(400_000) },
      400,
      "INVALID_PARAMETER_VALUE",
      "too large",
    );
    assert.deepEqual(await ok(s, "POST", "/3.0/issues/search", { experiment_id: E }), {
      next_page_token: "",
    });
    const issue = (await ok(s, "POST", "/3.0/issues", {
      experiment_id: E,
      name: "n",
      description: "d",
    })).issue;
    await refused(
      s,
      "PATCH",
      `/3.0/issues/${issue.issue_id}`,
      { issue_id: issue.issue_id, description: "y".repeat(400_000) },
      400,
      "INVALID_PARAMETER_VALUE",
      "too large",
    );
    assert.equal((await ok(s, "GET", `/3.0/issues/${issue.issue_id}`)).issue.description, "d");
  });
});
