"""Runs through the stock client: lifecycle, names, params, tags, batches, inputs.

Ideas from MLflow's tests/tracking/test_rest_tracking.py (test_create_run_all_args,
test_create_run_defaults, test_log_param_with_empty_string_as_value, test_delete_tag,
test_log_batch, test_set_terminated_*, test_update_run_name_without_changing_status,
test_log_inputs, test_log_input) and the SQL store's semantics (params immutable, run name kept in
sync with the `mlflow.runName` tag, soft-deleted runs readable but read-only).
"""

from __future__ import annotations

import re

import mlflow
import pytest
from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunStatus, RunTag
from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID, MLFLOW_RUN_NAME, MLFLOW_USER

from helpers import (  # noqa: F401 (fixtures)
    DictDataset,
    _reset_fluent_state,
    client,
    experiment_id,
    now_ms,
    raises_code,
    rest_store,
    unique,
)


def test_start_run_defaults_and_end_run(client, experiment_id):
    mlflow.set_experiment(experiment_id=experiment_id)
    before = now_ms()
    run = mlflow.start_run()
    info = client.get_run(run.info.run_id).info
    assert re.fullmatch(r"[0-9a-f]{32}", info.run_id)
    assert info.experiment_id == experiment_id
    assert info.status == "RUNNING"
    assert info.end_time is None
    assert info.lifecycle_stage == "active"
    assert before - 5000 <= info.start_time <= now_ms() + 5000
    assert info.artifact_uri == f"mlflow-artifacts:/{experiment_id}/{info.run_id}/artifacts"
    # A random name is generated and mirrored in the mlflow.runName tag.
    assert info.run_name
    tags = client.get_run(info.run_id).data.tags
    assert tags[MLFLOW_RUN_NAME] == info.run_name
    assert info.user_id == tags[MLFLOW_USER]

    mlflow.end_run()
    ended = client.get_run(info.run_id).info
    assert ended.status == "FINISHED"
    assert info.start_time <= ended.end_time <= now_ms() + 5000


def test_end_run_statuses(client, experiment_id):
    mlflow.set_experiment(experiment_id=experiment_id)
    with mlflow.start_run() as run:
        pass
    assert client.get_run(run.info.run_id).info.status == "FINISHED"

    with pytest.raises(RuntimeError):
        with mlflow.start_run() as failed:
            raise RuntimeError("boom")
    assert client.get_run(failed.info.run_id).info.status == "FAILED"

    mlflow.start_run()
    killed = mlflow.active_run().info.run_id
    mlflow.end_run(status="KILLED")
    assert client.get_run(killed).info.status == "KILLED"

    run_id = client.create_run(experiment_id).info.run_id
    client.set_terminated(run_id, "FAILED", end_time=1234)
    info = client.get_run(run_id).info
    assert (info.status, info.end_time) == ("FAILED", 1234)
    # Status-only updates keep the end time; name-only updates keep the status.
    client.update_run(run_id, status="SCHEDULED")
    info = client.get_run(run_id).info
    assert (info.status, info.end_time) == ("SCHEDULED", 1234)


def test_create_run_all_args(client, experiment_id):
    tags = {
        MLFLOW_USER: "username",
        "mlflow.source.type": "LOCAL",
        "mlflow.source.name": "Hello",
        MLFLOW_PARENT_RUN_ID: "7",
        "my": "tag",
    }
    created = client.create_run(experiment_id, start_time=456, tags=tags, run_name="my name")
    fetched = client.get_run(created.info.run_id)
    for run in (created, fetched):
        assert run.info.experiment_id == experiment_id
        assert run.info.user_id == "username"
        assert run.info.start_time == 456
        assert run.info.run_name == "my name"
        assert run.data.tags == {**tags, MLFLOW_RUN_NAME: "my name"}
    assert [r.info for r in client.search_runs([experiment_id])] == [fetched.info]


def test_create_run_defaults(client, experiment_id):
    run = client.create_run(experiment_id)
    fetched = client.get_run(run.info.run_id)
    assert fetched.info.user_id == "unknown"
    assert fetched.info.status == "RUNNING"
    assert fetched.data.params == {} and fetched.data.metrics == {}
    assert fetched.data.tags == {MLFLOW_RUN_NAME: fetched.info.run_name}


def test_nested_runs(client, experiment_id):
    mlflow.set_experiment(experiment_id=experiment_id)
    with mlflow.start_run(run_name="parent") as parent:
        with mlflow.start_run(run_name="child", nested=True) as child:
            assert mlflow.active_run().info.run_id == child.info.run_id
        with mlflow.start_run(run_name="child2", nested=True):
            pass
    pid = parent.info.run_id
    child_run = client.get_run(child.info.run_id)
    assert child_run.data.tags[MLFLOW_PARENT_RUN_ID] == pid
    assert MLFLOW_PARENT_RUN_ID not in client.get_run(pid).data.tags
    assert mlflow.get_parent_run(child.info.run_id).info.run_id == pid
    assert mlflow.get_parent_run(pid) is None
    children = client.search_runs(
        [experiment_id], filter_string=f"tags.mlflow.parentRunId = '{pid}'"
    )
    assert sorted(r.info.run_name for r in children) == ["child", "child2"]
    assert {r.info.status for r in children} == {"FINISHED"}


def test_run_name_and_run_name_tag_stay_in_sync(client, experiment_id):
    mlflow.set_experiment(experiment_id=experiment_id)
    with mlflow.start_run(run_name="first") as run:
        run_id = run.info.run_id
    assert client.get_run(run_id).data.tags[MLFLOW_RUN_NAME] == "first"

    def name_and_tag():
        r = client.get_run(run_id)
        return r.info.run_name, r.data.tags[MLFLOW_RUN_NAME]

    client.update_run(run_id, name="second")
    assert name_and_tag() == ("second", "second")
    assert client.get_run(run_id).info.status == "FINISHED"  # the name change kept the status

    client.set_tag(run_id, MLFLOW_RUN_NAME, "third")
    assert name_and_tag() == ("third", "third")

    client.log_batch(run_id, tags=[RunTag(MLFLOW_RUN_NAME, "fourth")])
    assert name_and_tag() == ("fourth", "fourth")

    # Search sees the new name as attribute and as tag.
    for flt in ("attributes.run_name = 'fourth'", "tags.`mlflow.runName` = 'fourth'"):
        assert [r.info.run_id for r in client.search_runs([experiment_id], flt)] == [run_id]
    assert client.search_runs([experiment_id], "attributes.run_name = 'first'") == []

    # A run created with only the tag takes its name from it.
    tagged = client.create_run(experiment_id, tags={MLFLOW_RUN_NAME: "from-tag"})
    assert tagged.info.run_name == "from-tag"
    assert client.get_run(tagged.info.run_id).info.run_name == "from-tag"


def test_create_run_with_conflicting_name_and_tag(client, experiment_id):
    with raises_code("INVALID_PARAMETER_VALUE", match="run_name"):
        client.create_run(experiment_id, run_name="a", tags={MLFLOW_RUN_NAME: "b"})
    same = client.create_run(experiment_id, run_name="a", tags={MLFLOW_RUN_NAME: "a"})
    assert same.info.run_name == "a"


def test_params_are_immutable(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_param(run_id, "lr", "0.1")
    client.log_param(run_id, "lr", "0.1")  # the same value again is fine
    client.log_param(run_id, "empty", "")
    client.log_param(run_id, "number", 5)  # values are strings on the wire
    with raises_code("INVALID_PARAMETER_VALUE", match="Changing param values is not allowed"):
        client.log_param(run_id, "lr", "0.2")
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.log_batch(run_id, params=[Param("lr", "0.3"), Param("other", "x")])
    params = client.get_run(run_id).data.params
    assert params == {"lr": "0.1", "empty": "", "number": "5"}

    with mlflow.start_run(run_id=run_id):
        mlflow.log_params({"lr": "0.1", "batch": "32"})
        with raises_code("INVALID_PARAMETER_VALUE"):
            mlflow.log_param("batch", "64")
    assert client.get_run(run_id).data.params["batch"] == "32"


def test_tags_upsert_and_delete(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.set_tag(run_id, "taggity", "do-dah")
    client.set_tag(run_id, "empty", "")
    client.set_tag(run_id, "taggity", "changed")  # tags are upserts
    with mlflow.start_run(run_id=run_id):
        mlflow.set_tags({"a": "1", "b": 2})
    tags = client.get_run(run_id).data.tags
    assert {k: tags[k] for k in ("taggity", "empty", "a", "b")} == {
        "taggity": "changed",
        "empty": "",
        "a": "1",
        "b": "2",
    }
    client.delete_tag(run_id, "taggity")
    assert "taggity" not in client.get_run(run_id).data.tags
    with raises_code("RESOURCE_DOES_NOT_EXIST", match="No tag with name: taggity"):
        client.delete_tag(run_id, "taggity")
    with raises_code("RESOURCE_DOES_NOT_EXIST", match=r"Run .+ not found"):
        client.delete_tag("f" * 32, "a")


def test_get_run_unknown_id(client):
    with raises_code("RESOURCE_DOES_NOT_EXIST", match="not found"):
        client.get_run("0" * 32)
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        mlflow.get_run("1" * 32)


def test_deleted_run_is_readable_but_read_only(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_param(run_id, "p", "1")
    client.set_tag(run_id, "t", "1")
    client.delete_run(run_id)

    run = client.get_run(run_id)
    assert run.info.lifecycle_stage == "deleted"
    assert run.data.params == {"p": "1"}

    writes = {
        "log_metric": lambda: client.log_metric(run_id, "m", 1.0),
        "log_param": lambda: client.log_param(run_id, "p2", "1"),
        "set_tag": lambda: client.set_tag(run_id, "t2", "1"),
        "delete_tag": lambda: client.delete_tag(run_id, "t"),
        "log_batch": lambda: client.log_batch(run_id, metrics=[Metric("m", 1.0, 1, 0)]),
        "set_terminated": lambda: client.set_terminated(run_id),
        "update_run name": lambda: client.update_run(run_id, name="renamed"),
        "log_inputs": lambda: client.log_inputs(
            run_id, [DatasetInput(Dataset("d", "dg", "http", "{}"), [])]
        ),
    }
    for what, write in writes.items():
        with raises_code("INVALID_PARAMETER_VALUE", match="must be in the 'active' state"):
            write()
    run = client.get_run(run_id)
    assert run.data.metrics == {} and run.data.params == {"p": "1"}
    assert run.data.tags["t"] == "1" and run.info.status == "RUNNING"

    client.delete_run(run_id)  # deleting again is allowed
    client.restore_run(run_id)
    assert client.get_run(run_id).info.lifecycle_stage == "active"
    client.log_metric(run_id, "m", 2.0)
    assert client.get_run(run_id).data.metrics == {"m": 2.0}


def test_long_values_are_truncated(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_param(run_id, "long", "x" * 7000)
    client.set_tag(run_id, "long", "y" * 9000)
    client.log_batch(
        run_id, params=[Param("batch-long", "z" * 6001)], tags=[RunTag("batch-long", "w" * 8001)]
    )
    run = client.get_run(run_id)
    assert run.data.params["long"] == "x" * 6000
    assert run.data.params["batch-long"] == "z" * 6000
    assert run.data.tags["long"] == "y" * 8000
    assert run.data.tags["batch-long"] == "w" * 8000
    # Re-logging the same long value compares after truncation: no conflict.
    client.log_param(run_id, "long", "x" * 6500)


def test_key_length_limit(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    ok = "k" * 250
    client.log_param(run_id, ok, "v")
    client.set_tag(run_id, ok, "v")
    client.log_metric(run_id, ok, 1.0)
    too_long = "k" * 251
    with raises_code("INVALID_PARAMETER_VALUE", match="250"):
        client.log_param(run_id, too_long, "v")
    with raises_code("INVALID_PARAMETER_VALUE", match="250"):
        client.set_tag(run_id, too_long, "v")
    with raises_code("INVALID_PARAMETER_VALUE", match="250"):
        client.log_metric(run_id, too_long, 1.0)
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.log_batch(run_id, params=[Param(too_long, "v")])
    run = client.get_run(run_id)
    assert list(run.data.params) == [ok] and list(run.data.metrics) == [ok]
    assert too_long not in run.data.tags


def test_invalid_key_names(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    for bad in ("a*b", "../x", "/abs", "a/../b", "."):
        with raises_code("INVALID_PARAMETER_VALUE"):
            client.log_metric(run_id, bad, 1.0)
        with raises_code("INVALID_PARAMETER_VALUE"):
            client.log_param(run_id, bad, "v")
        with raises_code("INVALID_PARAMETER_VALUE"):
            client.set_tag(run_id, bad, "v")
    # Allowed characters: alphanumerics, _ - . space : /
    good = "a_b-c.d e:f/g"
    client.log_metric(run_id, good, 1.0)
    client.log_param(run_id, good, "v")
    assert client.get_run(run_id).data.metrics == {good: 1.0}


def test_log_batch_round_trip(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_batch(
        run_id,
        metrics=[Metric("metric", 123.456, 789, 3), Metric("other", 1.0, 790, 0)],
        params=[Param("param", "value"), Param("empty", "")],
        tags=[RunTag("taggity", "do-dah"), RunTag("empty", "")],
    )
    run = client.get_run(run_id)
    assert run.data.metrics == {"metric": 123.456, "other": 1.0}
    assert run.data.params == {"param": "value", "empty": ""}
    assert run.data.tags["taggity"] == "do-dah" and run.data.tags["empty"] == ""
    [m] = client.get_metric_history(run_id, "metric")
    assert (m.key, m.value, m.timestamp, m.step) == ("metric", 123.456, 789, 3)


def test_log_batch_limits(client, experiment_id):
    """The server enforces the per-request limits (the client splits big batches itself)."""
    run_id = client.create_run(experiment_id).info.run_id
    store = rest_store(client)
    metric = Metric("m", 1.0, 1, 0)
    cases = {
        "1001 metrics": dict(metrics=[metric] * 1001, params=[], tags=[]),
        "101 params": dict(metrics=[], params=[Param(f"p{i}", "v") for i in range(101)], tags=[]),
        "101 tags": dict(metrics=[], params=[], tags=[RunTag(f"t{i}", "v") for i in range(101)]),
        "1001 in total": dict(
            metrics=[metric] * 950, params=[Param(f"q{i}", "v") for i in range(51)], tags=[]
        ),
    }
    for what, batch in cases.items():
        with raises_code("INVALID_PARAMETER_VALUE", match="at most"):
            store.log_batch(run_id, **batch)
    # A rejected batch writes nothing.
    run = client.get_run(run_id)
    assert run.data.metrics == {} and run.data.params == {}
    assert set(run.data.tags) == {MLFLOW_RUN_NAME}

    # Exactly at the limits is fine.
    store.log_batch(
        run_id,
        metrics=[Metric("m", float(i), i, i) for i in range(900)],
        params=[Param(f"p{i}", "v") for i in range(100)],
        tags=[],
    )
    store.log_batch(run_id, metrics=[], params=[], tags=[RunTag(f"t{i}", "v") for i in range(100)])
    run = client.get_run(run_id)
    assert run.data.metrics == {"m": 899.0}
    assert len(run.data.params) == 100 and len(run.data.tags) == 101


def test_log_batch_duplicate_param_keys(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    store = rest_store(client)
    with raises_code("INVALID_PARAMETER_VALUE", match="Duplicate parameter keys"):
        store.log_batch(run_id, metrics=[], params=[Param("a", "1"), Param("a", "2")], tags=[])
    # MLflow rejects a repeated key even when the values agree.
    with raises_code("INVALID_PARAMETER_VALUE", match="Duplicate parameter keys"):
        store.log_batch(run_id, metrics=[], params=[Param("a", "1"), Param("a", "1")], tags=[])
    assert client.get_run(run_id).data.params == {}


def test_client_splits_large_batches(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_batch(
        run_id,
        metrics=[Metric(f"m{i % 3}", float(i), 1000 + i, i) for i in range(2500)],
        params=[Param(f"p{i}", str(i)) for i in range(250)],
        tags=[RunTag(f"t{i}", str(i)) for i in range(150)],
    )
    run = client.get_run(run_id)
    assert run.data.metrics == {"m0": 2499.0, "m1": 2497.0, "m2": 2498.0}
    assert len(run.data.params) == 250 and run.data.params["p249"] == "249"
    assert len([k for k in run.data.tags if k.startswith("t")]) == 150
    assert len(client.get_metric_history(run_id, "m0")) == 834


def test_log_input_with_dataset(client, experiment_id):
    mlflow.set_experiment(experiment_id=experiment_id)
    dataset = DictDataset(
        "train-ds",
        "https://example.com/data/train.csv",
        schema='{"mlflow_colspec": [{"name": "a", "type": "long"}]}',
        profile='{"num_rows": 2}',
    )
    with mlflow.start_run() as run:
        mlflow.log_input(dataset, context="training", tags={"foo": "baz"})
    [inp] = client.get_run(run.info.run_id).inputs.dataset_inputs
    assert inp.dataset.name == "train-ds"
    assert inp.dataset.digest == dataset.digest
    assert inp.dataset.source_type == "http"
    assert inp.dataset.source == dataset.source.to_json()
    assert inp.dataset.schema == '{"mlflow_colspec": [{"name": "a", "type": "long"}]}'
    assert inp.dataset.profile == '{"num_rows": 2}'
    assert {t.key: t.value for t in inp.tags} == {"foo": "baz", "mlflow.data.context": "training"}


def test_log_inputs_entities(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    d1 = Dataset(name="name1", digest="digest1", source_type="source_type1", source="source1")
    d2 = Dataset(name="name2", digest="digest2", source_type="local", source='{"uri": "/x"}')
    client.log_inputs(
        run_id,
        [
            DatasetInput(d1, [InputTag("tag1", "value1")]),
            DatasetInput(d2, [InputTag("mlflow.data.context", "eval")]),
        ],
    )
    inputs = client.get_run(run_id).inputs.dataset_inputs
    by_name = {i.dataset.name: i for i in inputs}
    assert set(by_name) == {"name1", "name2"}
    assert by_name["name1"].dataset.digest == "digest1"
    assert by_name["name1"].dataset.source_type == "source_type1"
    assert by_name["name1"].dataset.source == "source1"
    assert [(t.key, t.value) for t in by_name["name1"].tags] == [("tag1", "value1")]
    assert by_name["name2"].dataset.schema in (None, "")

    # The same dataset is linked to a run once: logging it again changes nothing.
    client.log_inputs(run_id, [DatasetInput(d1, [InputTag("tag1", "value1")])])
    client.log_inputs(run_id, [DatasetInput(d1, [InputTag("mlflow.data.context", "test")])])
    inputs = client.get_run(run_id).inputs.dataset_inputs
    assert sorted(i.dataset.name for i in inputs) == ["name1", "name2"]
    again = next(i for i in inputs if i.dataset.name == "name1")
    assert [(t.key, t.value) for t in again.tags] == [("tag1", "value1")]

    # Inputs show up in search results too.
    [found] = client.search_runs([experiment_id])
    assert sorted(i.dataset.name for i in found.inputs.dataset_inputs) == ["name1", "name2"]


def test_run_status_enum_round_trip(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    for status in ("SCHEDULED", "FAILED", "KILLED", "FINISHED", "RUNNING"):
        client.update_run(run_id, status=status)
        assert client.get_run(run_id).info.status == status
        assert RunStatus.from_string(client.get_run(run_id).info.status) is not None


def test_create_run_in_missing_experiment(client):
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.create_run("987654321")
