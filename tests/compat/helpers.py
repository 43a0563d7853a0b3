"""Shared fixtures and helpers of the tracking compatibility tests (``test_tracking_*.py``).

The server is shared by every test of a backend (``tracking_uri`` is session-scoped), so no test
may assume an empty store: each one works in experiments with unique names and filters its searches
to them. Test modules import the fixtures below by name (``from helpers import client, ...``).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import mlflow
import pytest
import requests
from mlflow import MlflowClient
from mlflow.data.dataset import Dataset
from mlflow.data.http_dataset_source import HTTPDatasetSource
from mlflow.exceptions import MlflowException
from mlflow.tracking import fluent


def unique(prefix: str = "compat") -> str:
    """A name no other test (or earlier run against the same table) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def now_ms() -> int:
    return int(time.time() * 1000)


@pytest.fixture
def client(tracking_uri: str) -> MlflowClient:
    return MlflowClient(tracking_uri)


@pytest.fixture
def experiment_id(client: MlflowClient) -> str:
    """A fresh, empty experiment."""
    return client.create_experiment(unique("exp"))


@pytest.fixture(autouse=True)
def _reset_fluent_state():
    """Leaves no active run or active experiment behind for the next test."""
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()
    fluent._active_experiment_id = None
    mlflow.environment_variables.MLFLOW_EXPERIMENT_ID.unset()


def error_code_of(exc_info: pytest.ExceptionInfo[MlflowException]) -> str:
    return exc_info.value.error_code


class raises_code:  # noqa: N801 (used like pytest.raises)
    """``with raises_code("RESOURCE_DOES_NOT_EXIST"): ...``: an MlflowException with that code."""

    def __init__(self, code: str, match: str | None = None):
        self.code = code
        self.match = match
        self._ctx = pytest.raises(MlflowException, match=match)

    def __enter__(self):
        self.info = self._ctx.__enter__()
        return self.info

    def __exit__(self, *exc):
        suppressed = self._ctx.__exit__(*exc)
        actual = self.info.value.error_code
        assert actual == self.code, (
            f"expected error_code {self.code}, got {actual}: {self.info.value.message}"
        )
        return suppressed


def rest(
    tracking_uri: str,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    **kwargs: Any,
) -> requests.Response:
    """A raw REST call, for what the client cannot send (wrong types, over-limit batches)."""
    return requests.request(
        method, f"{tracking_uri}{path}", json=body, params=params, timeout=60, **kwargs
    )


def assert_error(resp: requests.Response, status: int, code: str, message: str | None = None):
    assert resp.status_code == status, (resp.status_code, resp.text[:500])
    body = resp.json()
    assert body.get("error_code") == code, body
    if message is not None:
        assert message in body.get("message", ""), body


def rest_store(client: MlflowClient):
    """The client's RestStore: sends exactly what it is given (no client-side batch splitting)."""
    return client._tracking_client.store


class DictDataset(Dataset):
    """A metadata-only dataset (``mlflow.data.from_*`` need numpy/pandas, which skinny lacks)."""

    def __init__(self, name: str, url: str, schema: str | None = None, profile: str | None = None):
        self._schema_json = schema
        self._profile_json = profile
        super().__init__(source=HTTPDatasetSource(url=url), name=name)

    def _compute_digest(self) -> str:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"{self.name}|{self.source.url}").hex[:8]

    def to_dict(self) -> dict[str, str]:
        out = super().to_dict()
        if self._schema_json is not None:
            out["schema"] = self._schema_json
        if self._profile_json is not None:
            out["profile"] = self._profile_json
        return out

    @property
    def profile(self):
        return self._profile_json

    @property
    def schema(self):
        return self._schema_json
