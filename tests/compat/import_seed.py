"""The small history ``test_import.py`` seeds into a real ``mlflow server`` with the stock client.

Kept small for CI time, but with one of everything the import copies: an experiment with tags, a
deleted experiment, runs with params, tags, metric histories (one longer than a history page of
the test's import), a dataset input, nested and binary artifacts, a deleted failed run, a logged
model with params, tags and artifacts, a trace with spans, a tag and an assessment, a registered model with a deleted version (a gap in the
numbers), a stage, an alias and tags, a version registered from the logged model, and a prompt
with two versions and an alias.

Run alone against a server: ``python tests/compat/import_seed.py http://127.0.0.1:5000``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import uuid
import warnings
from pathlib import Path

import mlflow
from mlflow import MlflowClient
from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param, RunTag

LOSS_POINTS = 250


def seed(uri: str) -> dict:
    """Seeds the server at ``uri``; returns the ids and names the checks need."""
    mlflow.set_tracking_uri(uri)
    c = MlflowClient(uri)
    tag = uuid.uuid4().hex[:8]
    exp = c.create_experiment(f"import-{tag}", tags={"team": "ml", "purpose": "import test"})
    gone = c.create_experiment(f"import-gone-{tag}")

    run = c.create_run(exp, run_name="good", tags={"stage": "train"}, start_time=1_700_000_000_000)
    rid = run.info.run_id
    c.log_batch(
        rid,
        metrics=[Metric("loss", 1.0 / (i + 1), 1_700_000_000_000 + i, i) for i in range(LOSS_POINTS)]
        + [Metric("acc", 0.5 + i / 10, 1_700_000_000_000 + i, i) for i in range(3)],
        params=[Param("lr", "0.01"), Param("layers", "3"), Param("long", "x" * 600)],
        tags=[RunTag("note", "first"), RunTag("mlflow.note.content", "a *markdown* note")],
    )
    c.log_inputs(
        rid,
        [
            DatasetInput(
                Dataset(
                    name="train",
                    digest="abc123",
                    source_type="http",
                    source=json.dumps({"url": "https://example.com/train.csv"}),
                    schema=json.dumps({"mlflow_colspec": [{"name": "x", "type": "double"}]}),
                    profile=json.dumps({"num_rows": 10}),
                ),
                [InputTag("mlflow.data.context", "training")],
            )
        ],
    )
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        (root / "notes.txt").write_text("hello from the old server\n")
        (root / "model").mkdir()
        (root / "model" / "MLmodel").write_text("flavors: {}\n")
        (root / "model" / "weights.bin").write_bytes(bytes(range(256)) * 64)
        (root / "model" / "sub").mkdir()
        (root / "model" / "sub" / "deep.json").write_text('{"deep": true}')
        c.log_artifacts(rid, d)
    c.set_terminated(rid, "FINISHED", end_time=1_700_000_100_000)

    bad = c.create_run(exp, run_name="bad")
    c.log_metric(bad.info.run_id, "loss", 9.0, step=0)
    c.set_terminated(bad.info.run_id, "FAILED")
    c.delete_run(bad.info.run_id)

    old = c.create_run(gone, run_name="in-deleted-exp")
    c.log_param(old.info.run_id, "p", "1")
    c.set_terminated(old.info.run_id)
    c.delete_experiment(gone)

    model = c.create_logged_model(
        exp, name="clf", source_run_id=rid, params={"C": "1.0"}, tags={"kind": "sklearn"}
    )
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "MLmodel").write_text("artifact_path: clf\n")
        (Path(d) / "model.pkl").write_bytes(b"\x80\x04not really a pickle")
        c.log_model_artifacts(model.model_id, d)
    c.finalize_logged_model(model.model_id, "READY")
    c.log_batch(rid, metrics=[Metric("val_acc", 0.9, 1_700_000_000_500, 0, model_id=model.model_id)])

    name = f"import-model-{tag}"
    c.create_registered_model(name, tags={"owner": "ml"}, description="the model")
    source = f"{run.info.artifact_uri}/model"
    c.create_model_version(name, source, run_id=rid, tags={"v": "1"}, description="first")
    c.create_model_version(name, source, run_id=rid)
    c.create_model_version(name, source, run_id=rid, tags={"v": "3"})
    c.delete_model_version(name, "2")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # stages are deprecated, still served
        c.transition_model_version_stage(name, "3", "Production")
    c.set_registered_model_alias(name, "champion", "3")
    c.create_model_version(name, f"models:/{model.model_id}", model_id=model.model_id)

    trace_id = _trace(c, exp)

    prompt = f"import-prompt-{tag}"
    mlflow.genai.register_prompt(prompt, "Hello {{name}}!", commit_message="v1")
    mlflow.genai.register_prompt(prompt, "Hi {{name}}, welcome!", commit_message="v2")
    mlflow.genai.set_prompt_alias(prompt, "prod", 1)

    return {
        "experiment_id": exp,
        "deleted_experiment_id": gone,
        "run_id": rid,
        "deleted_run_id": bad.info.run_id,
        "run_in_deleted_experiment": old.info.run_id,
        "logged_model_id": model.model_id,
        "model_name": name,
        "prompt_name": prompt,
        "old_artifact_uri": run.info.artifact_uri,
        "trace_id": trace_id,
    }


def _trace(c: MlflowClient, experiment_id: str) -> str:
    """One trace (two spans) in the experiment, with a tag and a feedback assessment."""
    from mlflow.tracking import fluent

    mlflow.set_experiment(experiment_id=experiment_id)
    try:

        @mlflow.trace(name="answer")
        def answer(question: str) -> str:
            with mlflow.start_span("lookup") as span:
                span.set_inputs({"q": question})
                span.set_outputs({"hits": 2})
            return question.upper()

        answer("what is mlflow?")
        if hasattr(mlflow, "flush_trace_async_logging"):
            mlflow.flush_trace_async_logging()
        trace_id = mlflow.get_last_active_trace_id()
    finally:
        fluent._active_experiment_id = None
        mlflow.environment_variables.MLFLOW_EXPERIMENT_ID.unset()
    c.set_trace_tag(trace_id, "reviewed", "yes")
    mlflow.log_feedback(trace_id=trace_id, name="correct", value=True, rationale="looks right")
    return trace_id


if __name__ == "__main__":
    print(json.dumps(seed(sys.argv[1])))
