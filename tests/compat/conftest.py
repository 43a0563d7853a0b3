"""Fixtures for the MLflow Python client compatibility tier.

A session fixture starts our server (``main.ts``) on a free port once per backend and points
the MLflow client at it. Backends:

* ``embedded``: the in-process engine under a temp dir (``embedded:///<tmpdir>``), always;
* ``dynamodb-local``: ``dynamodb://<DYNAMODB_LOCAL_ENDPOINT>/<fresh table>``, when
  ``DYNAMODB_LOCAL_ENDPOINT`` is set (required under ``CI=true``). The table is created first
  with ``deno task table --backend-store-uri <uri>``.

Environment:

* ``MLFLOW_SERVER_CMD``: how to start the server, split with shlex
  (default ``npx -y deno@2.9.6 run --allow-all main.ts``); the fixture appends
  ``--host --port --backend-store-uri --default-artifact-root --serve-artifacts
  --artifacts-destination``.
* ``MLFLOW_TABLE_CMD``: how to create a table (default ``npx -y deno@2.9.6 task table``); the
  fixture appends ``--backend-store-uri <uri>``.
* ``MLFLOW_SERVER_STARTUP_TIMEOUT``: seconds to wait for ``GET /health`` (default 90).

Coverage: the test runner puts ``--coverage=<repo>/coverage`` into both commands, so the servers
this tier starts count towards the line coverage of ``src/``. Deno writes that data when the
process exits cleanly, so the fixture stops the server with SIGTERM (its clean shutdown) and waits
for it; a server that had to be killed is reported, because its coverage is lost.
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
CI = os.environ.get("CI") == "true"
DYNAMODB_LOCAL_ENDPOINT = os.environ.get("DYNAMODB_LOCAL_ENDPOINT", "").rstrip("/")
DEFAULT_DENO = "npx -y deno@2.9.6"
SERVER_CMD = shlex.split(
    os.environ.get("MLFLOW_SERVER_CMD", f"{DEFAULT_DENO} run --allow-all main.ts")
)
TABLE_CMD = shlex.split(os.environ.get("MLFLOW_TABLE_CMD", f"{DEFAULT_DENO} task table"))
STARTUP_TIMEOUT = float(os.environ.get("MLFLOW_SERVER_STARTUP_TIMEOUT", "90"))

# Fail fast instead of retrying with backoff against a broken server.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")


def backends() -> list[str]:
    names = ["embedded"]
    if DYNAMODB_LOCAL_ENDPOINT:
        names.append("dynamodb-local")
    return names


def pytest_configure(config: pytest.Config) -> None:
    if CI and not DYNAMODB_LOCAL_ENDPOINT:
        raise pytest.UsageError(
            "CI=true but DYNAMODB_LOCAL_ENDPOINT is not set: the compatibility tier must also run "
            "against DynamoDB Local in CI (run it through `deno task test`)"
        )


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [
        f"compat backends: {', '.join(backends())}",
        f"server command: {shlex.join(SERVER_CMD)}",
    ]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, limit: int = 6000) -> str:
    try:
        return path.read_text(errors="replace")[-limit:]
    except OSError:
        return "<no log>"


def _server_env(backend: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("MLFLOW_TRACKING_URI", None)
    # Webhook tests (test_webhooks.py) deliver to a receiver on loopback over http.
    env.setdefault("MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS", "true")
    env.setdefault("MLFLOW_WEBHOOK_ALLOWED_SCHEMES", "http,https")
    env.setdefault("MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY", "compat-webhook-key")
    env.setdefault("MLFLOW_WEBHOOK_RETRY_BACKOFF_SECONDS", "0.1")
    env.setdefault("MLFLOW_WEBHOOK_POLL_SECONDS", "0.2")
    env.setdefault("MLFLOW_WEBHOOK_CACHE_TTL", "0")
    # AI Gateway secrets are sealed under this passphrase (tests/compat/test_gateway.py).
    env.setdefault("MLFLOW_CRYPTO_KEK_PASSPHRASE", "compat-tier-gateway-passphrase")
    # Gateway invocation tests (test_gateway.py) point a secret's api_base at a fake provider on
    # loopback over http.
    env.setdefault("MLFLOW_GATEWAY_API_BASE_ALLOW_PRIVATE_IPS", "true")
    env.setdefault("MLFLOW_GATEWAY_API_BASE_ALLOWED_SCHEMES", "http,https")
    if backend == "dynamodb-local":
        # DynamoDB Local accepts any credentials; never reach for real ones or IMDS.
        env.update(
            AWS_ACCESS_KEY_ID="dummy",
            AWS_SECRET_ACCESS_KEY="dummy",
            AWS_REGION="us-east-1",
            AWS_EC2_METADATA_DISABLED="true",
        )
        env.pop("AWS_SESSION_TOKEN", None)
        env.pop("AWS_PROFILE", None)
    return env


def _store_uri(backend: str, workdir: Path, env: dict[str, str]) -> str:
    if backend == "embedded":
        store = workdir / "store"
        store.mkdir()
        return f"embedded://{store}"  # embedded:///abs/path
    table = f"mlflow_compat_{uuid.uuid4().hex[:12]}"
    uri = f"dynamodb://{DYNAMODB_LOCAL_ENDPOINT}/{table}"
    cmd = [*TABLE_CMD, "--backend-store-uri", uri]
    result = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"creating the table failed ({shlex.join(cmd)} exited {result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return uri


def _wait_healthy(proc: subprocess.Popen, base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last_error = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"server exited with code {proc.returncode} before /health answered:\n{_tail(log)}"
            )
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=2) as resp:
                body = resp.read().decode().strip()
                if resp.status == 200 and body == "OK":
                    return
                last_error = f"/health answered {resp.status} {body!r}"
        except (urllib.error.URLError, OSError) as e:
            last_error = str(e)
        time.sleep(0.25)
    raise RuntimeError(
        f"server did not report healthy within {STARTUP_TIMEOUT}s ({last_error}):\n{_tail(log)}"
    )


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    # The server may run under npx/deno wrappers: signal the whole process group.
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        # Writing coverage data at exit takes a few seconds on a busy machine.
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        print(f"\nserver {proc.pid} ignored SIGTERM for 60 s: killed (its coverage data is lost)")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextmanager
def our_server(
    workdir: Path, env: dict[str, str], store_uri: str, *extra: str
) -> Iterator[tuple[str, Path]]:
    """Starts ``main.ts`` on ``store_uri`` with proxied artifacts under ``workdir`` and the
    ``extra`` flags; yields (URL, log path) once ``/health`` answers; stops it afterwards."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    cmd = [
        *SERVER_CMD,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--backend-store-uri", store_uri,
        "--default-artifact-root", "mlflow-artifacts:/",
        "--serve-artifacts",
        "--artifacts-destination", str(workdir / "artifacts"),
        *extra,
    ]  # fmt: skip
    log = workdir / "server.log"
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_healthy(proc, base_url, log)
        yield base_url, log
    finally:
        _stop(proc)


@pytest.fixture(scope="session", params=backends())
def tracking_uri(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Starts our server for one backend and yields its URL (also set as MLFLOW_TRACKING_URI)."""
    import mlflow

    backend: str = request.param
    workdir = tmp_path_factory.mktemp(f"server-{backend}")
    env = _server_env(backend)
    store_uri = _store_uri(backend, workdir, env)
    previous_env = os.environ.get("MLFLOW_TRACKING_URI")
    with our_server(workdir, env, store_uri) as (base_url, log):
        try:
            os.environ["MLFLOW_TRACKING_URI"] = base_url
            mlflow.set_tracking_uri(base_url)
            yield base_url
        finally:
            if previous_env is None:
                os.environ.pop("MLFLOW_TRACKING_URI", None)
            else:
                os.environ["MLFLOW_TRACKING_URI"] = previous_env
            print(f"\n[{backend}] server log: {log}")
