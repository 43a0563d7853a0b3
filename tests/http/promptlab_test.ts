/**
 * `ajax-api/2.0/mlflow/runs/create-promptlab-run` records a run as MLflow 3.17.2's
 * `_create_promptlab_run_impl` does (reference files: the same request against MLflow's
 * implementation on SQLite), with the UI's payload.
 */
import assert from "node:assert/strict";
import { type FullApp, fullApp } from "./full_app.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

const PATH = "/ajax-api/2.0/mlflow/runs/create-promptlab-run";

async function post(s: FullApp, body: unknown, contentType = "application/json") {
  const res = await s.app.request(PATH, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": contentType },
  });
  return { status: res.status, body: await res.json() as Any };
}

async function artifact(s: FullApp, runId: string, path: string): Promise<string> {
  const res = await s.app.request(`/get-artifact?run_id=${runId}&path=${path}`);
  assert.equal(res.status, 200, path);
  return await res.text();
}

/** What the UI sends (`createPromptLabRun` in MLflow's web app). */
const uiPayload = (experimentId: string) => ({
  experiment_id: experimentId,
  run_name: "my-run",
  tags: [],
  prompt_template: "Write about {{ topic }} in {{ style }}",
  prompt_parameters: [{ key: "topic", value: "cats" }, { key: "style", value: "haiku" }],
  model_route: "chat-route",
  model_parameters: [{ key: "temperature", value: 0.5 }, { key: "max_tokens", value: 100 }],
  model_input: "Write about cats in haiku",
  model_output: "Soft paws",
  model_output_parameters: [{ key: "latency", value: 12 }],
  mlflow_version: "2.7.1",
  user_id: "alice",
  start_time: 1700000000000,
});

Deno.test("create-promptlab-run records params, tags, the model and the eval table", async () => {
  const s = await fullApp();
  try {
    const E = (await s.call("POST", "/experiments/create", { name: "pl" }).then((r) =>
      r.body as Any
    ))
      .experiment_id;
    const { status, body } = await post(s, uiPayload(E));
    assert.equal(status, 200, JSON.stringify(body));
    const run = body.run;
    const runId = run.info.run_id;
    assert.equal(run.info.status, "FINISHED");
    assert.equal(run.info.run_name, "my-run");
    assert.equal(run.info.user_id, "alice");
    assert.equal(Number(run.info.start_time), 1700000000000);
    assert.ok(Number(run.info.end_time) >= Date.now() - 60_000);
    const params = Object.fromEntries(run.data.params.map((p: Any) => [p.key, p.value]));
    assert.deepEqual(params, {
      temperature: "0.5",
      max_tokens: "100",
      model_route: "chat-route",
      prompt_template: "Write about {{ topic }} in {{ style }}",
    });
    const tags = Object.fromEntries(run.data.tags.map((t: Any) => [t.key, t.value]));
    assert.equal(tags["mlflow.runName"], "my-run");
    assert.equal(
      tags["mlflow.loggedArtifacts"],
      '[{"path": "eval_results_table.json", "type": "table"}]',
    );
    assert.equal(tags["mlflow.runSourceType"], "PROMPT_ENGINEERING");
    const history = JSON.parse(tags["mlflow.log-model.history"]);
    assert.equal(history.length, 1);
    assert.deepEqual(Object.keys(history[0]), [
      "run_id",
      "artifact_path",
      "utc_time_created",
      "model_uuid",
      "flavors",
    ]);
    assert.equal(history[0].run_id, runId);
    assert.equal(history[0].artifact_path, "model");
    assert.match(history[0].utc_time_created, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    assert.deepEqual(history[0].flavors, {});

    assert.equal(
      await artifact(s, runId, "eval_results_table.json"),
      '{"columns": ["topic", "style", "prompt", "output", "latency"], "data": [["cats", "haiku", "Write about cats in haiku", "Soft paws", "12"]]}',
    );
    assert.equal(
      await artifact(s, runId, "model/parameters.yaml"),
      'model_parameters:\n  "max_tokens": "100"\n  "temperature": "0.5"\nmodel_route: "chat-route"\n' +
        'prompt_parameters:\n  "style": "haiku"\n  "topic": "cats"\n' +
        'prompt_template: "Write about {{ topic }} in {{ style }}"\n',
    );
    const mlmodel = await artifact(s, runId, "model/MLmodel");
    assert.ok(mlmodel.includes(`run_id: ${runId}\n`));
    assert.ok(mlmodel.includes(`model_uuid: ${history[0].model_uuid}\n`));
    assert.ok(mlmodel.includes(`utc_time_created: '${history[0].utc_time_created}'\n`));
    assert.ok(mlmodel.includes("    loader_module: mlflow.prompt.promptlab_model\n"));
    assert.ok(mlmodel.includes(
      `  inputs: "[{\\"type\\": \\"string\\", \\"name\\": \\"topic\\", \\"required\\": true}, {\\"type\\": \\"string\\", \\"name\\": \\"style\\", \\"required\\": true}]"\n`,
    ));
    assert.equal(
      await artifact(s, runId, "model/input_example.json"),
      '{"inputs": ["cats", "haiku"]}',
    );
    assert.equal(
      await artifact(s, runId, "model/serving_input_example.json"),
      '{\n  "inputs": {\n    "inputs": [\n      "cats",\n      "haiku"\n    ]\n  }\n}',
    );
    assert.equal(await artifact(s, runId, "model/requirements.txt"), "mlflow[gateway]==3.17.2");
    for (const f of ["model/conda.yaml", "model/python_env.yaml"]) {
      assert.ok(
        (await artifact(s, runId, f)).includes("mlflow[gateway]==3.17.2") ||
          f.endsWith("python_env.yaml"),
      );
    }
  } finally {
    await s.close();
  }
});

Deno.test("create-promptlab-run refuses a request missing a field, with MLflow's message", async () => {
  const s = await fullApp();
  try {
    const full = uiPayload("0");
    for (
      const field of [
        "experiment_id",
        "prompt_template",
        "prompt_parameters",
        "model_route",
        "model_input",
        "mlflow_version",
      ]
    ) {
      const { status, body } = await post(s, { ...full, [field]: undefined });
      assert.equal(status, 400, field);
      assert.equal(body.error_code, "INVALID_PARAMETER_VALUE");
      assert.equal(body.message, `CreatePromptlabRun request must specify ${field}.`);
    }
    const empty = await post(s, { ...full, prompt_parameters: [] });
    assert.equal(empty.body.message, "CreatePromptlabRun request must specify prompt_parameters.");
    const type = await post(s, full, "text/plain");
    assert.equal(type.status, 400);
    const unknown = await post(s, { ...full, experiment_id: "424242" });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error_code, "RESOURCE_DOES_NOT_EXIST");
    // Nothing was created by the refused requests.
    const runs = await s.call("POST", "/runs/search", { experiment_ids: ["0"] });
    assert.deepEqual(runs.body, {});
  } finally {
    await s.close();
  }
});

Deno.test("create-promptlab-run marks the run FAILED when its params cannot be logged", async () => {
  const s = await fullApp();
  try {
    // A model parameter named model_route collides with the run's own model_route param.
    const { status, body } = await post(s, {
      ...uiPayload("0"),
      model_parameters: [{ key: "model_route", value: "other" }],
    });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.run.info.status, "FAILED");
  } finally {
    await s.close();
  }
});
