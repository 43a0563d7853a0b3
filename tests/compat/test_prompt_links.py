"""Prompt links with the stock client: a prompt version linked to a run, to a logged model and to
traces (loaded inside a traced call, and through ``link_prompts_to_trace``), and a prompt loaded
under an active experiment tagged with that experiment, as the UI's prompt pages read them.
"""

from __future__ import annotations

import json
import time
import uuid

import mlflow
import pytest
from mlflow import MlflowClient

LINKED = "mlflow.linkedPrompts"


def _linked(tags: dict[str, str]) -> list[tuple[str, str]]:
    return sorted((p["name"], str(p["version"])) for p in json.loads(tags.get(LINKED, "[]")))


@pytest.fixture
def prompt(tracking_uri: str):
    name = f"links-{uuid.uuid4().hex[:10]}"
    mlflow.genai.register_prompt(name=name, template="Answer {{question}} briefly.")
    mlflow.genai.register_prompt(name=name, template="Answer {{question}} in detail.")
    return name


@pytest.fixture(autouse=True)
def _sync_traces(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")
    mlflow.tracing.reset()
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()


def test_prompt_versions_link_to_a_run(prompt: str) -> None:
    client = MlflowClient()
    experiment_id = client.create_experiment(f"links-{uuid.uuid4().hex[:8]}")
    run = client.create_run(experiment_id)
    client.link_prompt_version_to_run(run.info.run_id, f"prompts:/{prompt}/1")
    client.link_prompt_version_to_run(run.info.run_id, f"prompts:/{prompt}/2")
    client.link_prompt_version_to_run(run.info.run_id, f"prompts:/{prompt}/2")  # once only
    tags = client.get_run(run.info.run_id).data.tags
    assert _linked(tags) == [(prompt, "1"), (prompt, "2")]


def test_prompt_version_links_to_a_logged_model(prompt: str) -> None:
    client = MlflowClient()
    experiment_id = client.create_experiment(f"links-{uuid.uuid4().hex[:8]}")
    model = client.create_logged_model(experiment_id, name="agent")
    client.link_prompt_version_to_model(prompt, "2", model.model_id)
    assert _linked(client.get_logged_model(model.model_id).tags) == [(prompt, "2")]


def test_prompts_loaded_in_a_trace_and_linked_later_are_on_the_trace(prompt: str) -> None:
    experiment_id = MlflowClient().create_experiment(f"links-{uuid.uuid4().hex[:8]}")
    mlflow.set_experiment(experiment_id=experiment_id)

    @mlflow.trace
    def answer(question: str) -> str:
        template = mlflow.genai.load_prompt(f"prompts:/{prompt}/1")
        return template.format(question=question)

    assert answer("why") == "Answer why briefly."
    trace_id = mlflow.get_last_active_trace_id()
    assert _linked(mlflow.get_trace(trace_id).info.tags) == [(prompt, "1")]

    second = MlflowClient().get_prompt_version(prompt, 2)
    from mlflow.tracing.client import TracingClient

    TracingClient().link_prompt_versions_to_trace(trace_id, [second])
    assert _linked(mlflow.get_trace(trace_id).info.tags) == [(prompt, "1"), (prompt, "2")]


def test_loading_a_prompt_under_an_experiment_tags_the_prompt(prompt: str) -> None:
    experiment_id = MlflowClient().create_experiment(f"links-{uuid.uuid4().hex[:8]}")
    mlflow.set_experiment(experiment_id=experiment_id)
    mlflow.genai.load_prompt(f"prompts:/{prompt}/1")
    deadline = time.monotonic() + 20  # the client tags the prompt from a background thread
    ids: list[str] = []
    while time.monotonic() < deadline:
        tags = MlflowClient().get_prompt(prompt).tags
        ids = [i for i in tags.get("_mlflow_experiment_ids", "").split(",") if i]
        if experiment_id in ids:
            break
        time.sleep(0.2)
    assert experiment_id in ids
