"""Artifacts through the mlflow-artifacts proxy, driven by the stock MLflow client.

The server runs with ``--serve-artifacts --artifacts-destination <workdir>/artifacts`` (see
conftest.py). Uploads use plain PUTs: ``MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD`` is unset.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import urllib.parse
import uuid
from pathlib import Path

import mlflow
import pytest
import requests
from mlflow import MlflowClient
from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository


@pytest.fixture(autouse=True)
def _plain_put(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD", raising=False)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _make_tree(root: Path) -> dict[str, bytes]:
    content = {
        "a.txt": b"alpha\n",
        "empty.bin": b"",
        "data/values.csv": b"x,y\n1,2\n",
        "data/deep/er/model.pkl": os.urandom(4096),
        "data/deep/MLmodel": b"flavors: {}\n",
        "with space/na me.json": b'{"k": 1}',
    }
    for rel, data in content.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return content


def test_directory_tree_round_trip(tracking_uri: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    expected = _make_tree(src)
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(src), artifact_path="tree")
        mlflow.log_artifact(str(src / "a.txt"))
    assert run.info.artifact_uri.startswith("mlflow-artifacts:/")

    whole = Path(mlflow.artifacts.download_artifacts(run_id=run.info.run_id, dst_path=str(tmp_path / "all")))
    assert _files(whole / "tree") == expected
    assert (whole / "a.txt").read_bytes() == b"alpha\n"

    sub = Path(
        mlflow.artifacts.download_artifacts(
            run_id=run.info.run_id, artifact_path="tree/data", dst_path=str(tmp_path / "sub")
        )
    )
    assert _files(sub) == {k[len("data/") :]: v for k, v in expected.items() if k.startswith("data/")}

    single = Path(
        mlflow.artifacts.download_artifacts(
            artifact_uri=f"runs:/{run.info.run_id}/tree/data/deep/MLmodel", dst_path=str(tmp_path / "one")
        )
    )
    assert single.read_bytes() == b"flavors: {}\n"


def test_large_random_file_round_trip(tracking_uri: str, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        for _ in range(50):
            f.write(os.urandom(1 << 20))
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(big), artifact_path="blobs")
    out = mlflow.artifacts.download_artifacts(
        run_id=run.info.run_id, artifact_path="blobs/big.bin", dst_path=str(tmp_path / "down")
    )
    assert os.path.getsize(out) == 50 << 20
    assert _sha256(Path(out)) == _sha256(big)


def test_list_artifacts(tracking_uri: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    _make_tree(src)
    with mlflow.start_run() as run:
        mlflow.log_artifacts(str(src), artifact_path="tree")
    client = MlflowClient()

    top = client.list_artifacts(run.info.run_id)
    assert [(f.path, f.is_dir, f.file_size) for f in top] == [("tree", True, None)]
    listed = client.list_artifacts(run.info.run_id, "tree")
    assert [(f.path, f.is_dir, f.file_size) for f in listed] == [
        ("tree/a.txt", False, 6),
        ("tree/data", True, None),
        ("tree/empty.bin", False, 0),
        ("tree/with space", True, None),
    ]
    assert [f.path for f in client.list_artifacts(run.info.run_id, "tree/data/deep")] == [
        "tree/data/deep/MLmodel",
        "tree/data/deep/er",
    ]
    assert client.list_artifacts(run.info.run_id, "tree/a.txt") == []
    assert client.list_artifacts(run.info.run_id, "nothing/here") == []

    # The tracking service's listing (UI) gives run-relative paths and the run's root.
    resp = requests.get(
        f"{tracking_uri}/api/2.0/mlflow/artifacts/list",
        params={"run_id": run.info.run_id, "path": "tree/data"},
        timeout=30,
    )
    assert resp.status_code == 200
    assert resp.json() == {
        "root_uri": run.info.artifact_uri,
        "files": [
            {"path": "tree/data/deep", "is_dir": True},
            {"path": "tree/data/values.csv", "is_dir": False, "file_size": 8},
        ],
    }
    resp = requests.get(
        f"{tracking_uri}/get-artifact",
        params={"run_id": run.info.run_id, "path": "tree/data/values.csv"},
        timeout=30,
    )
    assert resp.status_code == 200
    assert resp.content == b"x,y\n1,2\n"
    assert resp.headers["Content-Disposition"] == "attachment; filename=values.csv"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"

    # Deleting through the proxy (HttpArtifactRepository.delete_artifacts).
    repo = get_artifact_repository(run.info.artifact_uri)
    repo.delete_artifacts("tree/data")
    assert [f.path for f in client.list_artifacts(run.info.run_id, "tree")] == [
        "tree/a.txt",
        "tree/empty.bin",
        "tree/with space",
    ]


def _raw(base_url: str, method: str, target: str, body: bytes = b"") -> tuple[int, bytes]:
    """One request with the target sent verbatim (no client-side dot-segment removal)."""
    parsed = urllib.parse.urlsplit(base_url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    try:
        conn.request(method, target, body=body or None, headers={"Content-Length": str(len(body))})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_path_traversal_is_refused(
    tracking_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with mlflow.start_run() as run:
        mlflow.log_text("inside", "ok.txt")
    exp, run_id = run.info.experiment_id, run.info.run_id
    base = tmp_path_factory.getbasetemp()
    roots = {
        p.resolve()
        for p in base.glob("server-*/artifacts")
        if (p / exp / run_id / "artifacts" / "ok.txt").exists()
    }
    assert len(roots) == 1, f"cannot find this server's artifact root under {base}"
    root = roots.pop()
    base = base.resolve()
    before = sorted(str(p) for p in base.rglob("*") if root not in p.parents and p != root)

    marker = f"pwned-{uuid.uuid4().hex}"
    depth = "../" * 12
    run_dir = f"{exp}/{run_id}/artifacts"
    targets = [
        f"{depth}tmp/{marker}",
        f"{run_dir}/{depth}tmp/{marker}",
        f"{run_dir}/../../../{marker}",
        f"{'%2e%2e/' * 12}tmp/{marker}",
        f"{run_dir}/{'%2E%2E/' * 4}{marker}",
        f"{'%252e%252e/' * 12}tmp/{marker}",
        f"{'..%2f' * 12}tmp%2f{marker}",
        f"{'..%5c' * 4}{marker}",
        f"%2ftmp%2f{marker}",
        f"{run_dir}/a%00{marker}",
    ]
    for target in targets:
        for method in ("PUT", "GET", "DELETE"):
            for api in ("api", "ajax-api"):
                status, body = _raw(
                    tracking_uri,
                    method,
                    f"/{api}/2.0/mlflow-artifacts/artifacts/{target}",
                    b"pwned" if method == "PUT" else b"",
                )
                assert status == 400, (method, target, status, body)
                assert json.loads(body) == {"error_code": "INVALID_PARAMETER_VALUE", "message": "Invalid path"}
        status, body = _raw(tracking_uri, "GET", f"/api/2.0/mlflow-artifacts/artifacts?path={target}")
        assert status == 400, (target, body)
        status, body = _raw(
            tracking_uri, "GET", f"/api/2.0/mlflow/artifacts/list?run_id={run_id}&path={target}"
        )
        assert status == 400, (target, body)
        status, body = _raw(tracking_uri, "GET", f"/get-artifact?run_id={run_id}&path={target}")
        assert status == 400, (target, body)

    # The client's own repository refuses them too, before sending anything.
    with pytest.raises(Exception):
        MlflowClient().list_artifacts(run_id, "../../etc")

    after = sorted(str(p) for p in base.rglob("*") if root not in p.parents and p != root)
    assert after == before, "something was written outside the artifact root"
    assert not list(base.rglob(f"*{marker}*"))
    assert not Path("/tmp", marker).exists()
    assert not list(root.rglob(f"*{marker}*"))
