"""AI Gateway configuration with the stock client's REST store (``RestGatewayStoreMixin``):
secrets (masked values only, update, provider filter, delete), model definitions, endpoints with
routing and fallbacks, attach/detach, tags, bindings and budget policies with paging, and
MLflow's error codes for the failures a user meets. The compat tier starts the server with
``MLFLOW_CRYPTO_KEK_PASSPHRASE`` set (``conftest.py``).
"""

from __future__ import annotations

import uuid

import pytest
from mlflow import MlflowClient
from mlflow.entities import (
    FallbackConfig,
    FallbackStrategy,
    GatewayEndpointModelConfig,
    GatewayEndpointTag,
    GatewayModelLinkageType,
    GatewayResourceType,
    RoutingStrategy,
)
from mlflow.entities.gateway_budget_policy import (
    BudgetAction,
    BudgetDuration,
    BudgetDurationUnit,
    BudgetTargetScope,
    BudgetUnit,
)
from mlflow.exceptions import MlflowException


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def store(tracking_uri: str):
    return MlflowClient(tracking_uri)._tracking_client.store


@pytest.fixture
def secret(store):
    return store.create_gateway_secret(
        secret_name=_unique("key"),
        secret_value={"api_key": "sk-test-abcdefghijkl"},
        provider="openai",
        auth_config={"region": "us"},
        created_by="alice",
    )


def _definition(store, secret, provider="openai"):
    return store.create_gateway_model_definition(
        name=_unique("def"),
        secret_id=secret.secret_id,
        provider=provider,
        model_name="gpt-4o",
    )


def test_secrets_are_masked_updated_listed_and_deleted(store, secret):
    assert secret.secret_id.startswith("s-")
    assert secret.masked_values == {"api_key": "sk-...ijkl"}
    assert secret.auth_config == {"region": "us"}
    assert secret.created_by == "alice"

    got = store.get_secret_info(secret_id=secret.secret_id)
    assert got.secret_name == secret.secret_name
    assert got.masked_values == {"api_key": "sk-...ijkl"}

    updated = store.update_gateway_secret(
        secret_id=secret.secret_id,
        secret_value={"api_key": "sk-rotated-999999"},
        updated_by="bob",
    )
    assert updated.masked_values == {"api_key": "sk-...9999"}
    assert updated.auth_config == {"region": "us"}
    assert updated.last_updated_by == "bob"

    ids = {s.secret_id for s in store.list_secret_infos(provider="openai")}
    assert secret.secret_id in ids
    assert secret.secret_id not in {s.secret_id for s in store.list_secret_infos(provider="x")}

    with pytest.raises(MlflowException, match="already exists") as dup:
        store.create_gateway_secret(secret_name=secret.secret_name, secret_value={"a": "b"})
    assert dup.value.error_code == "RESOURCE_ALREADY_EXISTS"

    with pytest.raises(MlflowException, match="must not contain 'base_url'") as bad:
        store.create_gateway_secret(
            secret_name=_unique("bad"), secret_value={"base_url": "http://evil"}
        )
    assert bad.value.error_code == "INVALID_PARAMETER_VALUE"

    store.delete_gateway_secret(secret.secret_id)
    with pytest.raises(MlflowException, match="GatewaySecret not found") as gone:
        store.get_secret_info(secret_id=secret.secret_id)
    assert gone.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_model_definitions(store, secret):
    d = _definition(store, secret)
    assert d.model_definition_id.startswith("d-")
    assert d.secret_name == secret.secret_name
    assert store.get_gateway_model_definition(d.model_definition_id).name == d.name
    listed = store.list_gateway_model_definitions(secret_id=secret.secret_id)
    assert [x.model_definition_id for x in listed] == [d.model_definition_id]
    renamed = store.update_gateway_model_definition(
        model_definition_id=d.model_definition_id, model_name="gpt-4o-mini"
    )
    assert renamed.model_name == "gpt-4o-mini"
    store.delete_gateway_model_definition(d.model_definition_id)
    with pytest.raises(MlflowException) as gone:
        store.get_gateway_model_definition(d.model_definition_id)
    assert gone.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_endpoints_routing_fallbacks_models_tags_and_bindings(store, secret):
    primary = _definition(store, secret)
    backup = _definition(store, secret, provider="anthropic")
    name = _unique("chat")
    endpoint = store.create_gateway_endpoint(
        name=name,
        model_configs=[
            GatewayEndpointModelConfig(
                primary.model_definition_id, GatewayModelLinkageType.PRIMARY, weight=0.8
            ),
            GatewayEndpointModelConfig(
                backup.model_definition_id, GatewayModelLinkageType.FALLBACK, fallback_order=0
            ),
        ],
        routing_strategy=RoutingStrategy.REQUEST_BASED_TRAFFIC_SPLIT,
        fallback_config=FallbackConfig(strategy=FallbackStrategy.SEQUENTIAL, max_attempts=2),
    )
    assert endpoint.endpoint_id.startswith("e-")
    assert endpoint.routing_strategy == RoutingStrategy.REQUEST_BASED_TRAFFIC_SPLIT
    assert endpoint.fallback_config.max_attempts == 2
    assert endpoint.fallback_config.strategy == FallbackStrategy.SEQUENTIAL
    assert endpoint.usage_tracking is True
    assert endpoint.experiment_id is not None
    assert MlflowClient().get_experiment(endpoint.experiment_id).name == f"gateway/{name}"
    mappings = {m.model_definition_id: m for m in endpoint.model_mappings}
    assert mappings[primary.model_definition_id].weight == pytest.approx(0.8)
    assert mappings[backup.model_definition_id].linkage_type == GatewayModelLinkageType.FALLBACK
    assert mappings[primary.model_definition_id].model_definition.name == primary.name

    assert store.get_gateway_endpoint(name=name).endpoint_id == endpoint.endpoint_id
    assert endpoint.endpoint_id in {e.endpoint_id for e in store.list_gateway_endpoints()}
    assert endpoint.endpoint_id in {
        e.endpoint_id for e in store.list_gateway_endpoints(provider="anthropic")
    }

    store.detach_model_from_endpoint(endpoint.endpoint_id, backup.model_definition_id)
    mapping = store.attach_model_to_endpoint(
        endpoint.endpoint_id,
        GatewayEndpointModelConfig(backup.model_definition_id, GatewayModelLinkageType.FALLBACK),
    )
    assert mapping.model_definition_id == backup.model_definition_id
    with pytest.raises(MlflowException) as twice:
        store.attach_model_to_endpoint(
            endpoint.endpoint_id,
            GatewayEndpointModelConfig(
                backup.model_definition_id, GatewayModelLinkageType.FALLBACK
            ),
        )
    assert twice.value.error_code == "RESOURCE_ALREADY_EXISTS"

    store.set_gateway_endpoint_tag(endpoint.endpoint_id, GatewayEndpointTag("team", "ml"))
    tags = store.get_gateway_endpoint(endpoint_id=endpoint.endpoint_id).tags
    assert [(t.key, t.value) for t in tags] == [("team", "ml")]
    store.delete_gateway_endpoint_tag(endpoint.endpoint_id, "team")
    assert store.get_gateway_endpoint(endpoint_id=endpoint.endpoint_id).tags == []

    binding = store.create_endpoint_binding(
        endpoint.endpoint_id, GatewayResourceType.SCORER, "scorer-1"
    )
    assert binding.resource_id == "scorer-1"
    listed = store.list_endpoint_bindings(endpoint_id=endpoint.endpoint_id)
    assert [b.resource_id for b in listed] == ["scorer-1"]
    store.delete_endpoint_binding(
        endpoint.endpoint_id, GatewayResourceType.SCORER.value, "scorer-1"
    )
    assert store.list_endpoint_bindings(endpoint_id=endpoint.endpoint_id) == []

    # MLflow answers INVALID_STATE (HTTP 500, which the client reports as a server error), and
    # the definition stays.
    with pytest.raises(MlflowException):
        store.delete_gateway_model_definition(primary.model_definition_id)
    assert store.get_gateway_model_definition(primary.model_definition_id).name == primary.name

    updated = store.update_gateway_endpoint(
        endpoint_id=endpoint.endpoint_id,
        model_configs=[
            GatewayEndpointModelConfig(
                backup.model_definition_id, GatewayModelLinkageType.PRIMARY
            )
        ],
    )
    assert [m.model_definition_id for m in updated.model_mappings] == [
        backup.model_definition_id
    ]
    store.delete_gateway_endpoint(endpoint.endpoint_id)
    with pytest.raises(MlflowException) as gone:
        store.get_gateway_endpoint(endpoint_id=endpoint.endpoint_id)
    assert gone.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    store.delete_gateway_model_definition(primary.model_definition_id)


def test_endpoint_refusals(store, secret):
    d = _definition(store, secret)
    with pytest.raises(MlflowException, match="Invalid endpoint name") as bad_name:
        store.create_gateway_endpoint(
            name="has space",
            model_configs=[
                GatewayEndpointModelConfig(d.model_definition_id, GatewayModelLinkageType.PRIMARY)
            ],
        )
    assert bad_name.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException, match="Model definitions not found") as missing:
        store.create_gateway_endpoint(
            name=_unique("x"),
            model_configs=[GatewayEndpointModelConfig("d-nope", GatewayModelLinkageType.PRIMARY)],
        )
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_budget_policies_and_paging(store):
    created = [
        store.create_budget_policy(
            budget_unit=BudgetUnit.USD,
            budget_amount=10.0 + i,
            duration=BudgetDuration(unit=BudgetDurationUnit.DAYS, value=1),
            target_scope=BudgetTargetScope.GLOBAL,
            budget_action=BudgetAction.ALERT,
        )
        for i in range(3)
    ]
    p = created[0]
    assert p.budget_policy_id.startswith("bp-")
    assert store.get_budget_policy(p.budget_policy_id).budget_amount == 10.0
    updated = store.update_budget_policy(
        budget_policy_id=p.budget_policy_id, budget_action=BudgetAction.REJECT
    )
    assert updated.budget_action == BudgetAction.REJECT

    seen: list[str] = []
    token = None
    while True:
        page = store.list_budget_policies(max_results=2, page_token=token)
        seen += [x.budget_policy_id for x in page]
        token = page.token
        if not token:
            break
    assert {c.budget_policy_id for c in created} <= set(seen)
    assert seen == sorted(seen)

    with pytest.raises(MlflowException, match="target_value is required") as bad:
        store.create_budget_policy(
            budget_unit=BudgetUnit.USD,
            budget_amount=1.0,
            duration=BudgetDuration(unit=BudgetDurationUnit.HOURS, value=1),
            target_scope=BudgetTargetScope.ENDPOINT,
            budget_action=BudgetAction.ALERT,
        )
    assert bad.value.error_code == "INVALID_PARAMETER_VALUE"
    for c in created:
        store.delete_budget_policy(c.budget_policy_id)
    with pytest.raises(MlflowException) as gone:
        store.get_budget_policy(p.budget_policy_id)
    assert gone.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_guardrails_on_an_endpoint(store, secret):
    from mlflow.entities.gateway_guardrail import GuardrailAction, GuardrailStage

    experiment_id = MlflowClient().create_experiment(_unique("guardrails"))
    serialized = (
        '{"name": "polite", "aggregations": null, "mlflow_version": "3.17.2", '
        '"serialization_version": 1, "instructions_judge_pydantic_data": '
        '{"instructions": "Is {{ outputs }} polite?", "model": "openai:/gpt-4o"}}'
    )
    version = store.register_scorer(experiment_id, "polite", serialized)
    guardrail = store.create_gateway_guardrail(
        name=_unique("g"),
        scorer_id=version.scorer_id,
        scorer_version=version.scorer_version,
        stage=GuardrailStage.BEFORE,
        action=GuardrailAction.VALIDATION,
    )
    assert guardrail.guardrail_id.startswith("gr-")
    assert guardrail.scorer.scorer_name == "polite"
    assert store.get_gateway_guardrail(guardrail.guardrail_id).name == guardrail.name

    d = _definition(store, secret)
    endpoint = store.create_gateway_endpoint(
        name=_unique("guarded"),
        model_configs=[
            GatewayEndpointModelConfig(d.model_definition_id, GatewayModelLinkageType.PRIMARY)
        ],
        usage_tracking=False,
    )
    config = store.add_guardrail_to_endpoint(
        endpoint.endpoint_id, guardrail.guardrail_id, execution_order=1
    )
    assert config.execution_order == 1
    configs = store.list_endpoint_guardrail_configs(endpoint.endpoint_id)
    assert [c.guardrail_id for c in configs] == [guardrail.guardrail_id]
    store.remove_guardrail_from_endpoint(endpoint.endpoint_id, guardrail.guardrail_id)
    assert store.list_endpoint_guardrail_configs(endpoint.endpoint_id) == []

    with pytest.raises(MlflowException, match="not found") as missing:
        store.create_gateway_guardrail(
            name="x",
            scorer_id="nope",
            scorer_version=1,
            stage=GuardrailStage.AFTER,
            action=GuardrailAction.SANITIZATION,
        )
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    store.delete_gateway_guardrail(guardrail.guardrail_id)
    with pytest.raises(MlflowException) as gone:
        store.get_gateway_guardrail(guardrail.guardrail_id)
    assert gone.value.error_code == "RESOURCE_DOES_NOT_EXIST"


# --- Invocation: the stock client's gateway callers against a fake provider on loopback --------


@pytest.fixture
def fake_provider():
    """An OpenAI-compatible provider on loopback; yields (base URL, recorded requests)."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            headers = {k.lower(): v for k, v in self.headers.items()}
            seen.append({"path": self.path, "headers": headers, "body": body})
            if self.path == "/v1/chat/completions":
                # A judge asked about a message containing BLOCKME answers "no".
                verdict = (
                    '{"result": "no", "rationale": "It is rude."}'
                    if "BLOCKME" in json.dumps(body)
                    else '{"result": "yes", "rationale": "It says thanks."}'
                )
                answer = {
                    "id": "chatcmpl-compat",
                    "object": "chat.completion",
                    "created": 1700000000,
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "message": {
                                "role": "assistant",
                                "content": verdict,
                            },
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21},
                }
                status = 200
            else:
                answer, status = {"error": {"message": "no such model"}}, 404
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def _invocable_endpoint(store, base_url: str, usage_tracking: bool = False) -> str:
    secret = store.create_gateway_secret(
        secret_name=_unique("key"),
        secret_value={"api_key": "sk-compat-invoke"},
        provider="openai",
        auth_config={"api_base": f"{base_url}/v1"},
    )
    definition = _definition(store, secret)
    name = _unique("judge")
    store.create_gateway_endpoint(
        name=name,
        model_configs=[
            GatewayEndpointModelConfig(
                definition.model_definition_id, GatewayModelLinkageType.PRIMARY
            )
        ],
        usage_tracking=usage_tracking,
    )
    return name


def test_a_judge_calls_its_model_through_a_gateway_endpoint(store, fake_provider):
    from mlflow.genai.judges import make_judge

    base_url, seen = fake_provider
    name = _invocable_endpoint(store, base_url)
    judge = make_judge(
        name="polite",
        instructions="Is the response in {{ outputs }} polite? Answer yes or no.",
        model=f"gateway:/{name}",
        feedback_value_type=str,
    )
    feedback = judge(outputs="Thank you so much!")
    assert feedback.value == "yes"
    assert feedback.rationale == "It says thanks."
    sent = seen[-1]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["body"]["model"] == "gpt-4o"
    assert sent["headers"]["authorization"] == "Bearer sk-compat-invoke"
    assert any("Thank you so much!" in str(m.get("content")) for m in sent["body"]["messages"])


def test_openai_compatible_routes_at_the_stock_gateway_base(store, fake_provider):
    import requests
    from mlflow.genai.utils.gateway_utils import get_gateway_config

    base_url, seen = fake_provider
    name = _invocable_endpoint(store, base_url)
    config = get_gateway_config(name)  # the base URL the stock client's gateway callers use

    models = requests.get(f"{config.api_base}models", timeout=30)
    assert models.status_code == 200
    assert name in [m["id"] for m in models.json()["data"]]

    answer = requests.post(
        f"{config.api_base}chat/completions",
        json={"model": name, "messages": [{"role": "user", "content": "hi"}]},
        timeout=30,
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["object"] == "chat.completion"
    assert body["provider"] == "openai"
    assert body["usage"] == {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21}
    assert seen[-1]["body"] == {
        "model": "gpt-4o",
        "n": 1,
        "messages": [{"role": "user", "content": "hi"}],
    }

    unknown = requests.post(
        f"{config.api_base}chat/completions",
        json={"model": "no-such-endpoint", "messages": [{"role": "user", "content": "hi"}]},
        timeout=30,
    )
    assert unknown.status_code == 404
    assert unknown.json() == {
        "detail": {
            "error_code": "RESOURCE_DOES_NOT_EXIST",
            "message": "GatewayEndpoint not found (name='no-such-endpoint')",
        }
    }

    invoked = requests.post(
        f"{config.api_base.removesuffix('mlflow/v1/')}{name}/mlflow/invocations",
        json={"messages": [{"role": "user", "content": "hi"}], "temperature": 0.2},
        timeout=30,
    )
    assert invoked.status_code == 200
    assert invoked.json()["choices"][0]["message"]["role"] == "assistant"
    assert seen[-1]["body"]["temperature"] == 0.2


def test_usage_tracking_records_a_trace_the_stock_client_reads(store, fake_provider):
    import requests
    from mlflow.genai.utils.gateway_utils import get_gateway_config

    base_url, _ = fake_provider
    name = _invocable_endpoint(store, base_url, usage_tracking=True)
    endpoint = store.get_gateway_endpoint(name=name)
    config = get_gateway_config(name)
    answer = requests.post(
        f"{config.api_base}chat/completions",
        json={"model": name, "messages": [{"role": "user", "content": "count my tokens"}]},
        timeout=30,
    )
    assert answer.status_code == 200

    traces = MlflowClient().search_traces(locations=[endpoint.experiment_id])
    assert len(traces) == 1
    trace = traces[0]
    assert trace.info.state.value == "OK"
    assert trace.info.trace_metadata["mlflow.gateway.endpointId"] == endpoint.endpoint_id
    assert trace.info.trace_metadata["mlflow.gateway.requestType"] == "unified/chat"
    assert trace.info.token_usage == {"input_tokens": 12, "output_tokens": 9, "total_tokens": 21}
    assert [s.name for s in trace.data.spans] == [f"gateway/{name}", "provider/openai/gpt-4o"]
    assert trace.data.spans[0].inputs["messages"] == [
        {"role": "user", "content": "count my tokens"}
    ]
    assert trace.data.spans[1].span_type == "LLM"


def test_a_guardrail_judge_runs_through_the_gateway_and_blocks(store, fake_provider):
    import json

    import requests
    from mlflow.entities.gateway_guardrail import GuardrailAction, GuardrailStage
    from mlflow.genai.judges import make_judge
    from mlflow.genai.utils.gateway_utils import get_gateway_config

    base_url, seen = fake_provider
    judge_endpoint = _invocable_endpoint(store, base_url)
    guarded = _invocable_endpoint(store, base_url)
    judge = make_judge(
        name="polite",
        instructions="Is the request in {{ inputs }} polite? Answer yes or no.",
        model=f"gateway:/{judge_endpoint}",
        feedback_value_type=str,
    )
    experiment_id = MlflowClient().create_experiment(_unique("guard-invoke"))
    version = store.register_scorer(experiment_id, "polite", json.dumps(judge.model_dump()))
    guardrail = store.create_gateway_guardrail(
        name=_unique("polite"),
        scorer_id=version.scorer_id,
        scorer_version=version.scorer_version,
        stage=GuardrailStage.BEFORE,
        action=GuardrailAction.VALIDATION,
    )
    endpoint = store.get_gateway_endpoint(name=guarded)
    store.add_guardrail_to_endpoint(endpoint.endpoint_id, guardrail.guardrail_id)
    config = get_gateway_config(guarded)

    def ask(text):
        return requests.post(
            f"{config.api_base}chat/completions",
            json={"model": guarded, "messages": [{"role": "user", "content": text}]},
            timeout=30,
        )

    passed = ask("thank you")
    assert passed.status_code == 200, passed.text
    assert len(seen) == 2  # the judge's call, then the provider's
    blocked = ask("BLOCKME")
    assert blocked.status_code == 400
    assert blocked.json() == {"detail": f"Guardrail '{guardrail.name}' blocked: It is rude."}
    assert len(seen) == 3  # only the judge was asked


def test_a_spent_endpoint_budget_rejects_with_mlflows_429(store, fake_provider, tracking_uri):
    import requests
    from mlflow.genai.utils.gateway_utils import get_gateway_config

    base_url, seen = fake_provider
    name = _invocable_endpoint(store, base_url, usage_tracking=True)
    endpoint = store.get_gateway_endpoint(name=name)
    # One call: 12 input and 9 output tokens of gpt-4o, $0.00012 at MLflow's catalog prices.
    policy = store.create_budget_policy(
        budget_unit=BudgetUnit.USD,
        budget_amount=0.0001,
        duration=BudgetDuration(unit=BudgetDurationUnit.DAYS, value=1),
        target_scope=BudgetTargetScope.ENDPOINT,
        budget_action=BudgetAction.REJECT,
        target_value=endpoint.endpoint_id,
    )
    config = get_gateway_config(name)
    body = {"model": name, "messages": [{"role": "user", "content": "hi"}]}
    first = requests.post(f"{config.api_base}chat/completions", json=body, timeout=30)
    assert first.status_code == 200
    listed = requests.get(
        f"{tracking_uri}/api/3.0/mlflow/gateway/budgets/windows", timeout=30
    ).json()["windows"]
    spend = {w["budget_policy_id"]: w.get("current_spend", 0) for w in listed}
    assert abs(spend[policy.budget_policy_id] - 0.00012) < 1e-12
    calls = len(seen)
    second = requests.post(f"{config.api_base}chat/completions", json=body, timeout=30)
    assert second.status_code == 429
    assert second.json()["detail"].startswith(
        "Budget limit exceeded. Limit: $0.00 USD per 1 day. Budget resets at "
    )
    assert len(seen) == calls
    store.delete_budget_policy(policy.budget_policy_id)
