"""Error cases: the client raises MlflowException with MLflow's error_code, and the raw REST
answers carry MLflow's HTTP status and JSON body.

Ideas from MLflow's tests/tracking/test_rest_tracking.py (test_create_experiment_validation,
test_log_metric_validation, test_log_param_validation, test_set_tag_validation,
test_log_batch_validation, test_log_inputs_validation, test_delete_tag) and the error table of
`mlflow/exceptions.py` (RESOURCE_ALREADY_EXISTS -> 400, RESOURCE_DOES_NOT_EXIST -> 404,
INVALID_STATE -> 500).
"""

from __future__ import annotations

import json

import pytest
from mlflow.entities import Metric, Param, RunTag

from helpers import (  # noqa: F401 (fixtures)
    _reset_fluent_state,
    assert_error,
    client,
    experiment_id,
    raises_code,
    rest,
    unique,
)

MISSING = "0" * 32


@pytest.fixture
def run_id(client, experiment_id) -> str:
    return client.create_run(experiment_id).info.run_id


# ------------------------------------------------------------------------------------------------
# What the client raises


def test_unknown_run_is_resource_does_not_exist(client):
    calls = {
        "get_run": lambda: client.get_run(MISSING),
        "log_metric": lambda: client.log_metric(MISSING, "m", 1.0),
        "log_param": lambda: client.log_param(MISSING, "p", "v"),
        "set_tag": lambda: client.set_tag(MISSING, "t", "v"),
        "delete_tag": lambda: client.delete_tag(MISSING, "t"),
        "log_batch": lambda: client.log_batch(MISSING, params=[Param("p", "v")]),
        "set_terminated": lambda: client.set_terminated(MISSING),
        "delete_run": lambda: client.delete_run(MISSING),
        "restore_run": lambda: client.restore_run(MISSING),
    }
    for name, call in calls.items():
        with raises_code("RESOURCE_DOES_NOT_EXIST"):
            call()


def test_unknown_experiment_is_resource_does_not_exist(client):
    missing = "987654321"
    calls = {
        "get_experiment": lambda: client.get_experiment(missing),
        "delete_experiment": lambda: client.delete_experiment(missing),
        "restore_experiment": lambda: client.restore_experiment(missing),
        "set_experiment_tag": lambda: client.set_experiment_tag(missing, "k", "v"),
        "create_run": lambda: client.create_run(missing),
    }
    for name, call in calls.items():
        with raises_code("RESOURCE_DOES_NOT_EXIST", match="No Experiment with id="):
            call()
    assert client.get_experiment_by_name(unique("nope")) is None


def test_non_integer_experiment_id_is_invalid(client):
    with raises_code("INVALID_PARAMETER_VALUE", match="Invalid experiment ID"):
        client.get_experiment("abc")
    with raises_code("INVALID_PARAMETER_VALUE", match="Invalid experiment ID"):
        client.create_run("abc")


def test_experiment_lifecycle_errors(client, tracking_uri):
    name = unique("life")
    exp_id = client.create_experiment(name)
    with raises_code("RESOURCE_ALREADY_EXISTS", match="already exists"):
        client.create_experiment(name)
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.restore_experiment(exp_id)  # not deleted
    client.delete_experiment(exp_id)
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.delete_experiment(exp_id)  # already deleted
    with raises_code("RESOURCE_ALREADY_EXISTS"):
        client.create_experiment(name)  # still reserved
    # Renaming a deleted experiment is INVALID_STATE, which MLflow sends as a 500.
    resp = rest(
        tracking_uri,
        "POST",
        "/api/2.0/mlflow/experiments/update",
        {"experiment_id": exp_id, "new_name": unique("renamed")},
    )
    assert_error(resp, 500, "INVALID_STATE")
    assert client.get_experiment(exp_id).name == name


def test_experiment_tag_errors(client, experiment_id):
    with raises_code("RESOURCE_DOES_NOT_EXIST", match="No tag with name: nope"):
        client.delete_experiment_tag(experiment_id, "nope")
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.set_experiment_tag(experiment_id, "k" * 251, "v")


def test_run_errors(client, run_id):
    client.log_param(run_id, "p", "1")
    with raises_code("INVALID_PARAMETER_VALUE", match="Changing param values is not allowed"):
        client.log_param(run_id, "p", "2")
    with raises_code("RESOURCE_DOES_NOT_EXIST", match="No tag with name: nope"):
        client.delete_tag(run_id, "nope")
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.log_batch(run_id, params=[Param("q", "1"), Param("q", "2")])
    client.delete_run(run_id)
    with raises_code("INVALID_PARAMETER_VALUE", match=f"The run {run_id} must be in"):
        client.set_tag(run_id, "t", "v")


def test_invalid_experiment_names(client, tracking_uri):
    resp = rest(tracking_uri, "POST", "/api/2.0/mlflow/experiments/create", {"name": ""})
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE")
    resp = rest(tracking_uri, "POST", "/api/2.0/mlflow/experiments/create", {"name": "x" * 501})
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE", "500")
    name = unique("n") + "x" * 400
    assert client.get_experiment(client.create_experiment(name)).name == name


# ------------------------------------------------------------------------------------------------
# HTTP status and body


def test_error_status_codes_and_body(tracking_uri, experiment_id, client):
    resp = rest(tracking_uri, "GET", "/api/2.0/mlflow/runs/get", params={"run_id": MISSING})
    assert_error(resp, 404, "RESOURCE_DOES_NOT_EXIST", f"Run with id={MISSING} not found")
    assert resp.headers["Content-Type"].startswith("application/json")

    name = client.get_experiment(experiment_id).name
    resp = rest(tracking_uri, "POST", "/api/2.0/mlflow/experiments/create", {"name": name})
    # RESOURCE_ALREADY_EXISTS is a 400 in MLflow (not 409).
    assert_error(resp, 400, "RESOURCE_ALREADY_EXISTS")

    resp = rest(
        tracking_uri,
        "GET",
        "/api/2.0/mlflow/experiments/get-by-name",
        params={"experiment_name": unique("nope")},
    )
    assert_error(resp, 404, "RESOURCE_DOES_NOT_EXIST", "Could not find experiment with name")

    resp = rest(tracking_uri, "GET", "/api/2.0/mlflow/runs/get")
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'run_id'")


def test_unknown_route_is_a_non_json_404(tracking_uri):
    resp = rest(tracking_uri, "GET", "/api/2.0/mlflow/no-such-endpoint")
    assert resp.status_code == 404
    with pytest.raises(ValueError):
        json.loads(resp.text)


def test_both_api_prefixes_and_run_uuid(tracking_uri, run_id):
    for prefix in ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow"):
        resp = rest(tracking_uri, "GET", f"{prefix}/runs/get", params={"run_uuid": run_id})
        assert resp.status_code == 200, resp.text
        assert resp.json()["run"]["info"]["run_id"] == run_id
    resp = rest(
        tracking_uri,
        "POST",
        "/api/2.0/mlflow/runs/set-tag",
        {"run_uuid": run_id, "key": "key", "value": "value"},
    )
    assert resp.status_code == 200, resp.text


def test_content_type_is_required_for_posts(tracking_uri):
    url = f"{tracking_uri}/api/2.0/mlflow/experiments/create"
    import requests

    body = json.dumps({"name": unique("ctype")})
    resp = requests.post(url, data=body, timeout=30)
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE", "Content-Type")
    resp = requests.post(url, data=body, headers={"Content-Type": "text/plain"}, timeout=30)
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE", "Content-Type")
    resp = requests.post(
        url, data=body, headers={"Content-Type": "application/json; charset=utf-8"}, timeout=30
    )
    assert resp.status_code == 200, resp.text


# ------------------------------------------------------------------------------------------------
# Request validation (raw REST: the client never sends these)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"name": 123}, "Invalid value 123 for parameter 'name'"),
        ({}, "Missing value for required parameter 'name'."),
        (
            {"name": "experiment name", "artifact_location": 9.0},
            "for parameter 'artifact_location' supplied",
        ),
        ({"name": "experiment name", "tags": "5"}, "Invalid value \"5\" for parameter 'tags'"),
    ],
)
def test_create_experiment_validation(tracking_uri, payload, message):
    resp = rest(tracking_uri, "POST", "/api/2.0/mlflow/experiments/create", payload)
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE", message)


def test_log_metric_validation(tracking_uri, run_id):
    def bad(payload, message):
        resp = rest(tracking_uri, "POST", "/api/2.0/mlflow/runs/log-metric", payload)
        assert_error(resp, 400, "INVALID_PARAMETER_VALUE", message)

    ok = {"run_id": run_id, "key": "m", "value": 41, "timestamp": 59, "step": 26}
    bad({**ok, "run_id": 31}, "Invalid value 31 for parameter 'run_id' supplied")
    bad({**ok, "key": 31}, "Invalid value 31 for parameter 'key' supplied")
    bad({**ok, "step": "foo"}, "Invalid value \"foo\" for parameter 'step' supplied")
    bad({**ok, "timestamp": "foo"}, "Invalid value \"foo\" for parameter 'timestamp' supplied")
    bad({**ok, "value": "abc"}, "Invalid value \"abc\" for parameter 'value' supplied")
    bad({**ok, "run_id": None}, "Missing value for required parameter 'run_id'")
    bad({k: v for k, v in ok.items() if k != "key"}, "Missing value for required parameter 'key'")
    bad({**ok, "key": None}, "Missing value for required parameter 'key'")
    bad({k: v for k, v in ok.items() if k != "value"}, "Missing value for required parameter 'value'")
    bad({**ok, "timestamp": -5}, "timestamp")
    # int64 as strings (the Java client) and special doubles as strings are fine.
    for payload in (
        {**ok, "timestamp": "60", "step": "27"},
        {**ok, "key": "nan", "value": "NaN"},
        {**ok, "key": "inf", "value": "Infinity"},
    ):
        resp = rest(tracking_uri, "POST", "/api/2.0/mlflow/runs/log-metric", payload)
        assert resp.status_code == 200, resp.text


def test_log_param_and_set_tag_validation(tracking_uri, run_id):
    def bad(path, payload, message):
        resp = rest(tracking_uri, "POST", f"/api/2.0/mlflow/runs/{path}", payload)
        assert_error(resp, 400, "INVALID_PARAMETER_VALUE", message)

    bad("log-parameter", {"run_id": 31, "key": "p", "value": "1"}, "for parameter 'run_id'")
    bad("log-parameter", {"run_id": run_id, "key": 31, "value": "1"}, "for parameter 'key'")
    bad("set-tag", {"run_id": 31, "key": "t", "value": "1"}, "for parameter 'run_id'")
    bad("set-tag", {"run_id": run_id, "key": "t", "value": 41}, "Invalid value 41 for parameter 'value'")
    bad("set-tag", {"run_id": run_id, "value": "v"}, "Missing value for required parameter 'key'")


def test_log_batch_validation(tracking_uri, run_id, client):
    path = "/api/2.0/mlflow/runs/log-batch"
    for field in ("metrics", "params", "tags"):
        resp = rest(tracking_uri, "POST", path, {"run_id": run_id, field: "foo"})
        assert_error(resp, 400, "INVALID_PARAMETER_VALUE", f"Invalid value \"foo\" for parameter '{field}'")
    resp = rest(tracking_uri, "POST", path, {"run_id": run_id, "metrics": [{"key": "mae", "value": 2.5}]})
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'metrics[0].timestamp'")
    resp = rest(tracking_uri, "POST", path, {"metrics": []})
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'run_id'")
    # step is optional (defaults to 0).
    resp = rest(
        tracking_uri,
        "POST",
        path,
        {"run_id": run_id, "metrics": [{"key": "mae", "value": 2.5, "timestamp": 123456789}]},
    )
    assert resp.status_code == 200, resp.text
    [m] = client.get_metric_history(run_id, "mae")
    assert (m.value, m.timestamp, m.step) == (2.5, 123456789, 0)
    # Over-limit batches: 400 with MLflow's message.
    resp = rest(
        tracking_uri,
        "POST",
        path,
        {"run_id": run_id, "metrics": [{"key": "m", "value": 1, "timestamp": 1}] * 1001},
    )
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE", "at most 1000 metrics")


def test_log_inputs_validation(tracking_uri):
    dataset = {"name": "n", "digest": "d", "source_type": "t", "source": "s"}
    resp = rest(
        tracking_uri,
        "POST",
        "/api/2.0/mlflow/runs/log-inputs",
        {"datasets": [{"dataset": dataset, "tags": [{"key": "k", "value": "v"}]}]},
    )
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'run_id'")


def test_search_errors(client, experiment_id, tracking_uri):
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_runs([experiment_id], "metrics.acc > 1 OR metrics.acc < 0")
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_experiments(filter_string="name = 'a' OR name = 'b'")
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_experiments(filter_string="params.x = 'a'")
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_experiments(order_by=["no_such_key"])
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_experiments(page_token="garbage")
    resp = rest(tracking_uri, "POST", "/api/2.0/mlflow/experiments/search", {"max_results": 50001})
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE", "max_results")


def test_metric_key_rules(client, run_id):
    for bad in ("a*b", "../x", "k" * 251):
        with raises_code("INVALID_PARAMETER_VALUE"):
            client.log_batch(run_id, metrics=[Metric(bad, 1.0, 1, 0)])
        with raises_code("INVALID_PARAMETER_VALUE"):
            client.log_batch(run_id, tags=[RunTag(bad, "v")])
    assert client.get_run(run_id).data.metrics == {}
