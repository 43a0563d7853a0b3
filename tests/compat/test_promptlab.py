"""Prompt-lab runs (the UI's ``create-promptlab-run``): the stock client reads the run, its logged
model (``Model.load``) and files as MLflow 3.17.2's ``_create_promptlab_run_impl`` writes them."""

from __future__ import annotations

import json

import mlflow
import requests
import yaml
from mlflow.models import Model

from helpers import client, experiment_id  # noqa: F401 (fixtures)


def test_promptlab_run_as_mlflow_records_it(client, experiment_id, tracking_uri, tmp_path):
    resp = requests.post(
        f"{tracking_uri}/ajax-api/2.0/mlflow/runs/create-promptlab-run",
        json={
            "experiment_id": experiment_id,
            "run_name": "pl",
            "tags": [],
            "prompt_template": "Tell me about {{ topic }}",
            "prompt_parameters": [{"key": "topic", "value": "née: \"x\"\n"}],
            "model_route": "chat",
            "model_parameters": [{"key": "temperature", "value": 0.25}],
            "model_input": "Tell me about cats",
            "model_output": "Cats are",
            "model_output_parameters": [{"key": "latency", "value": 7}],
            "mlflow_version": "2.7.1",
        },
        timeout=60,
    )
    assert resp.status_code == 200, resp.text
    run_id = resp.json()["run"]["info"]["run_id"]
    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.info.user_id == "unknown"
    assert run.data.params == {
        "temperature": "0.25",
        "model_route": "chat",
        "prompt_template": "Tell me about {{ topic }}",
    }
    assert run.data.tags["mlflow.runSourceType"] == "PROMPT_ENGINEERING"

    mlflow.set_tracking_uri(tracking_uri)
    local = mlflow.artifacts.download_artifacts(run_id=run_id, dst_path=str(tmp_path))
    model = Model.load(f"{local}/model")
    assert model.run_id == run_id
    assert model.flavors["python_function"]["loader_module"] == "mlflow.prompt.promptlab_model"
    assert [c["name"] for c in model.signature.inputs.to_dict()] == ["topic"]
    with open(f"{local}/model/parameters.yaml") as f:
        assert yaml.safe_load(f) == {
            "model_parameters": {"temperature": "0.25"},
            "model_route": "chat",
            "prompt_parameters": {"topic": "née: \"x\"\n"},
            "prompt_template": "Tell me about {{ topic }}",
        }
    with open(f"{local}/eval_results_table.json") as f:
        assert json.load(f) == {
            "columns": ["topic", "prompt", "output", "latency"],
            "data": [["née: \"x\"\n", "Tell me about cats", "Cats are", "7"]],
        }
    history = json.loads(run.data.tags["mlflow.log-model.history"])
    assert history[0]["model_uuid"] == model.model_uuid
