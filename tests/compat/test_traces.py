"""GenAI tracing with the stock client: ``@mlflow.trace`` and ``start_span`` (spans sent through
OTLP because ``/version`` reports 3.17.2), ``get_trace``, ``search_traces`` (DataFrame and list,
filters, order, pages), tags, traces inside a run, assessments, ``delete_traces``,
``mlflow.genai.evaluate`` with a code-only scorer, and the plain OpenTelemetry SDK exporter.

Trace export is made synchronous (``MLFLOW_ENABLE_ASYNC_TRACE_LOGGING=false``) so each trace is on
the server when the traced call returns.
"""

from __future__ import annotations

import time
import uuid

import mlflow
import pytest
import requests
from mlflow import MlflowClient
from mlflow.entities import AssessmentSource, Feedback, SpanType
from mlflow.exceptions import MlflowException


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture(autouse=True)
def _sync_trace_export(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")
    # The exporter reads the flag when tracing is set up.
    mlflow.tracing.reset()
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()


@pytest.fixture
def client(tracking_uri: str) -> MlflowClient:
    return MlflowClient(tracking_uri)


@pytest.fixture
def experiment_id(tracking_uri: str) -> str:
    return mlflow.set_experiment(_unique("traces")).experiment_id


def _traced_call(x: int) -> str:
    @mlflow.trace(span_type=SpanType.CHAIN)
    def outer(x: int) -> int:
        with mlflow.start_span("manual", span_type=SpanType.TOOL) as span:
            span.set_inputs({"a": x})
            span.set_outputs({"b": 2.5})
            span.set_attribute("custom", "v")
        return inner(x) + 1

    @mlflow.trace(span_type=SpanType.LLM)
    def inner(x: int) -> int:
        return x * 2

    assert outer(x) == 2 * x + 1
    return mlflow.get_last_active_trace_id()


def test_version_is_the_pinned_client(tracking_uri: str):
    assert requests.get(f"{tracking_uri}/version", timeout=10).text == mlflow.__version__


def test_trace_with_nested_spans_round_trips(experiment_id: str):
    trace_id = _traced_call(3)
    trace = mlflow.get_trace(trace_id)
    assert trace.info.state == "OK"
    assert trace.info.experiment_id == experiment_id
    assert trace.info.tags["mlflow.traceName"] == "outer"
    assert trace.info.tags["mlflow.trace.spansLocation"] == "TRACKING_STORE"
    assert trace.info.request_preview == '{"x": 3}'
    assert trace.info.response_preview == "7"
    assert trace.info.execution_duration is not None
    spans = {s.name: s for s in trace.data.spans}
    assert set(spans) == {"outer", "manual", "inner"}
    assert trace.data.spans[0].name == "outer"
    assert spans["outer"].span_type == SpanType.CHAIN
    assert spans["inner"].span_type == SpanType.LLM
    assert spans["manual"].span_type == SpanType.TOOL
    assert spans["manual"].inputs == {"a": 3}
    assert spans["manual"].outputs == {"b": 2.5}
    assert spans["manual"].attributes["custom"] == "v"
    assert spans["inner"].parent_id == spans["outer"].span_id
    assert spans["inner"].inputs == {"x": 3}
    assert spans["inner"].outputs == 6


def test_exception_gives_error_state_and_event(experiment_id: str):
    @mlflow.trace
    def boom():
        raise ValueError("bad input")

    with pytest.raises(ValueError):
        boom()
    trace = mlflow.get_trace(mlflow.get_last_active_trace_id())
    assert trace.info.state == "ERROR"
    root = trace.data.spans[0]
    assert root.status.status_code == "ERROR"
    events = [e for e in root.events if e.name == "exception"]
    assert events and "bad input" in events[0].attributes["exception.message"]


def test_search_traces_filters_order_and_pages(client: MlflowClient, experiment_id: str):
    ids = []
    for i in range(7):
        with mlflow.start_span(f"step-{i}") as span:
            span.set_inputs({"i": i})
            if i % 3 == 0:
                mlflow.update_current_trace(tags={"group": "three"})
        ids.append(mlflow.get_last_active_trace_id())
        time.sleep(0.005)

    df = mlflow.search_traces(locations=[experiment_id])
    assert len(df) == 7
    assert list(df["trace_id"]) == list(reversed(ids))

    listed = mlflow.search_traces(locations=[experiment_id], return_type="list")
    assert [t.info.trace_id for t in listed] == list(reversed(ids))
    assert all(len(t.data.spans) == 1 for t in listed)

    oldest_first = mlflow.search_traces(
        locations=[experiment_id], order_by=["timestamp_ms ASC"], return_type="list"
    )
    assert [t.info.trace_id for t in oldest_first] == ids

    tagged = mlflow.search_traces(
        locations=[experiment_id], filter_string="tags.group = 'three'", return_type="list"
    )
    assert sorted(t.info.trace_id for t in tagged) == sorted(ids[0::3])

    named = mlflow.search_traces(
        locations=[experiment_id], filter_string="trace.name = 'step-4'", return_type="list"
    )
    assert [t.info.trace_id for t in named] == [ids[4]]

    by_span = mlflow.search_traces(
        locations=[experiment_id], filter_string="span.name = 'step-2'", return_type="list"
    )
    assert [t.info.trace_id for t in by_span] == [ids[2]]

    ok = mlflow.search_traces(
        locations=[experiment_id], filter_string="trace.status = 'OK'", return_type="list"
    )
    assert len(ok) == 7

    seen = []
    token = None
    while True:
        page = client.search_traces(locations=[experiment_id], max_results=3, page_token=token)
        seen.extend(t.info.trace_id for t in page)
        token = page.token
        if not token:
            break
    assert seen == list(reversed(ids))

    with pytest.raises(MlflowException, match="INVALID_PARAMETER_VALUE|Invalid"):
        mlflow.search_traces(locations=[experiment_id], filter_string="trace.nope = 'x'")


def test_trace_tags(experiment_id: str):
    trace_id = _traced_call(1)
    mlflow.set_trace_tag(trace_id, "team", "search")
    assert mlflow.get_trace(trace_id).info.tags["team"] == "search"
    mlflow.delete_trace_tag(trace_id, "team")
    assert "team" not in mlflow.get_trace(trace_id).info.tags


def test_trace_in_run_is_found_by_run_id(experiment_id: str):
    with mlflow.start_run() as run:
        trace_id = _traced_call(2)
    _traced_call(5)
    found = mlflow.search_traces(run_id=run.info.run_id, return_type="list")
    assert [t.info.trace_id for t in found] == [trace_id]
    assert mlflow.get_trace(trace_id).info.trace_metadata["mlflow.sourceRun"] == run.info.run_id


def test_assessments_lifecycle(experiment_id: str):
    trace_id = _traced_call(4)
    feedback = mlflow.log_feedback(
        trace_id=trace_id,
        name="quality",
        value=0.8,
        rationale="fine",
        source=AssessmentSource(source_type="HUMAN", source_id="alice"),
    )
    expectation = mlflow.log_expectation(
        trace_id=trace_id, name="expected", value={"answer": 9, "camelKey": [1, 2]}
    )
    got = mlflow.get_assessment(trace_id, feedback.assessment_id)
    assert got.value == 0.8
    assert got.rationale == "fine"
    assert got.source.source_id == "alice"
    assert mlflow.get_assessment(trace_id, expectation.assessment_id).value == {
        "answer": 9,
        "camelKey": [1, 2],
    }

    updated = mlflow.update_assessment(
        trace_id, feedback.assessment_id, Feedback(name="quality", value=0.95, rationale="better")
    )
    assert updated.value == 0.95
    assert updated.rationale == "better"
    assert updated.source.source_id == "alice"

    info = mlflow.get_trace(trace_id).info
    assert {a.name: a.value for a in info.assessments} == {
        "quality": 0.95,
        "expected": {"answer": 9, "camelKey": [1, 2]},
    }
    good = mlflow.search_traces(
        locations=[experiment_id], filter_string="feedback.quality > 0.9", return_type="list"
    )
    assert [t.info.trace_id for t in good] == [trace_id]

    mlflow.delete_assessment(trace_id, expectation.assessment_id)
    assert [a.name for a in mlflow.get_trace(trace_id).info.assessments] == ["quality"]
    with pytest.raises(MlflowException, match="not found"):
        mlflow.get_assessment(trace_id, expectation.assessment_id)


def test_delete_traces_by_ids_and_timestamp(client: MlflowClient, experiment_id: str):
    ids = [_traced_call(i) for i in range(5)]
    assert client.delete_traces(experiment_id, trace_ids=[ids[4]]) == 1
    with pytest.raises(MlflowException):
        client.get_trace(ids[4])
    now = int(time.time() * 1000) + 1000
    assert client.delete_traces(experiment_id, max_timestamp_millis=now, max_traces=2) == 2
    left = mlflow.search_traces(locations=[experiment_id], return_type="list")
    assert sorted(t.info.trace_id for t in left) == sorted(ids[2:4])
    assert client.delete_traces(experiment_id, max_timestamp_millis=now) == 2
    assert mlflow.search_traces(locations=[experiment_id], return_type="list") == []


def test_genai_evaluate_with_code_scorer(experiment_id: str):
    from mlflow.genai.scorers import scorer

    @scorer
    def exact_match(outputs, expectations) -> bool:
        return outputs == expectations["answer"]

    data = [
        {"inputs": {"q": "a"}, "expectations": {"answer": "A"}},
        {"inputs": {"q": "b"}, "expectations": {"answer": "X"}},
    ]
    result = mlflow.genai.evaluate(
        data=data, predict_fn=lambda q: q.upper(), scorers=[exact_match]
    )
    assert result.metrics["exact_match/mean"] == pytest.approx(0.5)
    run = MlflowClient().get_run(result.run_id)
    assert run.data.metrics["exact_match/mean"] == pytest.approx(0.5)
    traces = mlflow.search_traces(run_id=result.run_id, return_type="list")
    assert len(traces) == 2
    assert all(
        any(a.name == "exact_match" for a in t.info.assessments) for t in traces
    )


def test_plain_opentelemetry_exporter_lands_as_a_trace(tracking_uri: str, experiment_id: str):
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": "plain-otel"}))
    exporter = OTLPSpanExporter(
        endpoint=f"{tracking_uri}/v1/traces",
        headers={"x-mlflow-experiment-id": experiment_id},
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("compat-test")
    with tracer.start_as_current_span("otel-root") as root:
        root.set_attribute("user.id", "u-1")
        with tracer.start_as_current_span("otel-child") as child:
            child.set_attribute("n", 3)
    provider.shutdown()

    trace_id = "tr-" + format(root.get_span_context().trace_id, "032x")
    trace = mlflow.get_trace(trace_id)
    assert trace.info.state == "OK"
    assert trace.info.tags["service.name"] == "plain-otel"
    assert trace.info.trace_metadata["mlflow.trace.user"] == "u-1"
    assert {s.name for s in trace.data.spans} == {"otel-root", "otel-child"}
    child_span = next(s for s in trace.data.spans if s.name == "otel-child")
    assert child_span.attributes["n"] == 3
    found = mlflow.search_traces(locations=[experiment_id], return_type="list")
    assert [t.info.trace_id for t in found] == [trace_id]
