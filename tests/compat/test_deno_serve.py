"""The `deno serve` entry (`serve.ts`), as Deno Deploy-style hosting runs it, and `--workers`.

The server is started the way a host starts it: `deno serve serve.ts` with its whole
configuration in the environment (no flags). With DynamoDB Local it runs `--parallel` with two
workers (threads sharing one port and one table); the stock client then does a full round of
tracking, artifacts and registry calls over many connections, so both workers serve requests.
The embedded engine cannot be shared by two workers: that start must fail with one clear line.
"""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from pathlib import Path

import mlflow
import pytest
from mlflow import MlflowClient

from conftest import (
    DEFAULT_DENO,
    DYNAMODB_LOCAL_ENDPOINT,
    ROOT,
    SERVER_CMD,
    _server_env,
    _stop,
    _store_uri,
    _wait_healthy,
    backends,
    free_port,
)

PERMISSIONS = [
    "--allow-net", "--allow-env", "--allow-read", "--allow-write", "--allow-sys=osRelease",
]  # fmt: skip


def _deno_serve(port: int, parallel: bool) -> list[str]:
    return [
        *DEFAULT_DENO.split(),
        "serve",
        *(["--parallel"] if parallel else []),
        "--host", "127.0.0.1",
        "--port", str(port),
        *PERMISSIONS,
        "serve.ts",
    ]  # fmt: skip


def _start(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as log_file:
        return subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _env_config(backend: str, workdir: Path) -> dict[str, str]:
    env = _server_env(backend)
    env.update(
        MLFLOW_BACKEND_STORE_URI=_store_uri(backend, workdir, env),
        MLFLOW_DEFAULT_ARTIFACT_ROOT="mlflow-artifacts:/",
        MLFLOW_SERVE_ARTIFACTS="true",
        MLFLOW_ARTIFACTS_DESTINATION=str(workdir / "artifacts"),
        MLFLOW_HOST="127.0.0.1",
    )
    return env


@pytest.fixture(scope="module", params=backends())
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """`deno serve serve.ts` configured by environment only; parallel on DynamoDB Local."""
    backend: str = request.param
    workdir = tmp_path_factory.mktemp(f"deno-serve-{backend}")
    env = _env_config(backend, workdir)
    parallel = backend == "dynamodb-local"
    if parallel:
        env["DENO_JOBS"] = "2"
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = workdir / "server.log"
    proc = _start(_deno_serve(port, parallel), env, log)
    try:
        _wait_healthy(proc, base_url, log)
        yield base_url, log, parallel
    finally:
        _stop(proc)


@pytest.fixture
def tracking_at(monkeypatch: pytest.MonkeyPatch):
    previous = mlflow.get_tracking_uri()

    def point(url: str) -> MlflowClient:
        monkeypatch.setenv("MLFLOW_TRACKING_URI", url)
        mlflow.set_tracking_uri(url)
        return MlflowClient(tracking_uri=url)

    yield point
    mlflow.set_tracking_uri(previous)


def test_stock_client_round_trip_through_deno_serve(served, tracking_at, tmp_path: Path) -> None:
    base_url, log, parallel = served
    client = tracking_at(base_url)
    name = f"deno-serve-{uuid.uuid4().hex[:8]}"
    experiment_id = client.create_experiment(name)
    run_ids = []
    for i in range(6):
        run = client.create_run(experiment_id, run_name=f"r{i}")
        client.log_param(run.info.run_id, "i", str(i))
        for step in range(5):
            client.log_metric(run.info.run_id, "loss", 1.0 / (i + step + 1), step=step)
        run_ids.append(run.info.run_id)
    artifact = tmp_path / "notes.txt"
    artifact.write_text("served by deno serve\n")
    client.log_artifact(run_ids[0], str(artifact))
    client.set_terminated(run_ids[0])

    found = client.search_runs([experiment_id], "params.i = '3'")
    assert [r.info.run_name for r in found] == ["r3"]
    best = client.search_runs([experiment_id], order_by=["metrics.loss ASC"], max_results=1)
    assert best[0].info.run_name == "r5"
    assert [m.value for m in client.get_metric_history(run_ids[2], "loss")] == [
        1.0 / (2 + s + 1) for s in range(5)
    ]
    downloaded = client.download_artifacts(run_ids[0], "notes.txt", str(tmp_path / "dl"))
    assert Path(downloaded).read_text() == "served by deno serve\n"
    assert client.get_run(run_ids[0]).info.status == "FINISHED"

    model = f"m-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(model)
    version = client.create_model_version(model, f"runs:/{run_ids[0]}/notes.txt", run_ids[0])
    client.set_registered_model_alias(model, "champion", version.version)
    assert client.get_model_version_by_alias(model, "champion").run_id == run_ids[0]

    if parallel:
        text = log.read_text(errors="replace")
        assert "with 2 threads" in text, text[-2000:]


@pytest.mark.skipif(not DYNAMODB_LOCAL_ENDPOINT, reason="--workers needs a DynamoDB backend")
def test_workers_flag_runs_one_worker_per_core(tmp_path: Path, tracking_at) -> None:
    env = _server_env("dynamodb-local")
    store_uri = _store_uri("dynamodb-local", tmp_path, env)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    cmd = [
        *SERVER_CMD,
        "--host", "127.0.0.1", "--port", str(port), "--backend-store-uri", store_uri,
        "--default-artifact-root", "mlflow-artifacts:/",
        "--artifacts-destination", str(tmp_path / "artifacts"), "--workers", "2",
    ]  # fmt: skip
    proc = _start(cmd, env, log)
    try:
        _wait_healthy(proc, base_url, log)
        client = tracking_at(base_url)
        experiment_id = client.create_experiment(f"workers-{uuid.uuid4().hex[:8]}")
        assert client.get_experiment(experiment_id).lifecycle_stage == "active"
        assert "with 2 threads" in log.read_text(errors="replace")
    finally:
        _stop(proc)


def test_parallel_workers_on_the_embedded_engine_fail_with_one_line(tmp_path: Path) -> None:
    env = _env_config("embedded", tmp_path)
    env["DENO_JOBS"] = "2"
    result = subprocess.run(
        _deno_serve(free_port(), parallel=True),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "needs a DynamoDB backend" in out, out
    assert "    at " not in out, out  # no stack trace


def test_sigterm_stops_parallel_workers_promptly(tmp_path: Path) -> None:
    """A host stops `deno serve` with SIGTERM: the workers' timers (webhook delivery, caches)
    must not keep the process alive."""
    env = _server_env("embedded")
    env.update(MLFLOW_BACKEND_STORE_URI="memory:", DENO_JOBS="2", MLFLOW_UI_DOWNLOAD="false")
    port = free_port()
    log = tmp_path / "server.log"
    proc = _start(_deno_serve(port, parallel=True), env, log)
    try:
        _wait_healthy(proc, f"http://127.0.0.1:{port}", log)
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        survivors = subprocess.run(
            ["pgrep", "-f", "--", f"--port {port} "], capture_output=True, text=True, check=False
        ).stdout.split()
        assert survivors == [], f"deno serve still running after SIGTERM: {survivors}"
    finally:
        _stop(proc)
        subprocess.run(["pkill", "-9", "-f", "--", f"--port {port} "], check=False)
