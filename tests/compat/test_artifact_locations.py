"""Artifact locations with the stock client (issue #8 item 1): locations with a query, a fragment
or traversal are refused at create with INVALID_PARAMETER_VALUE, as `mlflow server` refuses the
ones it refuses; a good local location still works end to end; over-long path segments are 400.
"""

from __future__ import annotations

import pytest

from helpers import (  # noqa: F401 (fixtures)
    _reset_fluent_state,
    assert_error,
    client,
    raises_code,
    rest,
    unique,
)

# `mlflow server` 3.17.2 refuses these too (a non-empty fragment, a query with `..`).
REFUSED_BY_MLFLOW = [
    "http:///#/../../../../etc/",
    "file:///etc/#x",
    "s3://bucket/p?x=../..",
    "mlflow-artifacts:/x#/..",
]
# Refused here, stricter than MLflow (which inserts the run path before the `#` or `?`).
REFUSED_HERE = ["file:///etc/#", "file:///etc/?x=", "/etc/#", "/etc/%23", "file:///#"]


@pytest.mark.parametrize("location", REFUSED_BY_MLFLOW + REFUSED_HERE)
def test_bad_artifact_location_is_invalid_parameter_value(client, location):
    name = unique("badloc")
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.create_experiment(name, artifact_location=location)
    assert client.get_experiment_by_name(name) is None


def test_fragment_message_is_mlflows(client):
    with raises_code("INVALID_PARAMETER_VALUE", match="URL can't include fragments or params"):
        client.create_experiment(unique("badloc"), artifact_location="http:///#/../../etc/")


def test_local_location_still_serves_its_own_artifacts(client, tracking_uri, tmp_path):
    root = tmp_path / "exp-root"
    exp_id = client.create_experiment(unique("localloc"), artifact_location=str(root))
    run = client.create_run(exp_id)
    src = tmp_path / "hello.txt"
    src.write_text("hello")
    client.log_artifact(run.info.run_id, str(src))
    params = {"run_id": run.info.run_id, "path": "hello.txt"}
    res = rest(tracking_uri, "GET", "/get-artifact", params=params)
    assert res.status_code == 200, res.text
    assert res.text == "hello"
    params = {"run_id": run.info.run_id}
    res = rest(tracking_uri, "GET", "/api/2.0/mlflow/artifacts/list", params=params)
    assert res.json()["files"] == [{"path": "hello.txt", "is_dir": False, "file_size": 5}]


def test_path_segment_over_255_bytes_is_400(tracking_uri):
    res = rest(tracking_uri, "PUT", "/api/2.0/mlflow-artifacts/artifacts/1/" + "a" * 300, data=b"x")
    assert_error(res, 400, "INVALID_PARAMETER_VALUE", "Invalid path")
    assert res.json() == {"error_code": "INVALID_PARAMETER_VALUE", "message": "Invalid path"}
