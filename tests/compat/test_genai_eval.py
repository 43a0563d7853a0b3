"""GenAI evaluation with the stock client: evaluation datasets (create, merge_records that insert
and update, ``to_df``, search, tags, experiment links, delete), registered scorers (register with
versions, list, versions, get, delete) and ``mlflow.genai.evaluate`` with a local ``predict_fn``
and a code-only ``@scorer`` against a stored evaluation dataset (no LLM, no network).
"""

from __future__ import annotations

import uuid

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.genai import datasets as gd


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def client(tracking_uri: str) -> MlflowClient:
    return MlflowClient(tracking_uri)


@pytest.fixture
def experiment_id(client: MlflowClient) -> str:
    return client.create_experiment(_unique("genai-eval"))


@pytest.fixture(autouse=True)
def _sync_trace_export(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")
    mlflow.tracing.reset()
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()


def test_dataset_lifecycle(client: MlflowClient, experiment_id: str):
    name = _unique("golden")
    ds = gd.create_dataset(name=name, experiment_id=experiment_id, tags={"team": "qa"})
    assert ds.dataset_id.startswith("d-")
    assert ds.name == name
    assert ds.tags["team"] == "qa"

    ds.merge_records(
        [
            {"inputs": {"question": "2+2"}, "expectations": {"answer": "4"}},
            {"inputs": {"question": "capital of France"}, "expectations": {"answer": "Paris"}},
        ]
    )
    # One update (same inputs: expectations merged) and one insert.
    ds.merge_records(
        [
            {"inputs": {"question": "2+2"}, "expectations": {"explanation": "sum"}},
            {"inputs": {"question": "3*3"}, "expectations": {"answer": "9"}},
        ]
    )
    got = gd.get_dataset(dataset_id=ds.dataset_id)
    df = got.to_df()
    assert len(df) == 3
    by_q = {row["inputs"]["question"]: row for _, row in df.iterrows()}
    assert by_q["2+2"]["expectations"] == {"answer": "4", "explanation": "sum"}
    assert by_q["3*3"]["expectations"] == {"answer": "9"}
    assert got.profile and '"num_records": 3' in got.profile
    assert "question" in got.schema

    found = gd.search_datasets(experiment_ids=experiment_id)
    assert [d.dataset_id for d in found] == [ds.dataset_id]
    found = gd.search_datasets(filter_string=f"name = '{name}'")
    assert [d.dataset_id for d in found] == [ds.dataset_id]
    assert gd.search_datasets(filter_string=f"name = '{name}' AND tags.team = 'other'") == []

    gd.set_dataset_tags(dataset_id=ds.dataset_id, tags={"stage": "v1"})
    gd.delete_dataset_tag(dataset_id=ds.dataset_id, key="team")
    tags = gd.get_dataset(dataset_id=ds.dataset_id).tags
    assert tags.get("stage") == "v1" and "team" not in tags

    other = client.create_experiment(_unique("genai-eval-other"))
    linked = gd.add_dataset_to_experiments(dataset_id=ds.dataset_id, experiment_ids=[other])
    assert sorted(linked.experiment_ids) == sorted([experiment_id, other])
    unlinked = gd.remove_dataset_from_experiments(
        dataset_id=ds.dataset_id, experiment_ids=[experiment_id]
    )
    assert unlinked.experiment_ids == [other]

    gd.delete_dataset(dataset_id=ds.dataset_id)
    with pytest.raises(MlflowException, match="not found"):
        gd.get_dataset(dataset_id=ds.dataset_id)


def test_registered_scorers_with_versions(experiment_id: str):
    from mlflow.genai.scorers import Safety, delete_scorer, get_scorer, list_scorers
    from mlflow.genai.scorers.registry import list_scorer_versions

    name = _unique("safety")
    Safety().register(name=name, experiment_id=experiment_id)
    Safety().register(name=name, experiment_id=experiment_id)
    listed = list_scorers(experiment_id=experiment_id)
    assert [s.name for s in listed] == [name]
    versions = list_scorer_versions(name=name, experiment_id=experiment_id)
    assert [v for _, v in versions] == [1, 2]
    assert get_scorer(name=name, experiment_id=experiment_id).name == name
    assert get_scorer(name=name, experiment_id=experiment_id, version=1).name == name

    delete_scorer(name=name, experiment_id=experiment_id, version=2)
    versions = list_scorer_versions(name=name, experiment_id=experiment_id)
    assert [v for _, v in versions] == [1]
    delete_scorer(name=name, experiment_id=experiment_id, version="all")
    assert list_scorers(experiment_id=experiment_id) == []
    with pytest.raises(MlflowException, match="not found"):
        get_scorer(name=name, experiment_id=experiment_id)


def test_code_scorer_registration_is_refused(experiment_id: str):
    from mlflow.genai.scorers import scorer

    @scorer
    def is_short(outputs) -> bool:
        return len(outputs) < 10

    with pytest.raises(MlflowException, match="Custom scorer registration"):
        is_short.register(name=_unique("short"), experiment_id=experiment_id)


def test_evaluate_against_an_evaluation_dataset(experiment_id: str):
    from mlflow.genai.scorers import scorer

    mlflow.set_experiment(experiment_id=experiment_id)

    @scorer
    def exact_match(outputs, expectations) -> bool:
        return outputs == expectations["answer"]

    ds = gd.create_dataset(name=_unique("eval-set"), experiment_id=experiment_id)
    ds.merge_records(
        [
            {"inputs": {"q": "a"}, "expectations": {"answer": "A"}},
            {"inputs": {"q": "b"}, "expectations": {"answer": "X"}},
        ]
    )

    def run_eval():
        return mlflow.genai.evaluate(
            data=gd.get_dataset(dataset_id=ds.dataset_id),
            predict_fn=lambda q: q.upper(),
            scorers=[exact_match],
        )

    first = run_eval()
    assert first.metrics["exact_match/mean"] == pytest.approx(0.5)
    traces = mlflow.search_traces(run_id=first.run_id, return_type="list")
    assert len(traces) == 2
    assert all(any(a.name == "exact_match" for a in t.info.assessments) for t in traces)

    # Fix the expectation, add a record, evaluate again: the second run sees the new data.
    ds.merge_records(
        [
            {"inputs": {"q": "b"}, "expectations": {"answer": "B"}},
            {"inputs": {"q": "c"}, "expectations": {"answer": "C"}},
        ]
    )
    second = run_eval()
    assert second.run_id != first.run_id
    assert second.metrics["exact_match/mean"] == pytest.approx(1.0)
    assert len(mlflow.search_traces(run_id=second.run_id, return_type="list")) == 3
    run = MlflowClient().get_run(second.run_id)
    assert run.data.metrics["exact_match/mean"] == pytest.approx(1.0)
