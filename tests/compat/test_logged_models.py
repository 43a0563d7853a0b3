"""MLflow 3 logged models with the stock client: ``mlflow.sklearn.log_model``, loading by
``runs:/`` and ``models:/m-…`` URIs, ``search_logged_models``, tags, params, finalize, delete.

These tests need the artifact proxy (model files are uploaded to and downloaded from
``mlflow-artifacts:/``). They fail, never skip, when artifacts do not work.
"""

from __future__ import annotations

import time
import uuid

import mlflow
import numpy as np
import pytest
import requests
from mlflow import MlflowClient
from mlflow.entities import LoggedModelStatus
from mlflow.exceptions import MlflowException
from sklearn.linear_model import LogisticRegression


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def client(tracking_uri: str) -> MlflowClient:
    return MlflowClient(tracking_uri)


@pytest.fixture
def experiment_id(client: MlflowClient) -> str:
    return client.create_experiment(_unique("logged-models"))


@pytest.fixture(autouse=True)
def _no_active_run():
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()


def _tiny_classifier() -> tuple[LogisticRegression, np.ndarray]:
    x = np.array([[0.0, 0.1], [0.2, 0.0], [1.0, 0.9], [0.9, 1.1], [0.1, 0.2], [1.1, 1.0]])
    y = np.array([0, 0, 1, 1, 0, 1])
    return LogisticRegression().fit(x, y), x


def test_sklearn_log_model_load_and_search(
    tracking_uri: str, client: MlflowClient, experiment_id: str
):
    model, x = _tiny_classifier()
    with mlflow.start_run(experiment_id=experiment_id) as run:
        run_id = run.info.run_id
        mlflow.log_param("C", "1.0")
        mlflow.log_metric("accuracy", 1.0, step=0)
        info = mlflow.sklearn.log_model(model, name="model")

    model_id = info.model_id
    assert model_id.startswith("m-")
    assert len(model_id) == 34

    # The logged model as the server keeps it.
    lm = mlflow.get_logged_model(model_id)
    assert lm.model_id == model_id
    assert lm.name == "model"
    assert lm.experiment_id == experiment_id
    assert lm.source_run_id == run_id
    # 3.11's log_model leaves the model pending; later clients finalize it after the upload.
    assert lm.status in (LoggedModelStatus.PENDING, LoggedModelStatus.READY)
    assert lm.artifact_location == f"mlflow-artifacts:/{experiment_id}/models/{model_id}/artifacts"
    assert lm.params == {"C": "1.0"}  # the run's params are copied onto the model
    # log_model re-logs the run's step-0 metrics with model_id: they show up on the model.
    assert [(m.key, m.value, m.step, m.run_id, m.model_id) for m in lm.metrics] == [
        ("accuracy", 1.0, 0, run_id, model_id)
    ]

    # The run records the model as an output.
    outputs = client.get_run(run_id).outputs
    assert [o.model_id for o in outputs.model_outputs] == [model_id]

    # The model's files went through the artifact proxy; load them back both ways.
    expected = model.predict(x)
    by_run = mlflow.pyfunc.load_model(f"runs:/{run_id}/model")
    by_id = mlflow.pyfunc.load_model(f"models:/{model_id}")
    np.testing.assert_array_equal(by_run.predict(x), expected)
    np.testing.assert_array_equal(by_id.predict(x), expected)
    assert by_id.metadata.model_id == model_id

    # Listing the model's artifacts through the logged-model endpoint.
    listing = requests.get(
        f"{tracking_uri}/ajax-api/2.0/mlflow/logged-models/{model_id}/artifacts/directories",
        timeout=30,
    )
    assert listing.status_code == 200, listing.text
    paths = [f["path"] for f in listing.json()["files"]]
    assert "MLmodel" in paths
    assert any(p.startswith("model.") for p in paths), paths  # model.skops / model.pkl
    mlmodel = requests.get(
        f"{tracking_uri}/ajax-api/2.0/mlflow/logged-models/{model_id}/artifacts/files",
        params={"artifact_file_path": "MLmodel"},
        timeout=30,
    )
    assert mlmodel.status_code == 200
    assert model_id in mlmodel.text

    # Search: by filter, as runs:/ resolution does, and with the run id.
    found = mlflow.search_logged_models(
        experiment_ids=[experiment_id],
        filter_string=f"name = 'model' AND source_run_id = '{run_id}'",
        output_format="list",
    )
    assert [m.model_id for m in found] == [model_id]
    assert mlflow.search_logged_models(
        experiment_ids=[experiment_id], filter_string="name = 'other'", output_format="list"
    ) == []
    by_metric = mlflow.search_logged_models(
        experiment_ids=[experiment_id],
        filter_string="metrics.accuracy >= 0.5",
        output_format="list",
    )
    assert [m.model_id for m in by_metric] == [model_id]
    frame = mlflow.search_logged_models(experiment_ids=[experiment_id])
    assert list(frame["model_id"]) == [model_id]

    # Tags and finalize.
    client.set_logged_model_tags(model_id, {"stage": "candidate", "owner": "me"})
    client.delete_logged_model_tag(model_id, "owner")
    tags = client.get_logged_model(model_id).tags
    assert tags["stage"] == "candidate"
    assert "owner" not in tags
    with pytest.raises(MlflowException, match="No tag with key"):
        client.delete_logged_model_tag(model_id, "owner")
    finalized = client.finalize_logged_model(model_id, LoggedModelStatus.READY)
    assert finalized.status == LoggedModelStatus.READY
    assert client.get_logged_model(model_id).status == LoggedModelStatus.READY
    assert mlflow.search_logged_models(
        experiment_ids=[experiment_id],
        filter_string="tags.stage = 'candidate'",
        output_format="list",
    )[0].model_id == model_id


def test_logged_model_lifecycle(tracking_uri: str, client: MlflowClient, experiment_id: str):
    m = client.create_logged_model(
        experiment_id, name="lm", model_type="Classifier", params={"a": "1"}, tags={"t": "v"}
    )
    assert m.status == LoggedModelStatus.PENDING
    assert m.model_type == "Classifier"
    client.log_model_params(m.model_id, {"b": "2"})
    loaded = client.get_logged_model(m.model_id)
    assert loaded.params == {"a": "1", "b": "2"}
    assert loaded.tags == {"t": "v"}

    unnamed = client.create_logged_model(experiment_id)
    assert unnamed.name  # a generated name

    client.delete_logged_model(m.model_id)
    with pytest.raises(MlflowException, match="not found"):
        client.get_logged_model(m.model_id)
    # The REST store's allow_deleted flag (MlflowClient does not expose it).
    deleted = requests.get(
        f"{tracking_uri}/api/2.0/mlflow/logged-models/{m.model_id}",
        params={"allow_deleted": "true"},
        timeout=30,
    )
    assert deleted.status_code == 200
    assert deleted.json()["model"]["info"]["model_id"] == m.model_id
    remaining = client.search_logged_models(experiment_ids=[experiment_id])
    assert [x.model_id for x in remaining] == [unnamed.model_id]

    with pytest.raises(MlflowException, match="not found"):
        client.get_logged_model("m-" + "0" * 32)


def test_search_logged_models_pages_and_order(client: MlflowClient, experiment_id: str):
    first = client.create_logged_model(experiment_id, name="first")
    time.sleep(0.01)
    second = client.create_logged_model(experiment_id, name="second")
    run = client.create_run(experiment_id)
    client.log_metric(
        run.info.run_id, "score", 0.2, dataset_name="eval", dataset_digest="d1",
        model_id=first.model_id,
    )  # fmt: skip
    client.log_metric(run.info.run_id, "score", 0.8, model_id=second.model_id)
    client.set_terminated(run.info.run_id)

    page1 = client.search_logged_models(experiment_ids=[experiment_id], max_results=1)
    assert [m.name for m in page1] == ["second"]
    assert page1.token is not None
    page2 = client.search_logged_models(
        experiment_ids=[experiment_id], max_results=1, page_token=page1.token
    )
    assert [m.name for m in page2] == ["first"]
    assert page2.token is None

    oldest_first = client.search_logged_models(
        experiment_ids=[experiment_id],
        order_by=[{"field_name": "creation_timestamp", "ascending": True}],
    )
    assert [m.name for m in oldest_first] == ["first", "second"]
    by_score = client.search_logged_models(
        experiment_ids=[experiment_id],
        order_by=[{"field_name": "metrics.score", "ascending": False}],
    )
    assert [m.name for m in by_score] == ["second", "first"]
    on_dataset = client.search_logged_models(
        experiment_ids=[experiment_id],
        datasets=[{"dataset_name": "eval", "dataset_digest": "d1"}],
    )
    assert [m.name for m in on_dataset] == ["first"]
    metric = on_dataset[0].metrics[0]
    assert (metric.dataset_name, metric.dataset_digest, metric.run_id) == (
        "eval",
        "d1",
        run.info.run_id,
    )

    with pytest.raises(MlflowException, match="Invalid page token"):
        client.search_logged_models(experiment_ids=[experiment_id], page_token="invalid_token")
