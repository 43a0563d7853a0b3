"""Seeds a realistic data set through the stock MLflow client for the browser tier.

Run with MLFLOW_TRACKING_URI pointing at the server under test. Prints one JSON line with the
ids the browser test needs (the last line of stdout).
"""

import json
import os
import struct
import tempfile
import zlib

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import AssessmentSource, AssessmentSourceType, SpanType
from sklearn.linear_model import LinearRegression


def png_bytes(width=32, height=32):
    """A small RGB gradient PNG, written without Pillow."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (x * 8 % 256, y * 8 % 256, 128))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@mlflow.trace(span_type=SpanType.RETRIEVER)
def fetch_context(question):
    return [f"context for {question}"]


@mlflow.trace(name="answer_question", span_type=SpanType.CHAIN)
def answer_question(question):
    docs = fetch_context(question)
    with mlflow.start_span(name="call_llm", span_type=SpanType.LLM) as span:
        span.set_inputs({"messages": [{"role": "user", "content": question}], "docs": docs})
        answer = "Paris is the capital of France."
        span.set_outputs({"answer": answer})
    return answer


def seed_traces(client):
    """Traces with nested spans in one experiment (one inside a run), with assessments."""
    exp = mlflow.set_experiment("ui-exp-traces").experiment_id
    answer_question("What is the capital of France?")
    trace_id = mlflow.get_last_active_trace_id()
    with mlflow.start_run(run_name="traced-run") as run:
        answer_question("What is the capital of Peru?")
        run_trace_id = mlflow.get_last_active_trace_id()
    mlflow.flush_trace_async_logging()
    human = AssessmentSource(source_type=AssessmentSourceType.HUMAN, source_id="ui-reviewer")
    mlflow.log_feedback(
        trace_id=trace_id,
        name="correctness",
        value=True,
        rationale="matches the reference answer",
        source=human,
    )
    mlflow.log_expectation(
        trace_id=trace_id,
        name="expected_answer",
        value="Paris",
        source=human,
    )
    return {
        "exp_traces": exp,
        "trace_id": trace_id,
        "run_trace_id": run_trace_id,
        "traced_run": run.info.run_id,
    }


def seed_evaluation():
    """An evaluation dataset, a registered judge and one `mlflow.genai.evaluate` run."""
    from mlflow.genai import datasets
    from mlflow.genai.scorers import Safety, scorer

    exp = mlflow.set_experiment("ui-exp-eval").experiment_id
    ds = datasets.create_dataset(name="ui-golden-set", experiment_id=exp, tags={"team": "ui"})
    ds.merge_records(
        [
            {"inputs": {"question": "capital of France"}, "expectations": {"answer": "PARIS"}},
            {"inputs": {"question": "capital of Peru"}, "expectations": {"answer": "LIMA"}},
        ]
    )
    Safety().register(name="ui-safety-judge", experiment_id=exp)

    @scorer
    def exact_match(outputs, expectations) -> bool:
        return outputs == expectations["answer"]

    result = mlflow.genai.evaluate(
        data=datasets.get_dataset(dataset_id=ds.dataset_id),
        predict_fn=lambda question: question.split()[-1].upper(),
        scorers=[exact_match],
    )
    mlflow.flush_trace_async_logging()
    return {"exp_eval": exp, "eval_run": result.run_id, "dataset_id": ds.dataset_id}


def main():
    client = MlflowClient()
    exp_a = mlflow.set_experiment("ui-exp-alpha").experiment_id
    with mlflow.start_run(run_name="parent-run") as parent:
        mlflow.log_params({"learning_rate": "0.01", "batch_size": "32"})
        mlflow.set_tags({"team": "ui-tier", "stage": "test"})
        for step in range(100):
            mlflow.log_metrics(
                {"loss": round(1.0 / (step + 1), 6), "accuracy": round(step / 100, 4)},
                step=step,
            )
        mlflow.log_text("hello from the browser tier", "notes/readme.txt")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "plot.png")
            with open(path, "wb") as f:
                f.write(png_bytes())
            mlflow.log_artifact(path, "images")
        mlflow.log_table(
            {"city": ["Paris", "Lima", "Oslo"], "score": [0.91, 0.85, 0.77]},
            "tables/results.json",
        )
        x = pd.DataFrame({"feature_a": [1.0, 2.0, 3.0, 4.0], "feature_b": [0.5, 0.1, 0.3, 0.9]})
        y = np.array([1.0, 2.0, 3.0, 4.0])
        model = LinearRegression().fit(x, y)
        info = mlflow.sklearn.log_model(model, name="model", input_example=x.head(2))
        with mlflow.start_run(run_name="child-run", nested=True) as child:
            mlflow.log_param("depth", "2")
            for step in range(100):
                mlflow.log_metric("loss", round(2.0 / (step + 1), 6), step=step)
    model_uri = info.model_uri
    v1 = mlflow.register_model(model_uri, "ui-model")
    v2 = mlflow.register_model(model_uri, "ui-model")
    client.set_registered_model_alias("ui-model", "champion", v2.version)
    client.set_registered_model_tag("ui-model", "owner", "ui-tier")
    client.set_model_version_tag("ui-model", v1.version, "validated", "yes")

    exp_b = mlflow.set_experiment("ui-exp-beta").experiment_id
    with mlflow.start_run(run_name="beta-run") as beta:
        mlflow.log_param("alpha", "0.5")
        for step in range(100):
            mlflow.log_metric("rmse", round(3.0 / (step + 1), 6), step=step)

    mlflow.genai.register_prompt(
        name="ui-prompt",
        template="Summarize {{text}} in one sentence.",
        commit_message="first version",
    )
    traced = seed_traces(client)
    evaluated = seed_evaluation()
    print(
        json.dumps({
            **traced,
            **evaluated,
            "exp_a": exp_a,
            "exp_b": exp_b,
            "parent": parent.info.run_id,
            "child": child.info.run_id,
            "beta": beta.info.run_id,
            "model_id": info.model_id,
            "versions": [v1.version, v2.version],
        })
    )


if __name__ == "__main__":
    main()
