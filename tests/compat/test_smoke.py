"""Smoke test: the stock MLflow client talks to our server."""

import mlflow


def test_default_experiment_exists(tracking_uri: str) -> None:
    experiments = mlflow.MlflowClient().search_experiments()
    assert "Default" in [e.name for e in experiments]
