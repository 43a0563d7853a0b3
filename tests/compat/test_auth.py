"""``--app-name basic-auth`` with the stock client: ``AuthServiceClient`` calls, a user with READ
on one experiment reads it and cannot write, searches show only what a user may read, AI Gateway
grants (``gateway_secret``, ``gateway_model_definition``, ``gateway_endpoint``), bad credentials
are refused, and the server refuses MLflow's well-known default admin password.

Each backend gets its own auth-enabled server (the shared ``tracking_uri`` server stays open).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import types
import uuid
from pathlib import Path

import pytest

import mlflow
from mlflow.entities import GatewayEndpointModelConfig, GatewayEndpointTag, GatewayModelLinkageType
from mlflow.exceptions import MlflowException, RestException

from conftest import (
    ROOT,
    SERVER_CMD,
    _server_env,
    _store_uri,
    backends,
    free_port,
    our_server,
)



def _stock_auth_client_factory():
    """``mlflow.server.get_app_client("basic-auth", ...)`` when the full ``mlflow`` package is
    installed. The tier installs ``mlflow-skinny``, whose ``mlflow.server`` package cannot be
    imported (no sqlalchemy, alembic, aiohttp); then the stock ``AuthServiceClient`` module
    (what ``get_app_client`` returns) is loaded without running the server package's
    ``__init__``, with ``mlflow.server.handlers`` reduced to the three path helpers it uses."""
    try:
        from mlflow.server import get_app_client

        return lambda uri: get_app_client("basic-auth", tracking_uri=uri)
    except ImportError:
        pass
    before = set(sys.modules)
    for name in [m for m in sys.modules if m.startswith("mlflow.server")]:
        del sys.modules[name]
    server_dir = Path(importlib.util.find_spec("mlflow").submodule_search_locations[0]) / "server"
    for name, path in (("mlflow.server", server_dir), ("mlflow.server.auth", server_dir / "auth")):
        pkg = types.ModuleType(name)
        pkg.__path__ = [str(path)]
        sys.modules[name] = pkg
    handlers = types.ModuleType("mlflow.server.handlers")
    handlers._add_static_prefix = lambda route: route
    handlers._get_rest_path = lambda base, version=2: f"/api/{version}.0{base}"
    handlers._get_ajax_path = lambda base, version=2: f"/ajax-api/{version}.0{base}"
    sys.modules["mlflow.server.handlers"] = handlers
    try:
        from mlflow.server.auth.client import AuthServiceClient
    finally:
        for name in set(sys.modules) - before:
            if name.startswith("mlflow.server"):
                del sys.modules[name]
    return AuthServiceClient


get_auth_client = _stock_auth_client_factory()

ADMIN = "admin"
ADMIN_PASSWORD = "compat-admin-password"
INI = "[mlflow]\ndefault_permission = NO_PERMISSIONS\nadmin_username = admin\n"


def _command(port: int, store_uri: str, workdir: Path) -> list[str]:
    return [
        *SERVER_CMD,
        "--host", "127.0.0.1",
        "--port", str(port),
        "--backend-store-uri", store_uri,
        "--default-artifact-root", "mlflow-artifacts:/",
        "--serve-artifacts",
        "--artifacts-destination", str(workdir / "artifacts"),
        "--app-name", "basic-auth",
    ]  # fmt: skip


@pytest.fixture(scope="module", params=backends())
def auth_uri(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    backend: str = request.param
    workdir = tmp_path_factory.mktemp(f"auth-server-{backend}")
    ini = workdir / "basic_auth.ini"
    ini.write_text(INI)
    env = _server_env(backend)
    env.update(MLFLOW_AUTH_CONFIG_PATH=str(ini), MLFLOW_AUTH_ADMIN_PASSWORD=ADMIN_PASSWORD)
    store_uri = _store_uri(backend, workdir, env)
    with our_server(workdir, env, store_uri, "--app-name", "basic-auth") as (base_url, _log):
        yield base_url


@pytest.fixture
def as_user(monkeypatch: pytest.MonkeyPatch):
    def login(username: str, password: str) -> None:
        monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", username)
        monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", password)

    return login


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_auth_service_client_manages_users(auth_uri: str, as_user) -> None:
    as_user(ADMIN, ADMIN_PASSWORD)
    client = get_auth_client(auth_uri)
    username = _name("user")
    user = client.create_user(username, "first-password-1")
    assert user.username == username and user.is_admin is False
    assert client.get_user(username).id == user.id
    with pytest.raises(RestException, match="RESOURCE_ALREADY_EXISTS"):
        client.create_user(username, "first-password-1")
    with pytest.raises(RestException, match="at least 12 characters"):
        client.create_user(_name("short"), "short")
    client.update_user_password(username, "second-password-2")
    client.update_user_admin(username, True)
    assert client.get_user(username).is_admin is True
    # The user logs in with the new password and, as admin, sees every experiment.
    as_user(username, "second-password-2")
    assert "Default" in [e.name for e in mlflow.MlflowClient(auth_uri).search_experiments()]
    as_user(ADMIN, ADMIN_PASSWORD)
    client.delete_user(username)
    with pytest.raises(RestException, match="RESOURCE_DOES_NOT_EXIST"):
        client.get_user(username)


def test_read_grant_reads_but_cannot_write_and_search_is_filtered(auth_uri: str, as_user) -> None:
    as_user(ADMIN, ADMIN_PASSWORD)
    admin_client = get_auth_client(auth_uri)
    reader = _name("reader")
    admin_client.create_user(reader, "reader-password-1")
    tracking = mlflow.MlflowClient(auth_uri)
    shared = tracking.create_experiment(_name("shared"))
    hidden = tracking.create_experiment(_name("hidden"))
    run = tracking.create_run(shared)
    tracking.log_metric(run.info.run_id, "loss", 0.5)
    admin_client.grant_user_permission(reader, "experiment", shared, "READ")
    result = admin_client.get_user_permission(reader, "experiment", shared)
    assert (result.permission, result.allowed) == ("READ", False)

    as_user(reader, "reader-password-1")
    assert tracking.get_experiment(shared).experiment_id == shared
    assert tracking.get_run(run.info.run_id).data.metrics == {"loss": 0.5}
    visible = {e.experiment_id for e in tracking.search_experiments()}
    assert shared in visible and hidden not in visible
    with pytest.raises(MlflowException) as denied:
        tracking.log_metric(run.info.run_id, "loss", 0.1)
    assert "403" in str(denied.value) or "Permission denied" in str(denied.value)
    with pytest.raises(MlflowException):
        tracking.get_experiment(hidden)
    # A run search naming an unreadable experiment is not refused: that experiment is dropped
    # (MLflow 3.17.2's `filter_experiment_ids`).
    found = tracking.search_runs([shared, hidden])
    assert [r.info.run_id for r in found] == [run.info.run_id]
    assert list(tracking.search_runs([hidden])) == []
    with pytest.raises(MlflowException):
        tracking.create_run(shared)
    # The reader creates an experiment of their own and manages it.
    own = tracking.create_experiment(_name("own"))
    tracking.set_experiment_tag(own, "k", "v")
    tracking.delete_experiment(own)


def test_trace_and_logged_model_searches_with_an_unreadable_experiment(
    auth_uri: str, as_user, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MLflow 3.17.2 (docs/workspaces.md, "Searches over several experiments"): a logged-model
    search naming an unreadable experiment drops it (its rows are filtered); a trace search naming
    one is refused with 403 (READ on every experiment named), through ``mlflow.search_traces``."""
    from mlflow.entities.trace_location import MlflowExperimentLocation

    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")
    mlflow.tracing.reset()
    as_user(ADMIN, ADMIN_PASSWORD)
    admin_client = get_auth_client(auth_uri)
    reader = _name("reader")
    admin_client.create_user(reader, "reader-password-1")
    tracking = mlflow.MlflowClient(auth_uri)
    shared = tracking.create_experiment(_name("shared"))
    hidden = tracking.create_experiment(_name("hidden"))
    models = {e: tracking.create_logged_model(e, name="lm").model_id for e in (shared, hidden)}
    admin_client.grant_user_permission(reader, "experiment", shared, "READ")
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(auth_uri)
    try:
        traces = {}
        for e in (shared, hidden):
            with mlflow.start_span("step", trace_destination=MlflowExperimentLocation(e)):
                pass
            traces[e] = mlflow.get_last_active_trace_id()

        as_user(reader, "reader-password-1")
        found = tracking.search_logged_models([shared, hidden])
        assert [m.model_id for m in found] == [models[shared]]
        assert list(tracking.search_logged_models([hidden])) == []
        own = mlflow.search_traces(locations=[shared], return_type="list")
        assert [t.info.trace_id for t in own] == [traces[shared]]
        with pytest.raises(MlflowException) as denied:
            mlflow.search_traces(locations=[shared, hidden], return_type="list")
        assert "403" in str(denied.value) or "Permission denied" in str(denied.value)
    finally:
        mlflow.set_tracking_uri(previous)


def test_auth_service_client_roles(auth_uri: str, as_user) -> None:
    """The stock client's role (RBAC) methods, and a role grant doing what a direct one does."""
    as_user(ADMIN, ADMIN_PASSWORD)
    client = get_auth_client(auth_uri)
    member = _name("member")
    client.create_user(member, "member-password-1")
    tracking = mlflow.MlflowClient(auth_uri)
    exp = tracking.create_experiment(_name("rbac"))
    role = client.create_role("default", _name("readers"), description="reads one experiment")
    assert role.workspace == "default" and role.description == "reads one experiment"
    assert client.get_role(role.id).name == role.name
    assert role.id in [r.id for r in client.list_roles("default")]
    assert role.id in [r.id for r in client.list_all_roles()]
    renamed = client.update_role(role.id, name=role.name + "-x")
    assert renamed.name == role.name + "-x"
    perm = client.add_role_permission(role.id, "experiment", exp, "READ")
    assert (perm.role_id, perm.resource_pattern, perm.permission) == (role.id, exp, "READ")
    assert [p.id for p in client.list_role_permissions(role.id)] == [perm.id]
    with pytest.raises(RestException, match="RESOURCE_ALREADY_EXISTS"):
        client.add_role_permission(role.id, "experiment", exp, "READ")
    assignment = client.assign_role(member, role.id)
    assert assignment.role_id == role.id
    assert [a.id for a in client.list_role_users(role.id)] == [assignment.id]
    assert [r.id for r in client.list_user_roles(member)] == [role.id]

    # The member reads the experiment through the role, and cannot write to it.
    as_user(member, "member-password-1")
    assert tracking.get_experiment(exp).experiment_id == exp
    with pytest.raises(MlflowException):
        tracking.create_run(exp)
    as_user(ADMIN, ADMIN_PASSWORD)
    assert client.update_role_permission(perm.id, "EDIT").permission == "EDIT"
    as_user(member, "member-password-1")
    tracking.create_run(exp)

    as_user(ADMIN, ADMIN_PASSWORD)
    client.remove_role_permission(perm.id)
    assert client.list_role_permissions(role.id) == []
    client.unassign_role(member, role.id)
    assert client.list_user_roles(member) == []
    client.delete_role(role.id)
    with pytest.raises(RestException, match="RESOURCE_DOES_NOT_EXIST"):
        client.get_role(role.id)
    with pytest.raises(RestException, match="reserved '__user_' prefix"):
        client.create_role("default", "__user_1__")


def test_gateway_grants_with_the_stock_clients(auth_uri: str, as_user) -> None:
    """MLflow 3.17.2's gateway grants: the creator manages what it creates; another user sees
    nothing until granted; USE on a secret lets a model definition use it; READ on an endpoint
    reads it and does not change it."""
    as_user(ADMIN, ADMIN_PASSWORD)
    admin_client = get_auth_client(auth_uri)
    owner, other = _name("gw-owner"), _name("gw-user")
    admin_client.create_user(owner, "owner-password-1")
    admin_client.create_user(other, "other-password-1")
    store = mlflow.MlflowClient(auth_uri)._tracking_client.store

    as_user(owner, "owner-password-1")
    secret = store.create_gateway_secret(
        secret_name=_name("key"), secret_value={"api_key": "sk-test-abcdefghijkl"}, provider="openai"
    )
    definition = store.create_gateway_model_definition(
        name=_name("def"), secret_id=secret.secret_id, provider="openai", model_name="gpt-4o"
    )
    config = GatewayEndpointModelConfig(
        definition.model_definition_id, GatewayModelLinkageType.PRIMARY, weight=1.0
    )
    endpoint = store.create_gateway_endpoint(
        name=_name("ep"), model_configs=[config], usage_tracking=False
    )
    assert store.get_gateway_endpoint(endpoint_id=endpoint.endpoint_id).name == endpoint.name

    as_user(ADMIN, ADMIN_PASSWORD)
    for resource_type, resource_id in (
        ("gateway_secret", secret.secret_id),
        ("gateway_model_definition", definition.model_definition_id),
        ("gateway_endpoint", endpoint.endpoint_id),
    ):
        assert admin_client.get_user_permission(owner, resource_type, resource_id).permission == (
            "MANAGE"
        )

    as_user(other, "other-password-1")
    with pytest.raises(MlflowException, match="Permission denied"):
        store.get_gateway_endpoint(endpoint_id=endpoint.endpoint_id)
    assert endpoint.endpoint_id not in {e.endpoint_id for e in store.list_gateway_endpoints()}
    assert secret.secret_id not in {s.secret_id for s in store.list_secret_infos()}
    with pytest.raises(MlflowException, match="Permission denied"):
        store.create_gateway_model_definition(
            name=_name("mine"), secret_id=secret.secret_id, provider="openai", model_name="m"
        )

    as_user(ADMIN, ADMIN_PASSWORD)
    admin_client.grant_user_permission(other, "gateway_secret", secret.secret_id, "USE")
    admin_client.grant_user_permission(other, "gateway_endpoint", endpoint.endpoint_id, "READ")

    as_user(other, "other-password-1")
    assert store.get_gateway_endpoint(name=endpoint.name).endpoint_id == endpoint.endpoint_id
    assert endpoint.endpoint_id in {e.endpoint_id for e in store.list_gateway_endpoints()}
    mine = store.create_gateway_model_definition(
        name=_name("mine"), secret_id=secret.secret_id, provider="openai", model_name="m"
    )
    with pytest.raises(MlflowException, match="Permission denied"):
        store.set_gateway_endpoint_tag(endpoint.endpoint_id, GatewayEndpointTag("k", "v"))
    with pytest.raises(MlflowException, match="Permission denied"):
        store.update_gateway_secret(secret_id=secret.secret_id, secret_value={"api_key": "sk-x"})
    store.delete_gateway_model_definition(mine.model_definition_id)


def test_bad_credentials_are_refused(auth_uri: str, as_user) -> None:
    as_user(ADMIN, "not-the-password")
    with pytest.raises(MlflowException) as e:
        mlflow.MlflowClient(auth_uri).search_experiments()
    assert "401" in str(e.value) or "not authenticated" in str(e.value)


def test_server_refuses_the_well_known_default_admin_password(tmp_path: Path) -> None:
    env = _server_env("embedded")
    env.update(MLFLOW_AUTH_ADMIN_PASSWORD="password1234")
    env.pop("MLFLOW_AUTH_CONFIG_PATH", None)
    store = tmp_path / "store"
    store.mkdir()
    proc = subprocess.run(
        _command(free_port(), f"embedded://{store}", tmp_path),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 1
    assert "well-known default" in proc.stderr
    assert "MLFLOW_AUTH_ALLOW_DEFAULT_ADMIN_PASSWORD" in proc.stderr


WS_INI = (
    "[mlflow]\ndefault_permission = READ\nadmin_username = admin\n"
    "grant_default_workspace_access = true\n"
)


@pytest.fixture(scope="module", params=backends())
def auth_ws_uri(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A server with basic-auth and ``--enable-workspaces`` both on; everyone reads ``default``."""
    backend: str = request.param
    workdir = tmp_path_factory.mktemp(f"auth-ws-server-{backend}")
    ini = workdir / "basic_auth.ini"
    ini.write_text(WS_INI)
    env = _server_env(backend)
    env.update(MLFLOW_AUTH_CONFIG_PATH=str(ini), MLFLOW_AUTH_ADMIN_PASSWORD=ADMIN_PASSWORD)
    store_uri = _store_uri(backend, workdir, env)
    with our_server(
        workdir, env, store_uri, "--app-name", "basic-auth", "--enable-workspaces"
    ) as (base_url, _log):
        yield base_url


def test_another_workspaces_experiment_is_permission_denied_for_a_user(
    auth_ws_uri: str, as_user, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MLflow 3.17.2 (docs/workspaces.md, "Permissions"): its validators look an experiment or run
    up in the request's workspace; another workspace's is not found there, so a non-admin is
    denied (403) even when their grants in ``default`` would allow the id; an admin gets the
    store's not-found."""
    monkeypatch.delenv("MLFLOW_WORKSPACE", raising=False)
    mlflow.set_tracking_uri(auth_ws_uri)
    try:
        as_user(ADMIN, ADMIN_PASSWORD)
        user = _name("wsuser")
        get_auth_client(auth_ws_uri).create_user(user, "wsuser-password-1")
        team = _name("team")
        mlflow.create_workspace(team)
        mlflow.set_workspace(team)
        tracking = mlflow.MlflowClient(auth_ws_uri)
        far = tracking.create_experiment(_name("far"))
        run = tracking.create_run(far)
        mlflow.set_workspace(None)
        mine = tracking.create_experiment(_name("mine"))
        with pytest.raises(RestException, match="RESOURCE_DOES_NOT_EXIST"):
            mlflow.get_experiment(far)

        as_user(user, "wsuser-password-1")
        assert mlflow.get_experiment(mine).experiment_id == mine
        with pytest.raises(MlflowException, match="Permission denied") as denied:
            mlflow.get_experiment(far)
        assert not isinstance(denied.value, RestException) or "403" in str(denied.value)
        with pytest.raises(MlflowException, match="Permission denied"):
            tracking.get_run(run.info.run_id)
        # A search drops the other workspace's id instead.
        assert list(tracking.search_runs([mine, far])) == []
    finally:
        mlflow.set_workspace(None)
        mlflow.set_tracking_uri(None)
