/**
 * Trace search by issue (`issue.id = '<issue id>'`), as MLflow 3.17.2's SQL store answers it:
 * the traces holding an `issue` assessment named by the id (`IssueReference`, whatever its
 * validity), only `id` and only `=`, with `SearchTraceUtils`' messages; an issue reference is not
 * a feedback (`feedback.<issue id>` does not match it).
 */
import assert from "node:assert/strict";
import { type FullApp, fullApp } from "./full_app.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

async function ok(s: FullApp, method: string, path: string, body?: unknown): Promise<Any> {
  const r = await s.call(method, path, body);
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

Deno.test("traces/search: issue.id finds the traces referring to the issue", async () => {
  const s = await fullApp();
  try {
    const E = (await ok(s, "POST", "/experiments/create", { name: "issue-filter" })).experiment_id;
    const trace = async (n: number) => {
      const id = `tr-${String(n).padStart(32, "0")}`;
      await ok(s, "POST", "/3.0/traces", {
        trace: {
          trace_info: {
            trace_id: id,
            trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: E } },
            request_time: `2026-11-30T00:00:0${n}Z`,
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
    const [t1, t2, t3] = [await trace(1), await trace(2), await trace(3)];
    await refer(t1, "iss-a");
    await refer(t2, "iss-a");
    await refer(t2, "iss-b");
    // A feedback named like the issue is not a reference to it.
    await ok(s, "POST", `/3.0/traces/${t3}/assessments`, {
      assessment: {
        assessment_name: "iss-a",
        trace_id: t3,
        source: { source_type: "HUMAN", source_id: "me" },
        feedback: { value: "yes" },
      },
    });

    const search = (filter: string) =>
      s.call("POST", "/3.0/traces/search", {
        locations: [{ type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: E } }],
        filter,
      });
    const ids = async (filter: string) => {
      const r = await search(filter);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return ((r.body as Any).traces ?? []).map((t: Any) => t.trace_id).sort();
    };
    assert.deepEqual(await ids("issue.id = 'iss-a'"), [t1, t2]);
    assert.deepEqual(await ids(`issue.id = "iss-b"`), [t2]);
    assert.deepEqual(await ids("issue.id = 'iss-a' AND issue.id = 'iss-b'"), [t2]);
    assert.deepEqual(await ids("issue.id = 'iss-a' AND trace.timestamp_ms > 0"), [t1, t2]);
    assert.deepEqual(await ids("issue.id = 'none'"), []);
    assert.deepEqual(await ids("feedback.`iss-a` = 'yes'"), [t3]);
    assert.deepEqual(await ids("feedback.`iss-b` IS NOT NULL"), []);

    const refused = async (filter: string, message: string) => {
      const r = await search(filter);
      assert.equal(r.status, 400, `${filter}: ${JSON.stringify(r.body)}`);
      assert.equal((r.body as Any).error_code, "INVALID_PARAMETER_VALUE");
      assert.equal((r.body as Any).message, message);
    };
    await refused("issue.id != 'iss-a'", "issue.id comparator '!=' not one of '{'='}'");
    await refused("issue.id LIKE 'iss%'", "issue.id comparator 'LIKE' not one of '{'='}'");
    await refused("issue.id IS NULL", "issue.id comparator 'IS NULL' not one of '{'='}'");
    await refused("issue.name2 = 'x'", "Invalid issue attribute 'name2'. Supported attributes: id");
    await refused(
      "issue.id = 5",
      "Expected a quoted string value for issue (e.g. 'my-value'). Got value 5",
    );
  } finally {
    await s.close();
  }
});
