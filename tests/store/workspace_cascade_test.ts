/**
 * `DELETE workspaces/<ws>?mode=CASCADE`, on every backend: a workspace filled through the HTTP API
 * (experiment with tags, runs with params, metrics and tags, logged models, traces with
 * assessments, scorers, issues, an issue-detection job, evaluation datasets, registered models with versions and
 * aliases, prompts, webhooks; grants on them, a role and a workspace-wide grant) is removed item
 * by item until the table holds exactly what it held before the workspace was filled (the
 * default workspace's same-named resources untouched). The delete is also interrupted at several
 * writes: the workspace is still there, and the same delete again finishes the job.
 *
 * @module
 */
// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import type { Hono } from "hono";
import { RoleStore } from "../../src/auth/role_store.ts";
import { UserStore } from "../../src/auth/user_store.ts";
import { setWorkspaceGrant } from "../../src/auth/workspace_permissions.ts";
import { scorerPattern } from "../../src/auth/permissions.ts";
import { MlflowError } from "../../src/errors.ts";
import type { Stores } from "../../src/store/stores.ts";
import { JobStore } from "../../src/store/jobs/job_store.ts";
import { meteringPort } from "../../src/dynamo/metering.ts";
import { emptyCost, withRequestCost } from "../../src/util/request_cost.ts";
import { withWorkspace } from "../../src/util/workspace_context.ts";
import { type TestBackend, testBackends } from "../support/backends.ts";
import { apiUrl, fullApp } from "../http/full_app.ts";
import { requestJson } from "../support/request_json.ts";
import { crashAtEachWrite, type CrashingPort, crashingPort } from "../support/crash_faults.ts";

interface Env {
  app: Hono;
  stores: Stores;
  crash: CrashingPort;
  call(
    ws: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: any }>;
}

async function withEnv(backend: TestBackend, fn: (e: Env) => Promise<void>): Promise<void> {
  let crash!: CrashingPort;
  const full = await fullApp(["--enable-workspaces"], {
    backend,
    port: (port) => meteringPort((crash = crashingPort(port)).port),
  });
  try {
    await fn({
      app: full.app,
      stores: full.stores,
      crash,
      call: (ws, method, path, body) =>
        requestJson(full.app, method, apiUrl(path), body, { "x-mlflow-workspace": ws }),
    });
  } finally {
    await full.close();
  }
}

async function ok(e: Env, ws: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await e.call(ws, method, path, body);
  assert.ok(
    res.status < 300,
    `${method} ${path} in ${ws}: ${res.status} ${JSON.stringify(res.body)}`,
  );
  return res.body;
}

/** Every item key of the table but the id counters (which only grow). */
async function tableKeys(s: Stores): Promise<string[]> {
  const out: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const res = await s.db.port.scan({
      TableName: s.db.table,
      ProjectionExpression: "pk, sk",
      ...(start ? { ExclusiveStartKey: start as any } : {}),
    });
    for (const i of res.Items ?? []) {
      if (!i.pk!.S!.startsWith("SEQ#")) out.push(`${i.pk!.S} | ${i.sk!.S}`);
    }
    start = res.LastEvaluatedKey;
  } while (start);
  return out.sort();
}

const SCORER = JSON.stringify({
  name: "safety",
  aggregations: null,
  mlflow_version: "3.17.2",
  serialization_version: 1,
  builtin_scorer_class: "Safety",
  builtin_scorer_pydantic_data: { name: "safety", required_columns: ["outputs"] },
});

/** Fills `ws` with one of everything; returns the experiment id. */
async function fill(e: Env, ws: string, tag: string): Promise<string> {
  const E = (await ok(e, ws, "POST", "/experiments/create", {
    name: "shared",
    tags: [{ key: "t", value: "v" }],
  })).experiment_id as string;
  const run = (await ok(e, ws, "POST", "/runs/create", { experiment_id: E })).run;
  const R = run.info.run_id as string;
  await ok(e, ws, "POST", "/runs/log-batch", {
    run_id: R,
    metrics: [{ key: "m", value: 1, timestamp: 1, step: 0 }, {
      key: "m",
      value: 2,
      timestamp: 2,
      step: 1,
    }],
    params: [{ key: "p", value: "v" }],
    tags: [{ key: "t", value: "x".repeat(600) }],
  });
  await ok(e, ws, "POST", "/runs/log-inputs", {
    run_id: R,
    datasets: [{
      dataset: { name: "d", digest: "abc", source_type: "local", source: "{}" },
    }],
  });
  const LM = (await ok(e, ws, "POST", "/logged-models", { experiment_id: E, name: "lm" })).model
    .info.model_id as string;
  await ok(e, ws, "POST", `/logged-models/${LM}/params`, { params: [{ key: "k", value: "v" }] });
  const T = `tr-${tag.padEnd(32, "0")}`;
  await ok(e, ws, "POST", "/3.0/traces", {
    trace: {
      trace_info: {
        trace_id: T,
        trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: E } },
        request_time: "2026-11-30T00:00:00Z",
        execution_duration: "0.010s",
        state: "OK",
        trace_metadata: { "mlflow.sourceRun": R },
      },
    },
  });
  await ok(e, ws, "POST", `/3.0/traces/${T}/assessments`, {
    assessment: {
      assessment_name: "quality",
      trace_id: T,
      source: { source_type: "HUMAN", source_id: "bob" },
      feedback: { value: 1 },
    },
  });
  await ok(e, ws, "POST", "/3.0/scorers/register", {
    experiment_id: E,
    name: "safety",
    serialized_scorer: SCORER,
  });
  await ok(e, ws, "POST", "/3.0/issues", { experiment_id: E, name: "Bad", description: "d" });
  // An issue-detection job of the workspace (MLflow's `jobs` table is a workspace root table).
  await withWorkspace(
    ws,
    () => new JobStore(e.stores.db).create("invoke_issue_detection", { experiment_id: E }, 60_000),
  );
  const D = (await ok(e, ws, "POST", "/3.0/datasets/create", {
    name: "ds",
    experiment_ids: [E],
  })).dataset.dataset_id as string;
  await ok(e, ws, "POST", "/3.0/datasets/" + D + "/records", {
    records: JSON.stringify([{ inputs: { q: "a" }, expectations: { a: "b" } }]),
  });
  await ok(e, ws, "POST", "/registered-models/create", {
    name: "m",
    tags: [{ key: "k", value: "v" }],
  });
  await ok(e, ws, "POST", "/model-versions/create", { name: "m", source: "s3://b/m", run_id: R });
  await ok(e, ws, "POST", "/registered-models/alias", { name: "m", alias: "champ", version: "1" });
  await ok(e, ws, "POST", "/registered-models/create", {
    name: "p",
    tags: [{ key: "mlflow.prompt.is_prompt", value: "true" }],
  });
  await ok(e, ws, "POST", "/webhooks", {
    name: "hook",
    url: "https://93.184.215.14/hook",
    events: [{ entity: "MODEL_VERSION", action: "CREATED" }],
  });
  const users = new UserStore(e.stores.db);
  await withWorkspace(ws, async () => {
    await users.grant("alice", "experiment", E, "READ");
    await users.grant("alice", "registered_model", "m", "EDIT");
    await users.grant("alice", "prompt", "p", "READ");
    await users.grant("alice", "scorer", scorerPattern(E, "safety"), "READ");
  });
  await setWorkspaceGrant(users, "alice", ws, "USE");
  const roles = new RoleStore(e.stores.db);
  const role = await roles.createRole(`readers-${tag}`, ws, null);
  await roles.addPermission(role.id, "experiment", "*", "READ");
  const alice = await users.getUser("alice");
  await roles.assign({ id: alice.id, username: "alice" }, role.id);
  return E;
}

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] CASCADE delete removes everything of the workspace and nothing else; an interrupted one is finished by a re-run`, async () => {
    await withEnv(backend, async (e) => {
      await new UserStore(e.stores.db).createUser("alice", "a-long-password-1234");
      const E0 = await fill(e, "default", "d");
      const before = await tableKeys(e.stores);

      // A whole cascade first (counting its writes), then one crashing at several of its writes
      // (the first, the middle, the last: the workspace item); each time the workspace stays, and
      // the same delete again finishes it.
      const fillNew = async (i: number) => {
        const ws = `team-${i}`;
        await ok(e, "default", "POST", "/3.0/workspaces", { name: ws });
        await fill(e, ws, `w${i}`);
        const filled = await tableKeys(e.stores);
        assert.ok(filled.length > before.length + 30, `${filled.length} vs ${before.length}`);
        return { ws, items: filled.length - before.length };
      };
      const assertGone = async (ws: string, label: string) => {
        assert.deepEqual(await tableKeys(e.stores), before, label);
        await assert.rejects(
          () => e.stores.workspaces.get(ws),
          (err: unknown) => err instanceof MlflowError && err.code === "RESOURCE_DOES_NOT_EXIST",
        );
      };

      const { ws: ws0, items } = await fillNew(0);
      // The cost of a whole cascade, as DynamoDB bills it (the engine meters like DynamoDB).
      const cost = emptyCost();
      e.crash.arm(Infinity); // counts the cascade's writes
      await withRequestCost(cost, () => e.stores.workspaces.delete(ws0, "CASCADE"));
      const total = e.crash.writes;
      console.log(
        `[${backend.name}] CASCADE of ${items} items: ${cost.calls} calls, ` +
          `${cost.rcu} RCU, ${cost.wcu} WCU, ${total} write calls`,
      );
      assert.ok(cost.wcu <= 3 * items, `${cost.wcu} WCU for ${items} items`);
      assert.ok(total < items, `${total} write calls for ${items} items (batched)`);
      await assertGone(ws0, "whole cascade");

      const at = [1, Math.ceil(total / 3), Math.ceil((2 * total) / 3), total];
      let filled = 0;
      let ws = "";
      const crashed = await crashAtEachWrite(e.crash, {
        at,
        before: async () => (ws = (await fillNew(++filled)).ws),
        operation: () => e.stores.workspaces.delete(ws, "CASCADE"),
        afterCrash: async (k) => {
          assert.equal((await e.stores.workspaces.get(ws)).name, ws, "still there after a crash");
          assert.notDeepEqual(await tableKeys(e.stores), before);
          const res = await e.call("default", "DELETE", `/3.0/workspaces/${ws}?mode=CASCADE`);
          assert.equal(res.status, 204, JSON.stringify(res.body));
          await assertGone(ws, `crash at ${k} of ${total}`);
        },
      });
      assert.deepEqual(crashed, at);
      assert.ok(total > 20, `${total} writes`);
      // The default workspace's namesakes are untouched.
      const got = await ok(e, "default", "GET", `/experiments/get-by-name?experiment_name=shared`);
      assert.equal(got.experiment.experiment_id, E0);
      assert.equal((await e.call("default", "GET", "/registered-models/get?name=m")).status, 200);
    });
  });
}
