"""``--enable-workspaces`` with the stock client: workspace CRUD (``mlflow.create_workspace`` and
friends), workspaces selected with ``mlflow.set_workspace`` and ``MLFLOW_WORKSPACE``, the same
experiment, registered-model and AI Gateway names in two workspaces, artifacts logged inside a workspace, and
nothing of one workspace readable from another (MLflow's ``RESOURCE_DOES_NOT_EXIST``).

Each backend gets its own server started with ``--enable-workspaces`` (the shared
``tracking_uri`` server runs without workspaces).
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from conftest import _server_env, _store_uri, backends, our_server


@pytest.fixture(scope="module", params=backends())
def ws_uri(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    backend: str = request.param
    workdir = tmp_path_factory.mktemp(f"workspaces-server-{backend}")
    env = _server_env(backend)
    store_uri = _store_uri(backend, workdir, env)
    with our_server(workdir, env, store_uri, "--enable-workspaces") as (base_url, _log):
        yield base_url


@pytest.fixture
def ws(ws_uri: str, monkeypatch: pytest.MonkeyPatch):
    """Points the client at the workspace server; leaves no workspace selected afterwards."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", ws_uri)
    monkeypatch.delenv("MLFLOW_WORKSPACE", raising=False)
    mlflow.set_tracking_uri(ws_uri)
    mlflow.set_workspace(None)
    try:
        yield ws_uri
    finally:
        mlflow.set_workspace(None)
        mlflow.set_tracking_uri(None)


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_workspace_crud_with_the_stock_client(ws: str) -> None:
    name = _name("crud")
    created = mlflow.create_workspace(name, description="made by the client")
    assert created.name == name and created.description == "made by the client"
    names = [w.name for w in mlflow.list_workspaces()]
    assert "default" in names and name in names
    assert mlflow.get_workspace(name).description == "made by the client"
    updated = mlflow.update_workspace(name, description="changed")
    assert updated.description == "changed"
    with pytest.raises(MlflowException, match="RESOURCE_ALREADY_EXISTS|already exists"):
        mlflow.create_workspace(name)
    with pytest.raises(MlflowException, match="not found"):
        mlflow.get_workspace(_name("absent"))
    with pytest.raises(MlflowException, match="reserved"):
        mlflow.delete_workspace("default")
    mlflow.delete_workspace(name)
    assert name not in [w.name for w in mlflow.list_workspaces()]


def test_same_experiment_name_in_two_workspaces_and_no_cross_reads(ws: str, tmp_path: Path) -> None:
    team = _name("team")
    mlflow.create_workspace(team)
    experiment = _name("shared")

    mlflow.set_workspace(team)
    exp_team = mlflow.set_experiment(experiment)
    with mlflow.start_run() as run:
        mlflow.log_metric("loss", 0.5)
        mlflow.log_param("p", "team")
        note = tmp_path / "note.txt"
        note.write_text("from the team workspace")
        mlflow.log_artifact(str(note))
    team_run = run.info.run_id
    assert "workspaces/" + team in exp_team.artifact_location
    client = MlflowClient()
    assert client.get_run(team_run).data.params == {"p": "team"}
    downloaded = mlflow.artifacts.download_artifacts(
        run_id=team_run, artifact_path="note.txt", dst_path=str(tmp_path / "dl")
    )
    assert Path(downloaded).read_text() == "from the team workspace"

    mlflow.set_workspace("default")
    exp_default = mlflow.set_experiment(experiment)
    assert exp_default.experiment_id != exp_team.experiment_id
    with mlflow.start_run() as run:
        mlflow.log_param("p", "default")
    default_run = run.info.run_id

    client = MlflowClient()
    # Nothing of the team workspace is visible from the default one.
    with pytest.raises(MlflowException, match="RESOURCE_DOES_NOT_EXIST"):
        client.get_experiment(exp_team.experiment_id)
    with pytest.raises(MlflowException, match="RESOURCE_DOES_NOT_EXIST"):
        client.get_run(team_run)
    with pytest.raises(MlflowException, match="RESOURCE_DOES_NOT_EXIST"):
        client.log_metric(team_run, "loss", 1.0)
    visible = {e.experiment_id for e in mlflow.search_experiments()}
    assert exp_default.experiment_id in visible and exp_team.experiment_id not in visible
    # A search naming the team's experiment finds nothing here (MLflow's store drops the id).
    assert mlflow.search_runs([exp_team.experiment_id], output_format="list") == []
    assert client.get_experiment_by_name(experiment).experiment_id == exp_default.experiment_id

    mlflow.set_workspace(team)
    client = MlflowClient()
    runs = mlflow.search_runs([exp_team.experiment_id], output_format="list")
    assert [r.info.run_id for r in runs] == [team_run]
    with pytest.raises(MlflowException, match="RESOURCE_DOES_NOT_EXIST"):
        client.get_run(default_run)
    assert {e.experiment_id for e in mlflow.search_experiments()} == {exp_team.experiment_id}

    # A workspace that still holds experiments is not deleted (RESTRICT): MLflow answers 500
    # INVALID_STATE, which the stock client reports as a failed request, as against MLflow.
    mlflow.set_workspace(None)
    with pytest.raises(MlflowException, match="INVALID_STATE|500 error"):
        mlflow.delete_workspace(team)
    assert mlflow.get_workspace(team).name == team


def test_mlflow_workspace_env_selects_the_workspace(ws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    team = _name("env")
    mlflow.create_workspace(team)
    model = _name("model")
    monkeypatch.setenv("MLFLOW_WORKSPACE", team)
    client = MlflowClient()
    client.create_registered_model(model, description="in the env workspace")
    exp_id = mlflow.create_experiment(_name("env-exp"))
    assert {e.experiment_id for e in mlflow.search_experiments()} == {exp_id}
    monkeypatch.delenv("MLFLOW_WORKSPACE")

    client = MlflowClient()
    with pytest.raises(MlflowException, match="RESOURCE_DOES_NOT_EXIST"):
        client.get_registered_model(model)
    client.create_registered_model(model, description="in default")
    assert client.get_registered_model(model).description == "in default"
    monkeypatch.setenv("MLFLOW_WORKSPACE", team)
    assert MlflowClient().get_registered_model(model).description == "in the env workspace"


def test_unknown_workspace_is_refused(ws: str) -> None:
    mlflow.set_workspace(_name("ghost"))
    with pytest.raises(MlflowException, match="not found"):
        mlflow.search_experiments()


def test_gateway_configuration_is_per_workspace(ws: str) -> None:
    """MLflow 3.17.2 keeps gateway secrets, model definitions and endpoints per workspace: the
    same names in two workspaces, and another workspace's resources are not found."""
    team = _name("gw-team")
    mlflow.create_workspace(team)
    store = MlflowClient(ws)._tracking_client.store
    name = _name("key")

    def build():
        secret = store.create_gateway_secret(
            secret_name=name, secret_value={"api_key": "sk-test-abcdefghijkl"}, provider="openai"
        )
        definition = store.create_gateway_model_definition(
            name=name, secret_id=secret.secret_id, provider="openai", model_name="gpt-4o"
        )
        return secret, definition

    default_secret, default_definition = build()
    mlflow.set_workspace(team)
    team_secret, team_definition = build()
    assert team_secret.secret_id != default_secret.secret_id
    assert [s.secret_id for s in store.list_secret_infos()] == [team_secret.secret_id]
    assert [d.model_definition_id for d in store.list_gateway_model_definitions()] == [
        team_definition.model_definition_id
    ]
    with pytest.raises(MlflowException) as missing:
        store.get_secret_info(secret_id=default_secret.secret_id)
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException) as other:
        store.get_gateway_model_definition(default_definition.model_definition_id)
    assert other.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    # A workspace holding gateway configuration is not deleted (MLflow's RESTRICT: 500
    # INVALID_STATE, a failed request for the stock client, as against MLflow).
    mlflow.set_workspace(None)
    with pytest.raises(MlflowException, match="INVALID_STATE|500 error"):
        mlflow.delete_workspace(team)
    assert team in [w.name for w in mlflow.list_workspaces()]
    assert store.get_secret_info(secret_id=default_secret.secret_id).secret_name == name


def test_cascade_delete_removes_the_workspace_and_everything_in_it(ws: str) -> None:
    team = _name("cascade")
    mlflow.create_workspace(team)
    mlflow.set_workspace(team)
    experiment = _name("doomed")
    exp = mlflow.set_experiment(experiment)
    with mlflow.start_run() as run:
        mlflow.log_metric("loss", 0.5)
        mlflow.log_param("p", "v")
        mlflow.set_tag("t", "v")
    client = MlflowClient()
    model = _name("model")
    client.create_registered_model(model)
    client.create_model_version(model, f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
    hook = client.create_webhook(
        name="doomed-hook",
        url="https://93.184.215.14/hook",
        events=["prompt_alias.created"],
    )
    # The same names in default survive.
    mlflow.set_workspace("default")
    default_exp = mlflow.set_experiment(experiment)
    MlflowClient().create_registered_model(model)

    mlflow.set_workspace(None)
    mlflow.delete_workspace(team, mode="CASCADE")
    assert team not in [w.name for w in mlflow.list_workspaces()]

    # Created again under the name, the workspace starts empty: nothing came back.
    mlflow.create_workspace(team)
    mlflow.set_workspace(team)
    client = MlflowClient()
    assert client.get_experiment_by_name(experiment) is None
    with pytest.raises(MlflowException, match="RESOURCE_DOES_NOT_EXIST"):
        client.get_run(run.info.run_id)
    with pytest.raises(MlflowException, match="RESOURCE_DOES_NOT_EXIST"):
        client.get_registered_model(model)
    with pytest.raises(MlflowException, match="RESOURCE_DOES_NOT_EXIST"):
        client.get_webhook(hook.webhook_id)
    assert exp.experiment_id not in {e.experiment_id for e in mlflow.search_experiments()}

    mlflow.set_workspace("default")
    client = MlflowClient()
    assert client.get_experiment_by_name(experiment).experiment_id == default_exp.experiment_id
    assert client.get_registered_model(model).name == model
    # The run is gone for good, not only hidden: no workspace finds it.
    with pytest.raises(MlflowException, match="RESOURCE_DOES_NOT_EXIST"):
        client.get_run(run.info.run_id)


def test_searches_drop_experiment_ids_of_another_workspace(ws: str) -> None:
    team = _name("foreign")
    mlflow.create_workspace(team)
    mlflow.set_workspace(team)
    team_exp = mlflow.set_experiment(_name("team-exp")).experiment_id
    with mlflow.start_run():
        mlflow.log_param("p", "team")
    MlflowClient().create_logged_model(team_exp, name="lm")

    mlflow.set_workspace("default")
    own_exp = mlflow.set_experiment(_name("own-exp")).experiment_id
    with mlflow.start_run() as own_run:
        mlflow.log_param("p", "own")
    client = MlflowClient()
    # As MLflow's workspace-aware store: the other workspace's ids are dropped, no error.
    assert mlflow.search_runs([team_exp], output_format="list") == []
    mixed = mlflow.search_runs([team_exp, own_exp], output_format="list")
    assert [r.info.run_id for r in mixed] == [own_run.info.run_id]
    assert list(client.search_logged_models(experiment_ids=[team_exp])) == []
    assert list(client.search_traces(locations=[team_exp])) == []


def test_webhooks_belong_to_their_workspace(ws: str) -> None:
    from test_webhooks import wait_for
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    got: list[tuple[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            got.append((self.path, body))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        team = _name("hooks")
        mlflow.create_workspace(team)
        mlflow.set_workspace(team)
        team_hook = MlflowClient().create_webhook(
            name="team-hook", url=f"{base}/team", events=["registered_model.created"]
        )
        mlflow.set_workspace("default")
        default_hook = MlflowClient().create_webhook(
            name="default-hook", url=f"{base}/default", events=["registered_model.created"]
        )
        default_ids = {w.webhook_id for w in MlflowClient().list_webhooks()}
        assert default_hook.webhook_id in default_ids and team_hook.webhook_id not in default_ids
        with pytest.raises(MlflowException, match="RESOURCE_DOES_NOT_EXIST"):
            MlflowClient().get_webhook(team_hook.webhook_id)

        mlflow.set_workspace(team)
        client = MlflowClient()
        assert [w.webhook_id for w in client.list_webhooks()] == [team_hook.webhook_id]
        with pytest.raises(MlflowException, match="RESOURCE_DOES_NOT_EXIST"):
            client.delete_webhook(default_hook.webhook_id)
        model = _name("hooked")
        client.create_registered_model(model)
        wait_for(got, 1)
        time.sleep(1.0)
        assert [p for p, _ in got] == ["/team"]
        body = json.loads(got[0][1])
        assert body["workspace"] == team and body["data"]["name"] == model
    finally:
        mlflow.set_workspace("default")
        MlflowClient().delete_webhook(default_hook.webhook_id)
        server.shutdown()
