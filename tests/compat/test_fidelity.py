"""Exact behaviours MLflow's own REST tests check (issue #15, "Fidelity"), through the stock client.

From MLflow's tests/tracking/test_rest_tracking.py (test_create_get_search_experiment,
test_log_param_validation, test_set_tag_validation, test_create_experiment_validation,
test_get_metric_history_bulk_interval_*) and tests/tracking/test_mlflow_artifacts.py
(test_mime_type_for_download_artifacts_api), with 3.17.2's answers where they changed.
"""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import requests
from mlflow.entities import Metric

from helpers import (  # noqa: F401 (fixtures)
    _reset_fluent_state,
    assert_error,
    client,
    experiment_id,
    rest,
    unique,
)

SERVER_CWD = Path(__file__).resolve().parents[2]  # conftest starts the server in the repo root


def test_relative_artifact_location_is_made_absolute(client):
    exp_id = client.create_experiment(unique("rel"), artifact_location="my_location")
    assert client.get_experiment(exp_id).artifact_location == str(SERVER_CWD / "my_location")


def test_log_param_and_set_tag_name_run_id_first(client, experiment_id, tracking_uri):
    run_id = client.create_run(experiment_id).info.run_id
    for path in ("/api/2.0/mlflow/runs/log-parameter", "/api/2.0/mlflow/runs/set-tag"):
        bad_both = {"run_id": 31, "key": "param", "value": 41}
        assert_error(
            rest(tracking_uri, "POST", path, bad_both),
            400,
            "INVALID_PARAMETER_VALUE",
            "Invalid value 31 for parameter 'run_id' supplied",
        )
        assert_error(
            rest(tracking_uri, "POST", path, {"run_id": run_id, "key": "p", "value": 41}),
            400,
            "INVALID_PARAMETER_VALUE",
            "Invalid value 41 for parameter 'value' supplied",
        )


def test_float_artifact_location_is_echoed_as_python_writes_it(tracking_uri):
    resp = requests.post(
        f"{tracking_uri}/api/2.0/mlflow/experiments/create",
        data=json.dumps({"name": unique("f"), "artifact_location": 9.0}),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert_error(
        resp,
        400,
        "INVALID_PARAMETER_VALUE",
        "Invalid value 9.0 for parameter 'artifact_location' supplied: "
        "Hint: Value was of type 'float'.",
    )


def test_bulk_interval_samples_as_mlflow(client, experiment_id, tracking_uri):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_batch(run_id, metrics=[Metric("m", 10.0, 1, step) for step in range(10)])
    url = f"{tracking_uri}/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval"
    resp = requests.get(url, params={"run_ids": [run_id], "metric_key": "m", "max_results": 5})
    assert resp.status_code == 200, resp.text
    assert [m["step"] for m in resp.json()["metrics"]] == [0, 2, 4, 6, 9]
    assert_error(
        requests.get(url, params={"metric_key": "m"}),
        400,
        "INVALID_PARAMETER_VALUE",
        "Missing value for required parameter 'run_ids'.",
    )


def test_artifact_content_types(client, experiment_id, tracking_uri, tmp_path):
    expected = {
        "a.txt": "text/plain",
        "b.pkl": "application/octet-stream",
        "c.png": "image/png",
        "MLmodel": "text/plain",
        "mlproject": "text/plain",
        "n.ipynb": "text/plain",
    }
    mlflow.set_tracking_uri(tracking_uri)
    with mlflow.start_run(experiment_id=experiment_id) as run:
        for name in expected:
            (tmp_path / name).write_text("x")
            mlflow.log_artifact(str(tmp_path / name))
    for name, mime in expected.items():
        resp = requests.get(
            f"{tracking_uri}/get-artifact",
            params={"run_id": run.info.run_id, "path": name},
            timeout=30,
        )
        assert resp.status_code == 200, resp.text
        assert resp.headers["Content-Type"] == mime, name
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
