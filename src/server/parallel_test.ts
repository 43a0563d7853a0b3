import assert from "node:assert/strict";
import { parallelPlan } from "./parallel.ts";

const dynamo = { kind: "dynamodb" as const, tableName: "t", endpoint: "http://127.0.0.1:8000" };
const base = { host: "127.0.0.1", port: 5000, backend: dynamo };

Deno.test("one worker is a plain start", () => {
  assert.deepEqual(parallelPlan({ ...base, workers: 1 }, "/usr/bin/deno"), { kind: "single" });
});

Deno.test("--workers with DynamoDB re-runs the app under deno serve --parallel", () => {
  const plan = parallelPlan({ ...base, workers: 4 }, "/opt/deno", "file:///app/serve.ts");
  if (plan.kind !== "parallel") throw new Error(`expected parallel, got ${plan.kind}`);
  assert.deepEqual(plan.workers, 4);
  assert.deepEqual(plan.command, "/opt/deno");
  assert.deepEqual(plan.args.slice(0, 6), [
    "serve",
    "--parallel",
    "--host",
    "127.0.0.1",
    "--port",
    "5000",
  ]);
  assert.deepEqual(plan.args.at(-1), "file:///app/serve.ts");
});

Deno.test("--workers on the embedded engine keeps one worker and says why", () => {
  const plan = parallelPlan(
    { ...base, workers: 2, backend: { kind: "embedded", path: "/d", tableName: "t" } },
    "/usr/bin/deno",
  );
  assert.deepEqual(plan.kind, "single");
  if (plan.kind === "single") assert.match(plan.warning ?? "", /DynamoDB backend/);
});

Deno.test("a compiled binary keeps one worker and points at deno serve", () => {
  const plan = parallelPlan({ ...base, workers: 2 }, "/usr/local/bin/mlflow-dynamodb-server");
  assert.deepEqual(plan.kind, "single");
  if (plan.kind === "single") assert.match(plan.warning ?? "", /deno serve --parallel/);
});
