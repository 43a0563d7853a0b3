"""search_runs through the stock client and the fluent API: filters, order, paging, view types.

Ideas from MLflow's tests/tracking/test_rest_tracking.py (test_search_pagination,
test_search_validation, test_create_run_all_args) and the SQL store's search semantics
(`mlflow/utils/search_utils.py`): AND-only filters over metrics/params/tags/attributes/datasets,
LIKE case-sensitive and ILIKE not, IS NULL for params and tags, present values sorted before NaN
before missing ones whatever the direction, default order start_time DESC then run_id ASC.
"""

from __future__ import annotations

import math

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunTag, ViewType

from helpers import (  # noqa: F401 (fixtures)
    _reset_fluent_state,
    assert_error,
    client,
    experiment_id,
    raises_code,
    rest,
    unique,
)

NAN = float("nan")

# name: (start_time, status, metrics, params, tags, dataset (name, context) or None)
RUNS = {
    "alpha": (1000, "FINISHED", {"acc": 0.9, "loss": 0.1, "score": 1.0},
              {"model": "tree", "lr": "0.1"}, {"team": "ml-core", "env": "prod"},
              ("train", "training")),
    "beta": (2000, "FAILED", {"acc": 0.5, "loss": 0.5, "score": NAN},
             {"model": "linear", "lr": "0.01"}, {"team": "ML-Ops"}, ("eval", "eval")),
    "gamma": (3000, "RUNNING", {"acc": 0.7}, {"model": "tree"},
              {"team": "ml-research", "env": "dev"}, None),
    "delta": (3000, "FINISHED", {"score": 3.0}, {"lr": "0.1"}, {"env": "prod"}, None),
    "Alpha2": (500, "KILLED", {"acc": 0.95, "loss": 0.05, "score": 2.0}, {"model": "forest"},
               {}, None),
}  # fmt: skip


class Data:
    def __init__(self, client: MlflowClient, experiment_id: str, ids: dict[str, str]):
        self.client = client
        self.experiment_id = experiment_id
        self.ids = ids
        self.names = {v: k for k, v in ids.items()}

    def search(self, filter_string="", order_by=None, **kwargs) -> list[str]:
        runs = self.client.search_runs(
            [self.experiment_id], filter_string, order_by=order_by, **kwargs
        )
        return [self.names[r.info.run_id] for r in runs]

    def by_default_order(self, names: list[str]) -> list[str]:
        """`names` in MLflow's default order: start_time DESC, then run_id ASC."""
        return sorted(names, key=lambda n: (-RUNS[n][0], self.ids[n]))


@pytest.fixture(scope="module")
def data(tracking_uri) -> Data:
    client = MlflowClient(tracking_uri)
    exp_id = client.create_experiment(unique("search"))
    ids = {}
    for name, (start, status, metrics, params, tags, dataset) in RUNS.items():
        run_id = client.create_run(exp_id, start_time=start, run_name=name).info.run_id
        ids[name] = run_id
        client.log_batch(
            run_id,
            metrics=[Metric(k, v, 1, 0) for k, v in metrics.items()],
            params=[Param(k, v) for k, v in params.items()],
            tags=[RunTag(k, v) for k, v in tags.items()],
        )
        if dataset:
            ds = Dataset(dataset[0], f"d-{dataset[0]}", "http", '{"url": "u"}')
            client.log_inputs(
                run_id, [DatasetInput(ds, [InputTag("mlflow.data.context", dataset[1])])]
            )
        if status != "RUNNING":
            client.set_terminated(run_id, status, end_time=start + 100)
    return Data(client, exp_id, ids)


def test_default_order_is_start_time_desc_then_run_id(data):
    assert data.search() == data.by_default_order(list(RUNS))
    # gamma and delta share a start time: run_id ASC breaks the tie.
    tied = [n for n in data.search() if RUNS[n][0] == 3000]
    assert [data.ids[n] for n in tied] == sorted(data.ids[n] for n in tied)


def test_run_contents_in_search_results(data):
    [run] = data.client.search_runs([data.experiment_id], "attributes.run_name = 'alpha'")
    assert run.info.run_id == data.ids["alpha"]
    assert run.info.status == "FINISHED" and run.info.end_time == 1100
    assert run.data.metrics == {"acc": 0.9, "loss": 0.1, "score": 1.0}
    assert run.data.params == {"model": "tree", "lr": "0.1"}
    assert run.data.tags["team"] == "ml-core" and run.data.tags["mlflow.runName"] == "alpha"
    assert [d.dataset.name for d in run.inputs.dataset_inputs] == ["train"]
    assert run.info == data.client.get_run(run.info.run_id).info


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ("metrics.acc > 0.6", ["gamma", "alpha", "Alpha2"]),
        ("metrics.acc >= 0.5 AND metrics.loss < 0.3", ["alpha", "Alpha2"]),
        ("metrics.acc = 0.5", ["beta"]),
        ("metrics.acc != 0.5", ["gamma", "alpha", "Alpha2"]),
        ("metrics.`acc` <= 0.7", ["gamma", "beta"]),
        ("metric.loss < 1 and metrics.acc > 0.92", ["Alpha2"]),
        ("params.model = 'tree'", ["gamma", "alpha"]),
        ("params.model != 'tree'", ["beta", "Alpha2"]),
        ("param.model LIKE 'tr%'", ["gamma", "alpha"]),
        ("params.model LIKE '%E%'", []),
        ("params.model ILIKE '%E%'", ["gamma", "beta", "alpha", "Alpha2"]),
        ("params.lr IS NULL", ["gamma", "Alpha2"]),
        ("params.lr IS NOT NULL", ["delta", "beta", "alpha"]),
        ("params.lr = '0.1' AND params.model = 'tree'", ["alpha"]),
        ("tags.team LIKE 'ml-%'", ["gamma", "alpha"]),
        ("tags.team ILIKE 'ml-%'", ["gamma", "beta", "alpha"]),
        ("tags.\"team\" = 'ML-Ops'", ["beta"]),
        ("tags.env IS NULL", ["beta", "Alpha2"]),
        ("tags.env IS NOT NULL AND tags.env != 'dev'", ["delta", "alpha"]),
        ("tags.`mlflow.runName` = 'gamma'", ["gamma"]),
        ("attributes.run_name = 'alpha'", ["alpha"]),
        ("run_name LIKE 'Alpha%'", ["Alpha2"]),
        ("attributes.run_name ILIKE 'alpha%'", ["alpha", "Alpha2"]),
        ("attributes.`Run name` = 'beta'", ["beta"]),
        ("attributes.status = 'FINISHED'", ["delta", "alpha"]),
        ("attributes.status != 'FINISHED'", ["gamma", "beta", "Alpha2"]),
        ("attributes.start_time > 1500", ["gamma", "delta", "beta"]),
        ("attributes.start_time <= 1000", ["alpha", "Alpha2"]),
        ("attributes.created >= 2000 AND attributes.start_time < 3000", ["beta"]),
        ("attributes.end_time = 1100", ["alpha"]),
        ("datasets.name = 'train'", ["alpha"]),
        ("datasets.context = 'eval'", ["beta"]),
        ("datasets.name IN ('train', 'eval')", ["beta", "alpha"]),
        ("datasets.digest LIKE 'd-t%'", ["alpha"]),
        ("metrics.missing > 0", []),
        ("tags.missing = 'x'", []),
    ],
)
def test_filters(data, flt, expected):
    expected = data.by_default_order(expected)
    assert data.search(flt) == expected


def test_run_id_in_and_not_in(data):
    a, b = data.ids["alpha"], data.ids["delta"]
    assert data.search(f"attributes.run_id IN ('{a}', '{b}')") == ["delta", "alpha"]
    assert data.search(f"attributes.run_id = '{a}'") == ["alpha"]
    rest_ = data.search(f"attributes.run_id NOT IN ('{a}', '{b}')")
    assert rest_ == data.by_default_order(["beta", "gamma", "Alpha2"])
    # Run ids are lower-case hex; upper-case values never match.
    assert data.search(f"attributes.run_id IN ('{a.upper()}')") == []


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        (["metrics.acc DESC"], ["Alpha2", "alpha", "gamma", "beta", "delta"]),
        (["metrics.acc ASC"], ["beta", "gamma", "alpha", "Alpha2", "delta"]),
        (["metrics.acc"], ["beta", "gamma", "alpha", "Alpha2", "delta"]),
        # Present values first, then NaN, then missing, in both directions.
        (["metrics.score ASC"], ["alpha", "Alpha2", "delta", "beta", "gamma"]),
        (["metrics.score DESC"], ["delta", "Alpha2", "alpha", "beta", "gamma"]),
        (["params.model ASC", "metrics.acc DESC"], ["Alpha2", "beta", "alpha", "gamma", "delta"]),
        (["params.lr DESC", "attributes.start_time ASC"],
         ["alpha", "delta", "beta", "Alpha2", "gamma"]),
        (["tags.team DESC"], ["gamma", "alpha", "beta", "delta", "Alpha2"]),
        (["attributes.run_name ASC"], ["Alpha2", "alpha", "beta", "delta", "gamma"]),
        (["attributes.run_name DESC"], ["gamma", "delta", "beta", "alpha", "Alpha2"]),
        (["attributes.status ASC", "metrics.acc ASC"],
         ["beta", "alpha", "delta", "Alpha2", "gamma"]),
        (["attributes.end_time DESC", "attributes.run_name ASC"],
         ["delta", "beta", "alpha", "Alpha2", "gamma"]),
    ],
)  # fmt: skip
def test_order_by(data, order_by, expected):
    assert data.search(order_by=order_by) == expected


def test_order_by_start_time_ascending_keeps_run_id_tiebreak(data):
    got = data.search(order_by=["attributes.start_time ASC"])
    assert got[:3] == ["Alpha2", "alpha", "beta"]
    assert [data.ids[n] for n in got[3:]] == sorted([data.ids["gamma"], data.ids["delta"]])


def test_paging_follows_the_order(data):
    for order_by in (None, ["metrics.acc DESC"], ["params.model ASC", "metrics.acc DESC"]):
        full = data.search(order_by=order_by)
        pages, token = [], None
        while True:
            page = data.client.search_runs(
                [data.experiment_id], order_by=order_by, max_results=2, page_token=token
            )
            pages.append([data.names[r.info.run_id] for r in page])
            token = page.token
            if token is None:
                break
            assert len(pages) < 10, "paging does not end"
        assert pages == [full[0:2], full[2:4], full[4:]]
    # A full last page carries no token.
    page = data.client.search_runs([data.experiment_id], max_results=5)
    assert len(page) == 5 and page.token is None
    # The filter applies across pages.
    first = data.client.search_runs([data.experiment_id], "metrics.acc > 0", max_results=3)
    second = data.client.search_runs(
        [data.experiment_id], "metrics.acc > 0", max_results=3, page_token=first.token
    )
    got = [data.names[r.info.run_id] for r in [*first, *second]]
    assert got == data.by_default_order(["alpha", "beta", "gamma", "Alpha2"])
    assert second.token is None


def test_fluent_search_runs(data, tracking_uri):
    runs = mlflow.search_runs(
        [data.experiment_id],
        filter_string="params.model = 'tree'",
        order_by=["metrics.acc ASC"],
        output_format="list",
    )
    assert [data.names[r.info.run_id] for r in runs] == ["gamma", "alpha"]
    name = data.client.get_experiment(data.experiment_id).name
    by_name = mlflow.search_runs(experiment_names=[name], output_format="list")
    assert [data.names[r.info.run_id] for r in by_name] == data.by_default_order(list(RUNS))
    # max_results limits the fluent result too.
    two = mlflow.search_runs([data.experiment_id], max_results=2, output_format="list")
    assert [data.names[r.info.run_id] for r in two] == data.by_default_order(list(RUNS))[:2]
    beta = next(r for r in by_name if data.names[r.info.run_id] == "beta")
    assert math.isnan(beta.data.metrics["score"])


def test_paging_many_runs_with_equal_start_time(client, experiment_id):
    """test_search_pagination: equal start times page in run_id order, 4 at a time."""
    ids = sorted(client.create_run(experiment_id, start_time=1).info.run_id for _ in range(10))
    result = client.search_runs([experiment_id], max_results=4)
    assert [r.info.run_id for r in result] == ids[0:4]
    assert result.token is not None
    result = client.search_runs([experiment_id], max_results=4, page_token=result.token)
    assert [r.info.run_id for r in result] == ids[4:8]
    assert result.token is not None
    result = client.search_runs([experiment_id], max_results=4, page_token=result.token)
    assert [r.info.run_id for r in result] == ids[8:]
    assert result.token is None


def test_search_across_experiments_and_view_types(client):
    e1 = client.create_experiment(unique("multi"))
    e2 = client.create_experiment(unique("multi"))
    r1 = client.create_run(e1, start_time=10).info.run_id
    r2 = client.create_run(e2, start_time=20).info.run_id
    r3 = client.create_run(e2, start_time=30).info.run_id
    client.delete_run(r3)

    def ids(exps, view=ViewType.ACTIVE_ONLY, flt=""):
        return [r.info.run_id for r in client.search_runs(exps, flt, run_view_type=view)]

    assert ids([e1, e2]) == [r2, r1]
    assert ids([e1, e2], ViewType.DELETED_ONLY) == [r3]
    assert ids([e1, e2], ViewType.ALL) == [r3, r2, r1]
    assert ids([e2], ViewType.ALL, "attributes.start_time > 25") == [r3]
    [deleted] = client.search_runs([e2], run_view_type=ViewType.DELETED_ONLY)
    assert deleted.info.lifecycle_stage == "deleted"
    client.restore_run(r3)
    assert ids([e1, e2]) == [r3, r2, r1]
    assert mlflow.search_runs([e1, e2], run_view_type=ViewType.ALL, output_format="list")
    # An experiment with no runs, and an unknown experiment, just contribute nothing.
    empty = client.create_experiment(unique("empty"))
    assert ids([empty]) == []


@pytest.mark.parametrize(
    "flt",
    [
        "metrics.acc > 'high'",  # metrics compare with numbers
        "params.model > 'a'",  # no ordering comparators for params
        "tags.team < 'x'",
        "params.model = tree",  # unquoted string
        "foo.bar = '1'",  # unknown entity type
        "attributes.nonexistent = 'x'",  # unknown attribute
        "metrics.acc > 1 OR metrics.acc < 0",  # AND only
        "attributes.run_name IN ('alpha')",  # IN only for run_id
        "attributes.status IS NULL",  # IS NULL only for params and tags
        "metrics.acc IS NULL",
        "attributes.start_time > 'yesterday'",
        "datasets.size = 'x'",
        "metrics.acc >",
        "metrics.acc = 1; metrics.loss = 2",
    ],
)
def test_bad_filters_are_rejected(data, flt):
    with raises_code("INVALID_PARAMETER_VALUE"):
        data.client.search_runs([data.experiment_id], flt)


@pytest.mark.parametrize(
    "order_by",
    [
        ["metrics.acc SIDEWAYS"],
        ["foo.acc"],
        ["attributes.nonexistent"],
        ["metrics.acc DESC LIMIT 1"],
    ],
)
def test_bad_order_by_is_rejected(data, order_by):
    with raises_code("INVALID_PARAMETER_VALUE"):
        data.client.search_runs([data.experiment_id], order_by=order_by)


def test_bad_paging_arguments(data, tracking_uri):
    with raises_code("INVALID_PARAMETER_VALUE", match="max_results"):
        data.client.search_runs([data.experiment_id], max_results=123456789)
    with raises_code("INVALID_PARAMETER_VALUE"):
        data.client.search_runs([data.experiment_id], page_token="invalid_token")
    resp = rest(
        tracking_uri,
        "POST",
        "/api/2.0/mlflow/runs/search",
        {"experiment_ids": [data.experiment_id], "max_results": 50001},
    )
    assert_error(resp, 400, "INVALID_PARAMETER_VALUE", "max_results")
    resp = rest(
        tracking_uri,
        "POST",
        "/api/2.0/mlflow/runs/search",
        {"experiment_ids": [data.experiment_id], "max_results": 50000},
    )
    assert resp.status_code == 200 and len(resp.json()["runs"]) == len(RUNS)


def test_metric_order_follows_values_logged_after_the_end(client, experiment_id):
    """Ended runs are ordered by the metric index; a value logged after the end, a run set back
    to RUNNING and ended again, and a deleted run all show as `mlflow server` shows them."""
    ids = {}
    for i, name in enumerate(["r0", "r1", "r2", "r3", "r4", "r5"]):
        run_id = client.create_run(experiment_id, start_time=100 + i, run_name=name).info.run_id
        ids[name] = run_id
        client.log_metric(run_id, "acc", i / 10, timestamp=1, step=0)
        client.set_terminated(run_id, "FINISHED")
    client.log_metric(ids["r1"], "acc", 0.99, timestamp=2, step=1)  # after its end
    client.update_run(ids["r2"], status="RUNNING")
    client.log_metric(ids["r2"], "acc", -1.0, timestamp=2, step=1)
    client.set_terminated(ids["r2"], "KILLED")
    client.log_metric(ids["r3"], "acc", NAN, timestamp=2, step=1)
    client.delete_run(ids["r4"])
    no_metric = client.create_run(experiment_id, start_time=50, run_name="none").info.run_id
    names = {v: k for k, v in ids.items()} | {no_metric: "none"}

    def paged(order_by, flt=""):
        out, token = [], None
        while True:
            page = client.search_runs(
                [experiment_id], flt, order_by=order_by, max_results=2, page_token=token
            )
            out += [names[r.info.run_id] for r in page]
            token = page.token
            if token is None:
                return out

    assert paged(["metrics.acc DESC"]) == ["r1", "r5", "r0", "r2", "r3", "none"]
    assert paged(["metrics.acc ASC"]) == ["r2", "r0", "r5", "r1", "r3", "none"]
    assert paged(["metrics.acc DESC"], "metrics.acc > 0") == ["r1", "r5"]
    restored = client.search_runs(
        [experiment_id], order_by=["metrics.acc DESC"], run_view_type=ViewType.DELETED_ONLY
    )
    assert [names[r.info.run_id] for r in restored] == ["r4"]
