"""``deno task import`` against a real ``mlflow server`` (full MLflow of the compat tier's version,
SQLite backend, artifacts proxied), seeded with the stock client (``import_seed.py``).

Per backend: import into a fresh store, import again (nothing is copied twice), then start our
server on that store and check with the stock client that everything reads as on the old server.

Needs ``MLFLOW_SERVER_BIN`` (the runner installs full ``mlflow`` into ``.venv/mlflow-server/``) or
that directory; skipped without it (a skip fails the tier under ``CI=true``).
Environment: ``MLFLOW_IMPORT_CMD`` (default ``npx -y deno@2.9.6 task import``).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

import mlflow
import pytest
from mlflow import MlflowClient

import conftest
from import_seed import LOSS_POINTS, seed
from reference_server import reference_server

IMPORT_CMD = shlex.split(
    os.environ.get("MLFLOW_IMPORT_CMD", f"{conftest.DEFAULT_DENO} task import")
)


def _start(cmd: list[str], workdir: Path, env: dict[str, str], port: int, name: str):
    log = workdir / f"{name}.log"
    with open(log, "wb") as f:
        proc = subprocess.Popen(
            cmd,
            cwd=conftest.ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=f,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        conftest._wait_healthy(proc, url, log)
    except Exception:
        conftest._stop(proc)
        raise
    return proc, url


@pytest.fixture(scope="module")
def old_server(tmp_path_factory: pytest.TempPathFactory):
    workdir = tmp_path_factory.mktemp("old-mlflow")
    previous = mlflow.get_tracking_uri()
    with reference_server(workdir) as url:
        try:
            yield url, seed(url)
        finally:
            mlflow.set_tracking_uri(previous)


def _import(store_uri: str, workdir: Path, env: dict[str, str], old_url: str, *extra: str):
    cmd = [
        *IMPORT_CMD,
        "--from", old_url,
        "--backend-store-uri", store_uri,
        "--artifacts-destination", str(workdir / "artifacts"),
        "--checkpoint", str(workdir / "import.checkpoint"),
        *extra,
    ]  # fmt: skip
    return subprocess.run(
        cmd, cwd=conftest.ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture(scope="module", params=conftest.backends())
def imported(request: pytest.FixtureRequest, old_server, tmp_path_factory):
    """Imports the old server twice into a fresh store; yields (old, new client, seed, runs)."""
    old_url, ids = old_server
    backend: str = request.param
    workdir = tmp_path_factory.mktemp(f"import-{backend}")
    env = conftest._server_env(backend)
    store_uri = conftest._store_uri(backend, workdir, env)
    first = _import(store_uri, workdir, env, old_url, "--concurrency", "2")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Everything matches." in first.stdout
    # Again, with a fresh checkpoint: the existence checks alone must keep it from duplicating.
    (workdir / "import.checkpoint").unlink()
    second = _import(store_uri, workdir, env, old_url)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Everything matches." in second.stdout
    assert "experiments" in second.stderr and "already there" in second.stderr
    port = conftest.free_port()
    cmd = [
        *conftest.SERVER_CMD,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--backend-store-uri", store_uri,
        "--default-artifact-root", "mlflow-artifacts:/",
        "--serve-artifacts",
        "--artifacts-destination", str(workdir / "artifacts"),
    ]  # fmt: skip
    proc, url = _start(cmd, workdir, env, port, "server")
    try:
        yield MlflowClient(old_url), MlflowClient(url), ids, (first, second)
    finally:
        conftest._stop(proc)


def test_import_report_lists_every_entity(imported):
    _, _, _, (first, _) = imported
    for entity in ["experiments", "runs", "metric points", "artifacts (sha256 equal)", "traces",
                   "logged models", "registered models", "prompts", "model versions", "aliases"]:
        assert any(line.strip().startswith(entity) and line.rstrip().endswith("ok")
                   for line in first.stdout.splitlines()), (entity, first.stdout)
    # metric points: loss, acc, val_acc, the failed run's
    assert f"{LOSS_POINTS + 3 + 1 + 1}" in first.stdout


def test_experiments_keep_ids_names_tags_and_lifecycle(imported):
    old, new, ids, _ = imported
    for eid in [ids["experiment_id"], ids["deleted_experiment_id"]]:
        a, b = old.get_experiment(eid), new.get_experiment(eid)
        assert (b.experiment_id, b.name, b.lifecycle_stage) == (a.experiment_id, a.name, a.lifecycle_stage)
        assert b.tags == a.tags
        assert b.creation_time == a.creation_time
        assert b.artifact_location == f"mlflow-artifacts:/{eid}"
    assert new.get_experiment(ids["deleted_experiment_id"]).lifecycle_stage == "deleted"


def test_runs_keep_ids_data_and_lifecycle(imported):
    old, new, ids, _ = imported
    for rid in [ids["run_id"], ids["deleted_run_id"], ids["run_in_deleted_experiment"]]:
        a, b = old.get_run(rid), new.get_run(rid)
        assert b.info.run_id == rid
        for field in ["experiment_id", "run_name", "user_id", "status", "start_time",
                      "end_time", "lifecycle_stage"]:
            assert getattr(b.info, field) == getattr(a.info, field), field
        assert b.data.params == a.data.params
        assert b.data.tags == a.data.tags
        assert b.data.metrics == a.data.metrics
    exp_runs = new.search_runs([ids["experiment_id"]], run_view_type=3)
    assert len(exp_runs) == 2  # no duplicate after the second import


def test_metric_histories_are_complete(imported):
    old, new, ids, _ = imported
    for key in ["loss", "acc"]:
        a = old.get_metric_history(ids["run_id"], key)
        b = new.get_metric_history(ids["run_id"], key)
        assert [(m.step, m.timestamp, m.value) for m in b] == [
            (m.step, m.timestamp, m.value) for m in a
        ]
    assert len(new.get_metric_history(ids["run_id"], "loss")) == LOSS_POINTS


def test_dataset_inputs_are_copied(imported):
    old, new, ids, _ = imported
    a = old.get_run(ids["run_id"]).inputs.dataset_inputs
    b = new.get_run(ids["run_id"]).inputs.dataset_inputs
    assert [(d.dataset.name, d.dataset.digest, d.dataset.source, d.dataset.schema,
             d.dataset.profile, [(t.key, t.value) for t in d.tags]) for d in b] == [
        (d.dataset.name, d.dataset.digest, d.dataset.source, d.dataset.schema,
         d.dataset.profile, [(t.key, t.value) for t in d.tags]) for d in a]


def _tree(client: MlflowClient, run_id: str, path: str = "") -> list[tuple[str, int]]:
    out = []
    for f in client.list_artifacts(run_id, path or None):
        out += _tree(client, run_id, f.path) if f.is_dir else [(f.path, f.file_size)]
    return sorted(out)


def test_artifacts_are_byte_identical(imported):
    old, new, ids, _ = imported
    rid = ids["run_id"]
    assert new.get_run(rid).info.artifact_uri == ids["old_artifact_uri"]  # same proxied layout
    files = _tree(old, rid)
    assert len(files) == 4 and _tree(new, rid) == files
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        for path, _ in files:
            pa = Path(old.download_artifacts(rid, path, a))
            pb = Path(new.download_artifacts(rid, path, b))
            assert pa.read_bytes() == pb.read_bytes(), path


def test_logged_models_keep_ids_params_tags_and_artifacts(imported):
    old, new, ids, _ = imported
    mid = ids["logged_model_id"]
    a, b = old.get_logged_model(mid), new.get_logged_model(mid)
    assert (b.model_id, b.name, b.experiment_id, b.status, b.source_run_id) == (
        a.model_id, a.name, a.experiment_id, a.status, a.source_run_id)
    assert b.params == a.params
    assert b.tags == a.tags
    assert [(m.key, m.value, m.step, m.run_id) for m in b.metrics] == [
        (m.key, m.value, m.step, m.run_id) for m in a.metrics] != []
    assert sorted(f.path for f in new.list_logged_model_artifacts(mid)) == sorted(
        f.path for f in old.list_logged_model_artifacts(mid))


def test_registry_keeps_versions_stages_aliases_and_rewrites_sources(imported):
    old, new, ids, _ = imported
    name = ids["model_name"]
    a, b = old.get_registered_model(name), new.get_registered_model(name)
    assert (b.description, b.tags, b.aliases) == (a.description, a.tags, a.aliases)
    va = sorted(old.search_model_versions(f"name='{name}'"), key=lambda v: int(v.version))
    vb = sorted(new.search_model_versions(f"name='{name}'"), key=lambda v: int(v.version))
    assert [v.version for v in vb] == [v.version for v in va] == ["1", "3", "4"]
    for x, y in zip(va, vb):
        assert (y.current_stage, y.tags, y.description, y.run_id, y.model_id) == (
            x.current_stage, x.tags, x.description, x.run_id, x.model_id)
    run_uri = new.get_run(ids["run_id"]).info.artifact_uri
    assert vb[0].source == f"{run_uri}/model"
    assert vb[2].source == f"models:/{ids['logged_model_id']}"
    assert new.get_model_version_by_alias(name, "champion").version == "3"
    assert new.get_model_version_download_uri(name, "3") == f"{run_uri}/model"



def test_prompts_are_copied(imported):
    _, new, ids, _ = imported
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(new.tracking_uri)
    try:
        name = ids["prompt_name"]
        assert mlflow.genai.load_prompt(name, version=1).template == "Hello {{name}}!"
        assert mlflow.genai.load_prompt(name, version=2).template == "Hi {{name}}, welcome!"
        assert mlflow.genai.load_prompt(f"prompts:/{name}@prod").version == 1
    finally:
        mlflow.set_tracking_uri(previous)


def test_traces_keep_ids_spans_tags_and_assessments(imported):
    old, new, ids, _ = imported
    previous = mlflow.get_tracking_uri()
    # Spans copied as traces.json are read through mlflow-artifacts, relative to the global URI.
    mlflow.set_tracking_uri(new.tracking_uri)
    try:
        a, b = old.get_trace(ids["trace_id"]), new.get_trace(ids["trace_id"])
        # search_traces downloads each trace's spans the same way (a dead global URI left by an
        # earlier module would drop the trace from the answer).
        found = new.search_traces(locations=[ids["experiment_id"]])
    finally:
        mlflow.set_tracking_uri(previous)
    assert b.info.trace_id == a.info.trace_id
    assert (b.info.state, b.info.request_time, b.info.execution_duration) == (
        a.info.state, a.info.request_time, a.info.execution_duration)
    assert b.info.tags["reviewed"] == "yes"
    assert [s.name for s in b.data.spans] == [s.name for s in a.data.spans] == ["answer", "lookup"]
    assert [s.inputs for s in b.data.spans] == [s.inputs for s in a.data.spans]
    assert [(x.name, x.value, x.rationale) for x in b.info.assessments] == [
        (x.name, x.value, x.rationale) for x in a.info.assessments]
    assert [t.info.trace_id for t in found] == [ids["trace_id"]]  # not twice
