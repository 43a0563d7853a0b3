"""Seeds two workspaces through the stock MLflow client for the browser tier's workspace pages.

Run with MLFLOW_TRACKING_URI pointing at a server started with `--enable-workspaces` (and, with
basic-auth on, MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD of the admin). Both workspaces
hold an experiment of the same name with a run (params, a metric history, a text artifact) and a
registered model of the same name; the second one also holds a traced experiment. Prints one
JSON line with the ids the browser test needs (the last line of stdout).

Arguments: the two workspace names, then optionally a viewer's user name and password (basic-auth
on): that user is created and granted READ on the second workspace's shared experiment only.
"""

import json
import os
import sys

import mlflow
from mlflow import MlflowClient
from mlflow.entities import SpanType

SHARED_EXP = "ws-shared-exp"
SHARED_MODEL = "ws-model"


def seed_workspace(client, name, marker):
    """One experiment with a run, a model version from it; `marker` tells the workspaces apart."""
    mlflow.set_workspace(name)
    exp = mlflow.set_experiment(SHARED_EXP).experiment_id
    with mlflow.start_run(run_name=f"{marker}-run") as run:
        mlflow.log_param("workspace_marker", marker)
        for step in range(20):
            mlflow.log_metric("loss", round(1.0 / (step + 1), 6), step=step)
        mlflow.log_text(f"artifact of {marker}", "notes/where.txt")
        mlflow.log_text("artifact_path: model\nflavors: {}\n", "model/MLmodel")
    client.create_registered_model(SHARED_MODEL, description=f"model of {marker}")
    # The run's own artifact URI: `mlflow server` cannot serve a `runs:/` source's files either.
    client.create_model_version(SHARED_MODEL, f"{run.info.artifact_uri}/model", run.info.run_id)
    mlflow.set_experiment(f"only-in-{marker}")
    return {"exp": exp, "run": run.info.run_id}


@mlflow.trace(name="ws_answer", span_type=SpanType.CHAIN)
def ws_answer(question):
    with mlflow.start_span(name="ws_llm", span_type=SpanType.LLM) as span:
        span.set_inputs({"question": question})
        span.set_outputs({"answer": "forty-two"})
    return "forty-two"


def grant_viewer(username, password, workspace, experiment_id):
    """The auth REST API of MLflow 3.17.2 (`AuthServiceClient` needs the full `mlflow` package)."""
    import requests

    uri = mlflow.get_tracking_uri()
    admin = (os.environ["MLFLOW_TRACKING_USERNAME"], os.environ["MLFLOW_TRACKING_PASSWORD"])
    calls = [
        ("/api/2.0/mlflow/users/create", {"username": username, "password": password}),
        (
            "/api/3.0/mlflow/users/permissions/grant",
            {
                "username": username,
                "resource_type": "experiment",
                "resource_id": experiment_id,
                "permission": "READ",
            },
        ),
    ]
    for path, body in calls:
        res = requests.post(
            uri + path, json=body, auth=admin, headers={"X-MLFLOW-WORKSPACE": workspace}
        )
        res.raise_for_status()


def main():
    client = MlflowClient()
    a, b = sys.argv[1], sys.argv[2]
    for ws in (a, b):
        mlflow.create_workspace(ws, description=f"browser tier {ws}")
    seeded_a = seed_workspace(client, a, "alpha")
    seeded_b = seed_workspace(client, b, "bravo")
    mlflow.set_workspace(b)
    traces = mlflow.set_experiment("ws-traces").experiment_id
    ws_answer("What is the answer in workspace B?")
    mlflow.flush_trace_async_logging()
    trace_id = mlflow.get_last_active_trace_id()
    if len(sys.argv) > 4:
        grant_viewer(sys.argv[3], sys.argv[4], b, seeded_b["exp"])
    print(
        json.dumps({
            "ws_a": a,
            "ws_b": b,
            "exp_a": seeded_a["exp"],
            "run_a": seeded_a["run"],
            "exp_b": seeded_b["exp"],
            "run_b": seeded_b["run"],
            "exp_traces_b": traces,
            "trace_b": trace_id,
        })
    )


if __name__ == "__main__":
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    main()
