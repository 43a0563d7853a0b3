"""``mlflow.genai.evaluate`` side by side: the same script against this server and against a real
``mlflow server`` 3.17.2 (sqlite), and what each stored compared field by field.

The script builds an evaluation dataset (records with inputs, expectations and tags), evaluates a
local ``predict_fn`` with three code scorers (a boolean, a number, a ``Feedback`` with a
rationale), changes the dataset (one record updated, one inserted) and evaluates again. Read back
through the stock client: the dataset's records, tags and schema; each evaluation run's status,
metrics, params, tags and dataset inputs; each trace's state, request/response, tags, spans and
assessments. Ids, times and the server's address are normalised away; everything else must match.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mlflow
import pytest
from mlflow import MlflowClient
from mlflow.entities import Feedback
from mlflow.genai import datasets as gd
from mlflow.genai.scorers import scorer

from reference_server import reference_server

VOLATILE_TAGS = ("mlflow.user", "mlflow.source.name", "mlflow.runName", "mlflow.artifactLocation")


@scorer
def exact_match(outputs, expectations) -> bool:
    return outputs == expectations["answer"]


@scorer
def length(outputs) -> int:
    return len(outputs)


@scorer
def politeness(inputs, outputs) -> Feedback:
    polite = outputs.endswith("!")
    return Feedback(value="yes" if polite else "no", rationale=f"{inputs['q']} -> {outputs}")


def _predict(q: str) -> str:
    return q.upper() + ("!" if len(q) > 1 else "")


def _tags(tags: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in tags.items() if k not in VOLATILE_TAGS and not k.endswith("Id")}


def _span(span: Any) -> dict[str, Any]:
    return {
        "name": span.name,
        "type": span.span_type,
        "status": span.status.status_code.value,
        "inputs": span.inputs,
        "outputs": span.outputs,
        "root": span.parent_id is None,
    }


def _assessment(a: Any) -> dict[str, Any]:
    value = a.feedback.value if a.feedback is not None else a.expectation.value
    return {
        "name": a.name,
        "kind": "feedback" if a.feedback is not None else "expectation",
        "value": value,
        "source_type": a.source.source_type,
        "rationale": a.rationale,
        "error": a.feedback.error.error_message if a.feedback and a.feedback.error else None,
    }


def _run(client: MlflowClient, run_id: str) -> dict[str, Any]:
    run = client.get_run(run_id)
    traces = mlflow.search_traces(run_id=run_id, return_type="list")
    return {
        "status": run.info.status,
        "metrics": run.data.metrics,
        "params": run.data.params,
        "tags": _tags(run.data.tags),
        "inputs": sorted(
            # The digest hashes the dataset's name and update time (MLflow's formula, both sides).
            (d.dataset.name, d.dataset.source_type, len(d.dataset.digest),
             sorted((t.key, t.value) for t in d.tags))
            for d in run.inputs.dataset_inputs
        ),  # fmt: skip
        "traces": sorted(
            (
                {
                    "state": t.info.state.value,
                    "request": t.info.request_preview,
                    "response": t.info.response_preview,
                    "tags": _tags(t.info.tags),
                    "spans": sorted((_span(s) for s in t.data.spans), key=json.dumps),
                    "assessments": sorted(
                        (_assessment(a) for a in t.info.assessments), key=json.dumps
                    ),
                }
                for t in traces
            ),
            key=lambda t: t["request"],
        ),
    }


def _scenario(url: str) -> dict[str, Any]:
    mlflow.set_tracking_uri(url)
    mlflow.tracing.reset()
    client = MlflowClient(url)
    experiment_id = client.create_experiment("side-by-side")
    mlflow.set_experiment(experiment_id=experiment_id)
    ds = gd.create_dataset(name="golden", experiment_id=experiment_id, tags={"team": "qa"})
    ds.merge_records(
        [
            {"inputs": {"q": "a"}, "expectations": {"answer": "A"}, "tags": {"kind": "short"}},
            {"inputs": {"q": "bb"}, "expectations": {"answer": "BB"}},
            {"inputs": {"q": "cc"}, "expectations": {"answer": "CC!"}},
        ]
    )
    runs = []
    for round_ in range(2):
        result = mlflow.genai.evaluate(
            data=gd.get_dataset(dataset_id=ds.dataset_id),
            predict_fn=_predict,
            scorers=[exact_match, length, politeness],
        )
        runs.append(_run(client, result.run_id))
        if round_ == 0:
            ds.merge_records(
                [
                    {"inputs": {"q": "bb"}, "expectations": {"answer": "BB!"}},
                    {"inputs": {"q": "d"}, "expectations": {"answer": "D"}},
                ]
            )
    stored = gd.get_dataset(dataset_id=ds.dataset_id)
    records = stored.to_df()
    return {
        "dataset": {
            "name": stored.name,
            "tags": _tags(stored.tags or {}),
            "schema": json.loads(stored.schema) if stored.schema else None,
            "records": sorted(
                (
                    json.dumps(
                        {
                            "inputs": r["inputs"],
                            "expectations": r["expectations"],
                            "tags": r.get("tags"),
                            "source_type": r["source_type"],
                        },
                        sort_keys=True,
                    )
                    for r in records.to_dict("records")
                )
            ),
        },
        "runs": runs,
    }


@pytest.fixture(autouse=True)
def _sync_export(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")
    previous = mlflow.get_tracking_uri()
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()
    mlflow.set_tracking_uri(previous)
    mlflow.tracing.reset()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    workdir = tmp_path_factory.mktemp("reference-mlflow")
    with reference_server(workdir) as url:
        return _scenario(url)


def test_evaluate_stores_what_mlflow_server_stores(
    tracking_uri: str, reference: dict[str, Any], tmp_path: Path
) -> None:
    ours = _scenario(tracking_uri)
    (tmp_path / "ours.json").write_text(json.dumps(ours, indent=1, sort_keys=True, default=str))
    (tmp_path / "reference.json").write_text(
        json.dumps(reference, indent=1, sort_keys=True, default=str)
    )
    assert _differences(ours, reference) == []
    # Not vacuous: both evaluations produced every trace, assessment and metric.
    assert [len(r["traces"]) for r in ours["runs"]] == [3, 4]
    assert all(len(t["assessments"]) >= 3 for r in ours["runs"] for t in r["traces"])
    assert ours["runs"][0]["metrics"]["exact_match/mean"] == pytest.approx(2 / 3)
    assert ours["runs"][1]["metrics"]["exact_match/mean"] == pytest.approx(1.0)


def _differences(mine: Any, theirs: Any, path: str = "") -> list[str]:
    if isinstance(mine, dict) and isinstance(theirs, dict):
        out = []
        for key in sorted(set(mine) | set(theirs), key=str):
            if key not in mine or key not in theirs:
                out.append(f"{path}.{key}: only in {'ours' if key in mine else 'mlflow server'}")
            else:
                out.extend(_differences(mine[key], theirs[key], f"{path}.{key}"))
        return out
    if isinstance(mine, list) and isinstance(theirs, list):
        if len(mine) != len(theirs):
            return [f"{path}: {len(mine)} items, mlflow server {len(theirs)}"]
        return [d for i, (a, b) in enumerate(zip(mine, theirs)) for d in _differences(a, b, f"{path}[{i}]")]
    return [] if mine == theirs else [f"{path}: ours {mine!r}, mlflow server {theirs!r}"]
