"""Experiments through the stock client: create/get/rename/delete/restore, tags, search.

Ideas from MLflow's tests/tracking/test_rest_tracking.py (test_create_get_search_experiment,
test_delete_restore_experiment, test_rename_experiment, test_get_experiment_by_name,
test_search_experiments, test_set_experiment_tag, test_delete_experiment_tag), adapted to a server
shared by all tests: every search is restricted to the experiments the test made.
"""

from __future__ import annotations

import time

import mlflow
import pytest
from mlflow.entities import ViewType
from mlflow.exceptions import MlflowException

from helpers import (  # noqa: F401 (fixtures)
    _reset_fluent_state,
    client,
    experiment_id,
    now_ms,
    raises_code,
    unique,
)


def _names(experiments) -> list[str]:
    return [e.name for e in experiments]


def test_set_experiment_creates_then_reuses(client):
    name = unique("set-exp")
    assert client.get_experiment_by_name(name) is None

    created = mlflow.set_experiment(name)
    assert created.name == name
    assert created.lifecycle_stage == "active"
    assert created.experiment_id != "0"

    again = mlflow.set_experiment(name)
    assert again.experiment_id == created.experiment_id
    assert len(client.search_experiments(filter_string=f"name = '{name}'")) == 1

    # Runs started afterwards land in it.
    with mlflow.start_run() as run:
        assert run.info.experiment_id == created.experiment_id

    by_id = mlflow.set_experiment(experiment_id=created.experiment_id)
    assert by_id.name == name


def test_set_experiment_refuses_deleted_experiment(client):
    name = unique("set-deleted")
    exp_id = client.create_experiment(name)
    client.delete_experiment(exp_id)
    # get-by-name must still return the deleted experiment: the client checks its stage.
    with raises_code("INVALID_PARAMETER_VALUE", match="Cannot set a deleted experiment"):
        mlflow.set_experiment(name)
    with raises_code("INVALID_PARAMETER_VALUE", match="Cannot set a deleted experiment"):
        mlflow.set_experiment(experiment_id=exp_id)


def test_create_experiment_with_tags_and_artifact_location(client):
    name = unique("create")
    before = now_ms()
    exp_id = client.create_experiment(
        name, artifact_location="s3://my-bucket/some/prefix", tags={"k1": "v1", "k2": "v2"}
    )
    assert isinstance(exp_id, str) and exp_id.isdigit()
    exp = client.get_experiment(exp_id)
    assert exp.experiment_id == exp_id
    assert exp.name == name
    assert exp.artifact_location == "s3://my-bucket/some/prefix"
    assert exp.tags == {"k1": "v1", "k2": "v2"}
    assert exp.lifecycle_stage == "active"
    assert before - 5000 <= exp.creation_time <= now_ms() + 5000
    assert exp.last_update_time >= exp.creation_time


def test_default_artifact_location_is_under_the_artifact_root(client):
    exp_id = client.create_experiment(unique("art"))
    exp = client.get_experiment(exp_id)
    assert exp.artifact_location == f"mlflow-artifacts:/{exp_id}"
    run = client.create_run(exp_id)
    assert run.info.artifact_uri == f"mlflow-artifacts:/{exp_id}/{run.info.run_id}/artifacts"


def test_get_experiment_and_by_name(client):
    name = unique("get")
    exp_id = client.create_experiment(name)
    by_id = client.get_experiment(exp_id)
    by_name = client.get_experiment_by_name(name)
    assert by_id.experiment_id == by_name.experiment_id == exp_id
    assert by_id.name == by_name.name == name
    assert client.get_experiment_by_name(unique("missing")) is None
    assert mlflow.get_experiment_by_name(unique("missing")) is None
    # Names are case-sensitive.
    assert client.get_experiment_by_name(name.upper()) is None


def test_default_experiment(client):
    default = client.get_experiment("0")
    assert default.name == "Default"
    assert default.lifecycle_stage == "active"
    assert default.artifact_location == "mlflow-artifacts:/0"
    assert client.get_experiment_by_name("Default").experiment_id == "0"
    # With no experiment set, fluent runs go to experiment "0".
    with mlflow.start_run() as run:
        assert run.info.experiment_id == "0"
    assert "Default" in _names(client.search_experiments(filter_string="name = 'Default'"))


def test_rename_experiment(client):
    old, new = unique("old"), unique("new")
    exp_id = client.create_experiment(old)
    created = client.get_experiment(exp_id)
    time.sleep(0.01)
    client.rename_experiment(exp_id, new)
    renamed = client.get_experiment(exp_id)
    assert renamed.name == new
    assert renamed.last_update_time >= created.last_update_time
    assert client.get_experiment_by_name(old) is None
    assert client.get_experiment_by_name(new).experiment_id == exp_id
    # The old name is free again.
    other = client.create_experiment(old)
    assert other != exp_id


def test_delete_restore_experiment(client):
    exp_id = client.create_experiment(unique("del"))
    assert client.get_experiment(exp_id).lifecycle_stage == "active"
    client.delete_experiment(exp_id)
    deleted = client.get_experiment(exp_id)
    assert deleted.lifecycle_stage == "deleted"
    client.restore_experiment(exp_id)
    assert client.get_experiment(exp_id).lifecycle_stage == "active"


def test_delete_and_restore_cascade_to_runs(client):
    exp_id = client.create_experiment(unique("cascade"))
    kept = client.create_run(exp_id).info.run_id
    deleted_first = client.create_run(exp_id).info.run_id
    client.delete_run(deleted_first)

    def ids(view):
        return {r.info.run_id for r in client.search_runs([exp_id], run_view_type=view)}

    assert ids(ViewType.ACTIVE_ONLY) == {kept}
    assert ids(ViewType.DELETED_ONLY) == {deleted_first}

    client.delete_experiment(exp_id)
    assert client.get_run(kept).info.lifecycle_stage == "deleted"
    assert ids(ViewType.ACTIVE_ONLY) == set()
    assert ids(ViewType.DELETED_ONLY) == {kept, deleted_first}
    assert ids(ViewType.ALL) == {kept, deleted_first}
    # Fluent search defaults to ACTIVE_ONLY too.
    assert mlflow.search_runs([exp_id], output_format="list") == []
    # Runs of a deleted experiment reject writes.
    with raises_code("INVALID_PARAMETER_VALUE", match="must be in the 'active' state"):
        client.log_metric(kept, "m", 1.0)
    # ... and no new run may start in it.
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.create_run(exp_id)

    # Restoring the experiment restores all its runs, also the one deleted on its own before.
    client.restore_experiment(exp_id)
    assert ids(ViewType.ACTIVE_ONLY) == {kept, deleted_first}
    assert ids(ViewType.DELETED_ONLY) == set()
    assert client.get_run(deleted_first).info.lifecycle_stage == "active"
    client.log_metric(kept, "m", 1.0)
    assert client.get_run(kept).data.metrics == {"m": 1.0}


def test_duplicate_experiment_name(client):
    name = unique("dup")
    exp_id = client.create_experiment(name)
    with raises_code("RESOURCE_ALREADY_EXISTS"):
        client.create_experiment(name)
    client.delete_experiment(exp_id)
    # Names stay reserved while deleted.
    with raises_code("RESOURCE_ALREADY_EXISTS"):
        client.create_experiment(name)
    # Renaming onto a taken name fails too (and changes nothing).
    other = client.create_experiment(unique("dup-other"))
    with pytest.raises(MlflowException):
        client.rename_experiment(other, name)
    assert client.get_experiment(other).name != name
    assert client.get_experiment_by_name(name).experiment_id == exp_id


def test_experiment_tags(client, experiment_id):
    client.set_experiment_tag(experiment_id, "dataset", "imagenet1K")
    assert client.get_experiment(experiment_id).tags == {"dataset": "imagenet1K"}
    client.set_experiment_tag(experiment_id, "dataset", "birdbike")
    client.set_experiment_tag(experiment_id, "multiline tag", "value2\nvalue2\nvalue2")
    client.set_experiment_tag(experiment_id, "empty", "")
    assert client.get_experiment(experiment_id).tags == {
        "dataset": "birdbike",
        "multiline tag": "value2\nvalue2\nvalue2",
        "empty": "",
    }
    # Tags of one experiment do not leak into another.
    other = client.create_experiment(unique("tags-other"))
    assert client.get_experiment(other).tags == {}

    client.delete_experiment_tag(experiment_id, "dataset")
    assert "dataset" not in client.get_experiment(experiment_id).tags
    assert client.get_experiment(experiment_id).tags["multiline tag"] == "value2\nvalue2\nvalue2"

    # Fluent variant on the active experiment.
    mlflow.set_experiment(experiment_id=experiment_id)
    mlflow.set_experiment_tags({"a": "1", "b": "2"})
    mlflow.delete_experiment_tag("a")
    tags = client.get_experiment(experiment_id).tags
    assert tags.get("b") == "2" and "a" not in tags


def test_experiment_tag_value_limit(client, experiment_id):
    # MLflow 3.17 (the pinned client) allows experiment tag values up to 20,000 characters and
    # rejects longer ones (no truncation, unlike run tags).
    client.set_experiment_tag(experiment_id, "ok", "x" * 20000)
    assert len(client.get_experiment(experiment_id).tags["ok"]) == 20000
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.set_experiment_tag(experiment_id, "too-long", "x" * 20001)
    assert "too-long" not in client.get_experiment(experiment_id).tags


def test_experiment_tags_rejected_on_deleted_experiment(client, experiment_id):
    client.set_experiment_tag(experiment_id, "k", "v")
    client.delete_experiment(experiment_id)
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.set_experiment_tag(experiment_id, "k2", "v")
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.delete_experiment_tag(experiment_id, "k")


def _make_experiments(client, prefix, specs):
    """Creates experiments `prefix + suffix` in order, with distinct creation times."""
    ids = {}
    for suffix, tags in specs:
        time.sleep(0.005)
        ids[suffix] = client.create_experiment(prefix + suffix, tags=tags)
    return ids


def test_search_experiments_filters(client):
    p = unique("srch") + "-"
    _make_experiments(
        client, p, [("a", {"key": "value"}), ("ab", {"key": "vaLue"}), ("Abc", None)]
    )
    mine = f"name LIKE '{p}%'"

    def search(extra=None, **kwargs):
        flt = mine if extra is None else f"{mine} AND {extra}"
        return [e.name[len(p) :] for e in client.search_experiments(filter_string=flt, **kwargs)]

    # Default order: creation_time DESC.
    assert search() == ["Abc", "ab", "a"]
    assert search(f"attribute.name = '{p}a'") == ["a"]
    assert search(f"name != '{p}a'") == ["Abc", "ab"]
    # LIKE is case-sensitive, ILIKE is not.
    assert search(f"name LIKE '{p}a%'") == ["ab", "a"]
    assert search(f"name ILIKE '{p}a%'") == ["Abc", "ab", "a"]
    assert search("tag.key = 'value'") == ["a"]
    assert search("tags.key != 'value'") == ["ab"]
    assert search("tags.key ILIKE '%alu%'") == ["ab", "a"]
    assert search("tags.key LIKE '%alu%'") == ["a"]
    assert search("tags.`key` = 'vaLue'") == ["ab"]
    assert search("tags.key IS NULL") == ["Abc"]
    assert search("tags.key IS NOT NULL") == ["ab", "a"]
    assert search("tags.missing = 'x'") == []

    created = client.get_experiment_by_name(p + "ab").creation_time
    assert search(f"creation_time >= {created}") == ["Abc", "ab"]
    assert search(f"creation_time < {created}") == ["a"]


def test_search_experiments_order_by_and_paging(client):
    p = unique("page") + "-"
    _make_experiments(client, p, [(s, None) for s in ["c", "a", "E", "b", "d"]])
    mine = f"name LIKE '{p}%'"

    def names(exps):
        return [e.name[len(p) :] for e in exps]

    # Names sort case-sensitively (upper case first).
    assert names(client.search_experiments(filter_string=mine, order_by=["name"])) == [
        "E", "a", "b", "c", "d",
    ]  # fmt: skip
    assert names(client.search_experiments(filter_string=mine, order_by=["name DESC"])) == [
        "d", "c", "b", "a", "E",
    ]  # fmt: skip
    assert names(
        client.search_experiments(filter_string=mine, order_by=["creation_time ASC"])
    ) == ["c", "a", "E", "b", "d"]
    assert names(
        client.search_experiments(filter_string=mine, order_by=["experiment_id DESC"])
    ) == ["d", "b", "E", "a", "c"]

    # Paging: 2 + 2 + 1, the last page without a token.
    pages = []
    token = None
    while True:
        page = client.search_experiments(
            filter_string=mine, order_by=["name ASC"], max_results=2, page_token=token
        )
        pages.append(names(page))
        token = page.token
        if token is None:
            break
        assert len(pages) < 10, "paging does not end"
    assert pages == [["E", "a"], ["b", "c"], ["d"]]

    # A page that is exactly full and has nothing after it carries no token.
    exact = client.search_experiments(filter_string=mine, max_results=5)
    assert len(exact) == 5 and exact.token is None

    # The fluent API pages through everything itself.
    assert sorted(names(mlflow.search_experiments(filter_string=mine))) == sorted(
        ["c", "a", "E", "b", "d"]
    )


def test_search_experiments_view_type(client):
    p = unique("view") + "-"
    ids = _make_experiments(client, p, [("x", None), ("y", None), ("z", None)])
    client.delete_experiment(ids["y"])
    mine = f"name LIKE '{p}%'"

    def names(view):
        exps = client.search_experiments(view_type=view, filter_string=mine)
        return [e.name[len(p) :] for e in exps]

    assert names(ViewType.ACTIVE_ONLY) == ["z", "x"]
    assert names(ViewType.DELETED_ONLY) == ["y"]
    assert names(ViewType.ALL) == ["z", "y", "x"]
    # Default is ACTIVE_ONLY.
    assert [e.name for e in client.search_experiments(filter_string=mine)] == [p + "z", p + "x"]
    deleted = client.search_experiments(view_type=ViewType.DELETED_ONLY, filter_string=mine)
    assert deleted[0].lifecycle_stage == "deleted"
