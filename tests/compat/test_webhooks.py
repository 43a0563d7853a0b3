"""Webhooks (MLflow >= 3.3) through the stock client's ``MlflowClient``: create, get, list with
paging, update, test and delete, and a registry event delivered to a receiver on loopback with a
signature the receiver verifies the way MLflow documents it.

The shared server runs with ``MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS=true`` and
``MLFLOW_WEBHOOK_ALLOWED_SCHEMES=http,https`` (``conftest.py``) so that a loopback receiver is
a valid target.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from mlflow import MlflowClient
from mlflow.entities.webhook import WebhookEvent, WebhookStatus
from mlflow.exceptions import MlflowException


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def client(tracking_uri: str) -> MlflowClient:
    return MlflowClient(tracking_uri)


@pytest.fixture
def receiver():
    got: list[tuple[str, dict[str, str], str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            got.append((self.path, dict(self.headers.items()), body))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", got
    server.shutdown()


def wait_for(got, n: int, timeout: float = 15.0):
    until = time.time() + timeout
    while time.time() < until:
        if len(got) >= n:
            return got
        time.sleep(0.05)
    raise AssertionError(f"expected {n} deliveries, got {len(got)}")


def test_webhook_crud_and_paging(client: MlflowClient, receiver):
    base, _ = receiver
    name = unique("hook")
    created = client.create_webhook(
        name=name,
        url=f"{base}/crud",
        events=[WebhookEvent("registered_model", "created"), "model_version.created"],
        description="compat",
        secret="s3cret",
    )
    assert created.name == name
    assert created.status == WebhookStatus.ACTIVE
    assert [str(e) for e in created.events] == [
        "registered_model.created",
        "model_version.created",
    ]
    assert created.secret is None  # never answered

    got = client.get_webhook(created.webhook_id)
    assert got.url == f"{base}/crud"
    assert got.description == "compat"

    others = [
        client.create_webhook(name=unique("hook"), url=f"{base}/x", events=["prompt.created"])
        for _ in range(2)
    ]
    page = client.list_webhooks(max_results=2)
    assert len(page) == 2 and page.token
    ids = {w.webhook_id for w in page}
    token = page.token
    while token:
        more = client.list_webhooks(max_results=2, page_token=token)
        ids |= {w.webhook_id for w in more}
        token = more.token
    assert {created.webhook_id, *(o.webhook_id for o in others)} <= ids

    updated = client.update_webhook(
        created.webhook_id, status=WebhookStatus.DISABLED, events=["model_version_alias.deleted"]
    )
    assert updated.status == WebhookStatus.DISABLED
    assert [str(e) for e in updated.events] == ["model_version_alias.deleted"]
    assert updated.name == name

    for w in [created, *others]:
        client.delete_webhook(w.webhook_id)
    with pytest.raises(MlflowException) as e:
        client.get_webhook(created.webhook_id)
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_webhook_validation_errors(client: MlflowClient, receiver):
    base, _ = receiver
    with pytest.raises(MlflowException, match="Webhook name") as e:
        client.create_webhook(name="-bad-", url=f"{base}/v", events=["prompt.created"])
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException, match="scheme") as e:
        client.create_webhook(name=unique("h"), url="ftp://example.com/", events=["prompt.created"])
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as e:
        client.list_webhooks(max_results=5000)
    assert e.value.error_code == "INVALID_PARAMETER_VALUE"


def test_webhook_test_and_signed_event_delivery(client: MlflowClient, receiver):
    base, got = receiver
    secret = "compat-secret"
    hook = client.create_webhook(
        name=unique("hook"),
        url=f"{base}/events",
        events=["registered_model.created"],
        secret=secret,
    )
    try:
        result = client.test_webhook(hook.webhook_id)
        assert result.success is True
        assert result.response_status == 200
        assert result.response_body == "ok"
        wait_for(got, 1)
        assert json.loads(got[0][2])["data"]["name"] == "example_model"

        model = unique("wh-model")
        client.create_registered_model(model, tags={"team": "a"}, description="d")
        wait_for(got, 2)
        path, headers, body = got[1]
        payload = json.loads(body)
        assert payload["entity"] == "registered_model"
        assert payload["action"] == "created"
        assert payload["data"] == {"name": model, "tags": {"team": "a"}, "description": "d"}
        headers = {k.lower(): v for k, v in headers.items()}
        signed = f"{headers['x-mlflow-delivery-id']}.{headers['x-mlflow-timestamp']}.{body}"
        mac = hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest()
        assert headers["x-mlflow-signature"] == "v1," + base64.b64encode(mac).decode()
    finally:
        client.delete_webhook(hook.webhook_id)


def test_prompt_events_from_the_stock_prompt_api(client: MlflowClient, receiver):
    import mlflow

    base, got = receiver
    hook = client.create_webhook(
        name=unique("prompts"),
        url=f"{base}/prompts",
        events=["prompt.created", "prompt_version.created", "prompt_alias.created"],
    )
    try:
        name = unique("wh_prompt")
        mlflow.genai.register_prompt(name=name, template="Hello {{who}}!", commit_message="c1")
        mlflow.genai.set_prompt_alias(name, alias="prod", version=1)
        wait_for(got, 3)
        time.sleep(0.5)
        events = {}
        for _, _, body in got:
            p = json.loads(body)
            if p["data"]["name"] == name:
                events[f"{p['entity']}.{p['action']}"] = p["data"]
        assert set(events) == {"prompt.created", "prompt_version.created", "prompt_alias.created"}
        assert events["prompt_version.created"]["template"] == "Hello {{who}}!"
        assert events["prompt_version.created"]["version"] == "1"
        assert "mlflow.prompt.is_prompt" not in events["prompt.created"]["tags"]
        assert events["prompt_alias.created"] == {"name": name, "alias": "prod", "version": "1"}
    finally:
        client.delete_webhook(hook.webhook_id)
