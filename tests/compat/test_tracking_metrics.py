"""Metrics through the stock client: steps, timestamps, special values, latest value, history.

Ideas from MLflow's tests/tracking/test_rest_tracking.py (test_log_metrics_params_tags,
test_get_metric_history_respects_max_results, test_get_metric_history_with_page_token,
test_log_batch_validation) and the SQL store (latest metric = max by (step, timestamp, value);
history ordered by (timestamp, step, value); an identical point is stored once).
"""

from __future__ import annotations

import math
import random

import mlflow
from mlflow.entities import Metric

from helpers import (  # noqa: F401 (fixtures)
    _reset_fluent_state,
    assert_error,
    client,
    experiment_id,
    now_ms,
    rest,
)

MAX_DOUBLE = 1.7976931348623157e308


def _points(history):
    return [(m.value, m.timestamp, m.step) for m in history]


def test_log_metric_with_steps_and_timestamps(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_metric(run_id, "metric", 123.456, timestamp=789, step=2)
    client.log_metric(run_id, "stepless", 987.654, timestamp=321)
    before = now_ms()
    client.log_metric(run_id, "now", 1.5)
    client.log_metric(run_id, "neg-step", -3.25, timestamp=10, step=-5)
    client.log_metric(run_id, "int", 7)
    client.log_metric(run_id, "zero-ts", 0.0, timestamp=0, step=0)

    run = client.get_run(run_id)
    assert run.data.metrics == {
        "metric": 123.456,
        "stepless": 987.654,
        "now": 1.5,
        "neg-step": -3.25,
        "int": 7.0,
        "zero-ts": 0.0,
    }
    [m] = client.get_metric_history(run_id, "metric")
    assert (m.key, m.value, m.timestamp, m.step) == ("metric", 123.456, 789, 2)
    [s] = client.get_metric_history(run_id, "stepless")
    assert (s.value, s.timestamp, s.step) == (987.654, 321, 0)
    [n] = client.get_metric_history(run_id, "now")
    assert before - 5000 <= n.timestamp <= now_ms() + 5000
    assert _points(client.get_metric_history(run_id, "neg-step")) == [(-3.25, 10, -5)]
    assert _points(client.get_metric_history(run_id, "zero-ts")) == [(0.0, 0, 0)]
    assert client.get_metric_history(run_id, "never-logged") == []


def test_fluent_metrics(client, experiment_id):
    mlflow.set_experiment(experiment_id=experiment_id)
    with mlflow.start_run() as run:
        for step in range(5):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
            mlflow.log_metrics({"acc": step / 10, "f1": step / 20}, step=step)
    run_id = run.info.run_id
    data = client.get_run(run_id).data
    assert data.metrics == {"loss": 0.2, "acc": 0.4, "f1": 0.2}
    history = client.get_metric_history(run_id, "acc")
    assert [(m.step, m.value) for m in history] == [(i, i / 10) for i in range(5)]
    assert all(m.key == "acc" for m in history)


def test_nan_and_infinity_round_trip(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_metric(run_id, "nan", float("nan"), timestamp=1, step=0)
    client.log_metric(run_id, "inf", float("inf"), timestamp=1, step=0)
    client.log_metric(run_id, "-inf", float("-inf"), timestamp=1, step=0)
    client.log_batch(
        run_id,
        metrics=[Metric("batch-nan", float("nan"), 2, 1), Metric("batch-inf", float("inf"), 2, 1)],
    )
    metrics = client.get_run(run_id).data.metrics
    assert math.isnan(metrics["nan"]) and math.isnan(metrics["batch-nan"])
    # MLflow's SQL store returns ±Infinity as ±max double: both are accepted.
    assert metrics["inf"] >= MAX_DOUBLE and metrics["batch-inf"] >= MAX_DOUBLE
    assert metrics["-inf"] <= -MAX_DOUBLE
    [h] = client.get_metric_history(run_id, "nan")
    assert math.isnan(h.value) and (h.timestamp, h.step) == (1, 0)
    [h] = client.get_metric_history(run_id, "-inf")
    assert h.value <= -MAX_DOUBLE
    # Search sees the infinities as numbers.
    found = client.search_runs([experiment_id], "metrics.inf > 1e300")
    assert [r.info.run_id for r in found] == [run_id]


def test_latest_metric_is_highest_step_then_timestamp_then_value(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id

    def latest():
        return client.get_run(run_id).data.metrics["m"]

    client.log_metric(run_id, "m", 1.0, timestamp=100, step=5)
    client.log_metric(run_id, "m", 2.0, timestamp=500, step=3)  # later, lower step
    assert latest() == 1.0
    client.log_metric(run_id, "m", 3.0, timestamp=50, step=5)  # same step, older
    assert latest() == 1.0
    client.log_metric(run_id, "m", 0.5, timestamp=100, step=5)  # same step+time, smaller
    assert latest() == 1.0
    client.log_metric(run_id, "m", 7.0, timestamp=100, step=5)  # same step+time, larger
    assert latest() == 7.0
    client.log_metric(run_id, "m", -1.0, timestamp=1, step=6)  # higher step wins
    assert latest() == -1.0
    # In one batch, in shuffled order.
    points = [Metric("b", float(v), ts, st) for v, ts, st in [(9, 1, 1), (4, 3, 2), (8, 2, 2)]]
    client.log_batch(run_id, metrics=points)
    assert client.get_run(run_id).data.metrics["b"] == 4.0
    # The latest value is what search filters and sorts on.
    assert [r.info.run_id for r in client.search_runs([experiment_id], "metrics.m = -1")] == [
        run_id
    ]
    assert client.search_runs([experiment_id], "metrics.m = 7") == []


def test_metric_history_is_ordered_by_timestamp_step_value(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    points = [(3.0, 30, 1), (1.0, 10, 2), (2.0, 20, 0), (0.5, 10, 1), (0.25, 10, 1)]
    for value, ts, step in points:
        client.log_metric(run_id, "h", value, timestamp=ts, step=step)
    assert _points(client.get_metric_history(run_id, "h")) == [
        (0.25, 10, 1),
        (0.5, 10, 1),
        (1.0, 10, 2),
        (2.0, 20, 0),
        (3.0, 30, 1),
    ]


def test_identical_metric_point_is_stored_once(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_metric(run_id, "m", 1.0, timestamp=5, step=1)
    client.log_metric(run_id, "m", 1.0, timestamp=5, step=1)
    client.log_batch(run_id, metrics=[Metric("m", 1.0, 5, 1), Metric("m", 2.0, 5, 1)])
    client.log_batch(run_id, metrics=[Metric("n", 1.0, 5, 1), Metric("n", 1.0, 5, 1)])
    assert _points(client.get_metric_history(run_id, "m")) == [(1.0, 5, 1), (2.0, 5, 1)]
    assert _points(client.get_metric_history(run_id, "n")) == [(1.0, 5, 1)]


def test_get_metric_history_paging_over_rest(client, experiment_id, tracking_uri):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_batch(run_id, metrics=[Metric("h", float(i), 1000 + i, i) for i in range(10)])
    path = "/api/2.0/mlflow/metrics/get-history"
    pages, token = [], None
    while True:
        params = {"run_id": run_id, "metric_key": "h", "max_results": 4}
        if token:
            params["page_token"] = token
        resp = rest(tracking_uri, "GET", path, params=params)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        pages.append([m["step"] for m in body["metrics"]])
        token = body.get("next_page_token")
        if not token:
            break
        assert len(pages) < 10
    assert pages == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    # Without max_results everything comes back at once.
    resp = rest(tracking_uri, "GET", path, params={"run_id": run_id, "metric_key": "h"})
    body = resp.json()
    assert len(body["metrics"]) == 10 and "next_page_token" not in body
    assert body["metrics"][0] == {"key": "h", "value": 0.0, "timestamp": 1000, "step": 0}
    # An unknown key gives an empty message (no "metrics" field at all).
    resp = rest(tracking_uri, "GET", path, params={"run_id": run_id, "metric_key": "nope"})
    assert resp.status_code == 200 and resp.json().get("metrics", []) == []
    # A garbage token is a 400.
    resp = rest(
        tracking_uri,
        "GET",
        path,
        params={"run_id": run_id, "metric_key": "h", "page_token": "invalid_token"},
    )
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE")


def test_get_metric_history_unknown_run(client):
    # MLflow's SQL store does not check that the run exists here: the history is just empty.
    assert client.get_metric_history("0" * 32, "m") == []


def test_get_metric_history_beyond_one_page(client, experiment_id):
    """30,000 points: the client pages through get-history 25,000 at a time.

    Batches arrive in shuffled order, so a history that is sorted only within each page (or
    returned in arrival order) shows up as an unsorted list.
    """
    run_id = client.create_run(experiment_id).info.run_id
    n, batch = 30_000, 1000
    starts = list(range(0, n, batch))
    random.Random(42).shuffle(starts)
    for start in starts:
        client.log_batch(
            run_id,
            metrics=[Metric("big", float(i) / 2, 1_000_000 + i, i) for i in range(start, start + batch)],
        )
    client.log_metric(run_id, "small", 1.0, timestamp=1, step=0)

    history = client.get_metric_history(run_id, "big")
    assert len(history) == n
    steps = [m.step for m in history]
    assert steps == list(range(n)), "history is not ordered by (timestamp, step, value)"
    assert history[-1].value == (n - 1) / 2 and history[0].timestamp == 1_000_000
    assert all(m.key == "big" for m in history[:: n // 100])
    assert client.get_run(run_id).data.metrics == {"big": (n - 1) / 2, "small": 1.0}
