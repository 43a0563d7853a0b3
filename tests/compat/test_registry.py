"""Model registry and prompt registry through the stock MLflow client.

The server is shared by every test of a backend, so each test uses model names of its own
(``unique()``) and restricts its searches to them.

Tests marked ``registry_artifacts`` register and load real sklearn models: they also need the
artifact proxy and logged models (other parts of the server). They are never skipped: if those
parts are missing, they fail.
"""

from __future__ import annotations

import uuid

import mlflow
import pytest
import requests
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

PROMPT_TAG = "mlflow.prompt.is_prompt"


def unique(prefix: str = "reg") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def client(tracking_uri: str) -> MlflowClient:
    return MlflowClient(tracking_uri)


class raises_code:  # noqa: N801 (used like pytest.raises)
    """``with raises_code("RESOURCE_DOES_NOT_EXIST"): ...``"""

    def __init__(self, code: str, match: str | None = None) -> None:
        self._ctx = pytest.raises(MlflowException, match=match)
        self._code = code

    def __enter__(self):
        self._info = self._ctx.__enter__()
        return self._info

    def __exit__(self, *exc):
        suppressed = self._ctx.__exit__(*exc)
        if suppressed:
            assert self._info.value.error_code == self._code, str(self._info.value)
        return suppressed


def make_model(client: MlflowClient, versions: int = 0, **kwargs) -> str:
    name = unique()
    client.create_registered_model(name, **kwargs)
    for i in range(versions):
        client.create_model_version(name, f"s3://bucket/{name}/{i}", run_id=uuid.uuid4().hex)
    return name


# ------------------------------------------------------------------------------------------------
# Registered models


def test_create_get_update_rename_delete(client: MlflowClient) -> None:
    name = unique()
    rm = client.create_registered_model(name, tags={"team": "a"}, description="first")
    assert rm.name == name
    assert rm.tags == {"team": "a"}
    assert rm.description == "first"
    assert rm.creation_timestamp > 0

    got = client.get_registered_model(name)
    assert got.latest_versions == []
    assert got.aliases == {}

    with raises_code("RESOURCE_ALREADY_EXISTS", match=rf"Registered Model \(name={name}\) already exists"):
        client.create_registered_model(name)

    updated = client.update_registered_model(name, description="second")
    assert updated.description == "second"

    client.create_model_version(name, "s3://bucket/m", run_id=uuid.uuid4().hex)
    new_name = unique()
    client.rename_registered_model(name, new_name)  # MlflowClient returns nothing here
    assert client.get_registered_model(new_name).name == new_name
    assert client.get_model_version(new_name, "1").name == new_name
    with raises_code("RESOURCE_DOES_NOT_EXIST", match=f"Registered Model with name={name} not found"):
        client.get_registered_model(name)

    other = make_model(client)
    with raises_code("RESOURCE_ALREADY_EXISTS"):
        client.rename_registered_model(new_name, other)

    client.delete_registered_model(new_name)
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.get_registered_model(new_name)
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.get_model_version(new_name, "1")
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.delete_registered_model(new_name)
    # The name is free again, and numbering restarts.
    client.create_registered_model(new_name)
    assert client.create_model_version(new_name, "s3://bucket/x").version == "1"


def test_registered_model_tags(client: MlflowClient) -> None:
    name = make_model(client, tags={"a": "1"})
    client.set_registered_model_tag(name, "b", "2")
    client.set_registered_model_tag(name, "a", "3")
    assert client.get_registered_model(name).tags == {"a": "3", "b": "2"}
    client.delete_registered_model_tag(name, "a")
    client.delete_registered_model_tag(name, "a")  # deleting a missing tag is a no-op
    assert client.get_registered_model(name).tags == {"b": "2"}
    with raises_code("INVALID_PARAMETER_VALUE", match="exceeds the maximum length"):
        client.set_registered_model_tag(name, "long", "x" * 100_001)
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.set_registered_model_tag(unique(), "k", "v")


def test_invalid_names(client: MlflowClient) -> None:
    with raises_code("INVALID_PARAMETER_VALUE", match="Names cannot contain"):
        client.create_registered_model("a/b")
    with raises_code("INVALID_PARAMETER_VALUE", match="Missing value for required parameter 'name'"):
        client.create_registered_model("")


# ------------------------------------------------------------------------------------------------
# Model versions and stages


def test_model_version_lifecycle(client: MlflowClient) -> None:
    name = make_model(client)
    run_id = uuid.uuid4().hex
    mv = client.create_model_version(
        name, "s3://bucket/model", run_id=run_id, tags={"t": "1"}, description="v1"
    )
    assert mv.version == "1"
    assert mv.current_stage == "None"
    assert mv.status == "READY"
    assert mv.run_id == run_id
    assert mv.tags == {"t": "1"}

    got = client.get_model_version(name, "1")
    assert got.source == "s3://bucket/model"
    assert got.description == "v1"
    assert client.get_model_version_download_uri(name, "1") == "s3://bucket/model"

    assert client.update_model_version(name, "1", description="new").description == "new"
    client.set_model_version_tag(name, "1", "k", "v")
    assert client.get_model_version(name, "1").tags == {"t": "1", "k": "v"}
    client.delete_model_version_tag(name, "1", "k")
    assert client.get_model_version(name, "1").tags == {"t": "1"}

    with raises_code("RESOURCE_DOES_NOT_EXIST", match=rf"Model Version \(name={name}, version=7\)"):
        client.get_model_version(name, "7")
    with raises_code("INVALID_PARAMETER_VALUE", match="must be an integer"):
        client.get_model_version(name, "abc")

    client.delete_model_version(name, "1")
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.get_model_version(name, "1")
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.delete_model_version(name, "1")
    # Soft delete keeps the number: the next version is 2.
    assert client.create_model_version(name, "s3://bucket/model2").version == "2"


@pytest.mark.filterwarnings("ignore::FutureWarning")  # stages are deprecated in the client
def test_stage_transitions_and_latest_versions(client: MlflowClient) -> None:
    name = make_model(client, versions=4)
    client.transition_model_version_stage(name, "2", "production")
    client.transition_model_version_stage(name, "3", "Production")
    staged = client.transition_model_version_stage(name, "4", "STAGING")
    assert staged.current_stage == "Staging"

    latest = {mv.current_stage: mv.version for mv in client.get_latest_versions(name)}
    assert latest == {"None": "1", "Production": "3", "Staging": "4"}
    assert [mv.version for mv in client.get_latest_versions(name, stages=["Production"])] == ["3"]
    rm_latest = {mv.current_stage: mv.version for mv in client.get_registered_model(name).latest_versions}
    assert rm_latest == latest

    client.transition_model_version_stage(name, "1", "Production", archive_existing_versions=True)
    assert client.get_model_version(name, "2").current_stage == "Archived"
    assert client.get_model_version(name, "3").current_stage == "Archived"
    assert client.get_model_version(name, "4").current_stage == "Staging"

    with raises_code("INVALID_PARAMETER_VALUE", match="Invalid Model Version stage: bogus"):
        client.transition_model_version_stage(name, "1", "bogus")


def test_concurrent_version_creation_numbers_versions_without_gaps(client: MlflowClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    name = make_model(client)
    with ThreadPoolExecutor(max_workers=10) as pool:
        versions = list(
            pool.map(lambda i: client.create_model_version(name, f"s3://b/{i}").version, range(20))
        )
    assert sorted(int(v) for v in versions) == list(range(1, 21))


# ------------------------------------------------------------------------------------------------
# Aliases


def test_aliases(client: MlflowClient) -> None:
    name = make_model(client, versions=2)
    client.set_registered_model_alias(name, "champion", "1")
    client.set_registered_model_alias(name, "challenger", "2")
    assert client.get_registered_model(name).aliases == {"champion": "1", "challenger": "2"}
    mv = client.get_model_version_by_alias(name, "champion")
    assert mv.version == "1"
    assert mv.aliases == ["champion"]
    assert client.get_model_version(name, "2").aliases == ["challenger"]

    client.set_registered_model_alias(name, "champion", "2")
    assert sorted(client.get_model_version(name, "2").aliases) == ["challenger", "champion"]

    with raises_code("INVALID_PARAMETER_VALUE", match="Registered model alias nope not found"):
        client.get_model_version_by_alias(name, "nope")
    with raises_code("INVALID_PARAMETER_VALUE", match="reserved"):
        client.set_registered_model_alias(name, "latest", "1")
    with raises_code("INVALID_PARAMETER_VALUE", match="reserved"):
        client.set_registered_model_alias(name, "v3", "1")
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        client.set_registered_model_alias(name, "x", "9")

    client.delete_registered_model_alias(name, "challenger")
    client.delete_registered_model_alias(name, "challenger")  # no-op
    assert client.get_registered_model(name).aliases == {"champion": "2"}

    # Deleting the version removes the aliases that point at it.
    client.delete_model_version(name, "2")
    assert client.get_registered_model(name).aliases == {}


# ------------------------------------------------------------------------------------------------
# Search


def test_search_registered_models_filter_order_and_pages(client: MlflowClient) -> None:
    prefix = unique("srch")
    names = [f"{prefix}_{i:02d}" for i in range(7)]
    for i, n in enumerate(names):
        client.create_registered_model(n, tags={"parity": "even" if i % 2 == 0 else "odd"})

    collected, token = [], None
    while True:
        page = client.search_registered_models(
            filter_string=f"name LIKE '{prefix}%'", max_results=3, page_token=token
        )
        collected.extend(m.name for m in page)
        token = page.token
        if not token:
            break
    assert collected == names

    desc = client.search_registered_models(f"name LIKE '{prefix}%'", order_by=["name DESC"])
    assert [m.name for m in desc] == names[::-1]
    odd = client.search_registered_models(f"name LIKE '{prefix}%' AND tags.parity = 'odd'")
    assert [m.name for m in odd] == names[1::2]
    assert [m.name for m in client.search_registered_models(f"name ILIKE '{prefix.upper()}_0%'")] == names

    exact = client.search_registered_models(f"name LIKE '{prefix}%'", max_results=7)
    assert len(exact) == 7
    assert not exact.token  # no token when the page is exactly full (the client reads "")


def test_search_model_versions_filter_order_and_pages(client: MlflowClient) -> None:
    name = make_model(client)
    run_a, run_b = uuid.uuid4().hex, uuid.uuid4().hex
    for i in range(6):
        client.create_model_version(
            name, f"s3://bucket/{i % 2}", run_id=run_a if i < 3 else run_b, tags={"i": str(i)}
        )

    collected, token = [], None
    while True:
        page = client.search_model_versions(f"name = '{name}'", max_results=4, page_token=token)
        collected.extend(mv.version for mv in page)
        token = page.token
        if not token:
            break
    assert collected == ["6", "5", "4", "3", "2", "1"]

    by_run = client.search_model_versions(f"run_id = '{run_b}'")
    assert sorted(mv.version for mv in by_run) == ["4", "5", "6"]
    asc = client.search_model_versions(f"name = '{name}'", order_by=["version_number ASC"])
    assert [mv.version for mv in asc] == ["1", "2", "3", "4", "5", "6"]
    tagged = client.search_model_versions(f"name = '{name}' AND tags.i = '2'")
    assert [mv.version for mv in tagged] == ["3"]
    small = client.search_model_versions(f"name = '{name}' AND version_number <= 2")
    assert sorted(mv.version for mv in small) == ["1", "2"]
    src = client.search_model_versions(f"source_path = 's3://bucket/1' AND name = '{name}'")
    assert sorted(mv.version for mv in src) == ["2", "4", "6"]


def test_search_errors(client: MlflowClient, tracking_uri: str) -> None:
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_registered_models(page_token="invalid_token")
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_registered_models(max_results=1001)
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_registered_models("evilhax = true")
    with raises_code("INVALID_PARAMETER_VALUE", match="Invalid order by key"):
        client.search_registered_models(order_by=["creation_timestamp DESC"])
    with raises_code("INVALID_PARAMETER_VALUE"):
        client.search_model_versions("run_id IN ()")
    response = requests.get(
        f"{tracking_uri}/api/2.0/mlflow/model-versions/search", params={"page_token": "evilhax"}
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


# ------------------------------------------------------------------------------------------------
# REST details the client hides


def test_rest_shapes_and_methods(client: MlflowClient, tracking_uri: str) -> None:
    name = make_model(client, versions=1)
    base = f"{tracking_uri}/api/2.0/mlflow"
    mv = requests.get(f"{base}/model-versions/get", params={"name": name, "version": "1"}).json()
    assert mv["model_version"]["version"] == "1"
    assert isinstance(mv["model_version"]["creation_timestamp"], int)
    assert "aliases" not in mv["model_version"]
    rm = requests.get(f"{base}/registered-models/get", params={"name": name}).json()
    assert [v["version"] for v in rm["registered_model"]["latest_versions"]] == ["1"]
    assert "tags" not in rm["registered_model"]
    # The UI uses the ajax-api prefix; DELETE carries a JSON body.
    ajax = requests.get(
        f"{tracking_uri}/ajax-api/2.0/mlflow/registered-models/get", params={"name": name}
    )
    assert ajax.status_code == 200
    gone = requests.delete(f"{base}/registered-models/delete", json={"name": name})
    assert gone.status_code == 200
    assert gone.json() == {}
    missing = requests.get(f"{base}/registered-models/get", params={"name": name})
    assert missing.status_code == 404
    assert missing.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    # get-latest-versions answers GET as well as POST (the client falls back to GET).
    name = make_model(client, versions=1)
    via_get = requests.get(f"{base}/registered-models/get-latest-versions", params={"name": name})
    assert [v["version"] for v in via_get.json()["model_versions"]] == ["1"]


# ------------------------------------------------------------------------------------------------
# Prompts


def test_prompt_registry(client: MlflowClient) -> None:
    name = unique("prompt")
    v1 = mlflow.genai.register_prompt(name=name, template="Hello {{name}}!", commit_message="first")
    assert v1.version == 1
    v2 = mlflow.genai.register_prompt(name=name, template="Hi {{name}}, welcome.")
    assert v2.version == 2

    loaded = mlflow.genai.load_prompt(f"prompts:/{name}/1")
    assert loaded.template == "Hello {{name}}!"
    assert loaded.format(name="Ada") == "Hello Ada!"
    assert mlflow.genai.load_prompt(name, version=2).template == "Hi {{name}}, welcome."

    mlflow.genai.set_prompt_alias(name, alias="production", version=1)
    by_alias = mlflow.genai.load_prompt(f"prompts:/{name}@production")
    assert by_alias.version == 1
    assert by_alias.template == "Hello {{name}}!"
    latest = mlflow.genai.load_prompt(f"prompts:/{name}@latest")
    assert latest.version == 2

    found = mlflow.genai.search_prompts(filter_string=f"name = '{name}'")
    assert [p.name for p in found] == [name]

    # Prompts stay out of model searches, and models and prompts share one name space.
    assert client.search_registered_models(f"name = '{name}'") == []
    assert client.search_model_versions(f"name = '{name}'") == []
    with raises_code("RESOURCE_ALREADY_EXISTS", match="already taken by a prompt"):
        client.create_registered_model(name)
    model = make_model(client)
    with pytest.raises(MlflowException, match="exists with the same name"):
        mlflow.genai.register_prompt(name=model, template="x")


def test_chat_prompt_and_prompt_versions(client: MlflowClient) -> None:
    name = unique("chat")
    template = [{"role": "system", "content": "You are {{style}}."}, {"role": "user", "content": "{{q}}"}]
    pv = mlflow.genai.register_prompt(name=name, template=template)
    loaded = mlflow.genai.load_prompt(name, version=pv.version)
    assert loaded.template == template
    versions = client.search_model_versions(f"name = '{name}' AND tags.`{PROMPT_TAG}` = 'true'")
    assert [mv.version for mv in versions] == ["1"]


# ------------------------------------------------------------------------------------------------
# Real models (need logged models and the artifact proxy as well)


@pytest.mark.registry_artifacts
def test_register_and_load_sklearn_model(client: MlflowClient) -> None:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    name = unique("sk")
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 0, 1, 1])
    model = LogisticRegression().fit(X, y)
    mlflow.set_experiment(unique("exp"))
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(model, name="model", registered_model_name=name)
    assert str(info.registered_model_version) == "1"

    mv = client.get_model_version(name, "1")
    assert mv.run_id == run.info.run_id
    logged = client.get_logged_model(info.model_id)
    # The server writes the entry (version as a number) when the version is created; then the
    # client's register_model appends its own (version as a string), as against `mlflow server`.
    assert logged.tags["mlflow.modelVersions"] == (
        f'[{{"name": "{name}", "version": 1}}, {{"name": "{name}", "version": "1"}}]'
    )

    loaded = mlflow.pyfunc.load_model(f"models:/{name}/1")
    assert list(loaded.predict(X)) == [0, 0, 1, 1]

    client.set_registered_model_alias(name, "champion", "1")
    by_alias = mlflow.sklearn.load_model(f"models:/{name}@champion")
    assert list(by_alias.predict(X)) == [0, 0, 1, 1]

    # Registering the run's model again through runs:/ gives version 2.
    mv2 = mlflow.register_model(f"runs:/{run.info.run_id}/model", name)
    assert mv2.version == "2"
    latest = mlflow.pyfunc.load_model(f"models:/{name}/latest")
    assert list(latest.predict(X)) == [0, 0, 1, 1]
