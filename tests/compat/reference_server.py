"""A real ``mlflow server`` 3.17.2 (sqlite, from this venv) as the reference peer of a test.

Started the way a user starts it (``mlflow server --backend-store-uri sqlite:///...``), on a free
loopback port, stopped with SIGTERM. Tests that compare our stored results with MLflow's use it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from conftest import CI, ROOT, free_port

# `mlflow server` starts slowly on a loaded machine (migrations, uvicorn).
STARTUP_TIMEOUT = float(os.environ.get("MLFLOW_REFERENCE_STARTUP_TIMEOUT", "300"))


def _mlflow_bin() -> Path:
    """The full ``mlflow`` (with its server) the test runner installed, see ``tests/run_all.ts``."""
    configured = os.environ.get("MLFLOW_SERVER_BIN")
    candidates = [Path(configured)] if configured else []
    candidates.append(ROOT / ".venv" / "mlflow-server" / "bin" / "mlflow")
    for path in candidates:
        if path.exists():
            return path
    message = "no full mlflow installation for the reference server (run it via `deno task test`)"
    if CI:
        raise RuntimeError(message)
    pytest.skip(message)


@contextmanager
def reference_server(workdir: Path) -> Iterator[str]:
    """Yields the URL of a fresh ``mlflow server`` on sqlite under ``workdir``."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    mlflow_bin = _mlflow_bin()
    env = dict(
        os.environ,
        MLFLOW_DISABLE_TELEMETRY="true",
        DO_NOT_TRACK="true",
        MLFLOW_SERVER_ENABLE_JOB_EXECUTION="false",
    )
    env.pop("MLFLOW_TRACKING_URI", None)
    log = workdir / "mlflow-server.log"
    cmd = [
        str(mlflow_bin), "server",
        "--backend-store-uri", f"sqlite:///{workdir / 'mlflow.db'}",
        "--artifacts-destination", str(workdir / "artifacts"),
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
    ]  # fmt: skip
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"mlflow server exited: {log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"mlflow server did not start: {log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
