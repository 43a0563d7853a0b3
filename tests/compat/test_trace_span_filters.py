"""Span-level trace search filters through the stock client, with the answers of MLflow 3.17.2's
SQL store (measured against `mlflow server` on SQLite with the same scenario, `scenario()`):
``span.attributes.<key>`` (LIKE/ILIKE/RLIKE/= on the span's JSON content), ``span.content`` and
its alias ``trace.text``, span name/type/status clauses that must hold for the SAME span,
``prompt = 'name/version'``, RLIKE as Python's ``re.search`` (a pattern ``re`` refuses matches
nothing), assessment values compared as their ``json.dumps`` text, and the error messages of the
filters 3.17.2 refuses.

From MLflow's tests/tracking/test_rest_tracking.py (test_search_traces_match_text) and
tests/store/tracking/test_sqlalchemy_store.py (span attribute filters).
"""

from __future__ import annotations

import uuid

import mlflow
import pytest
import requests
from mlflow import MlflowClient
from mlflow.entities import SpanType

FILTERS = {
    "text_trace": "trace.text LIKE '%trace%'",
    "text_value": "trace.text LIKE '%value%'",
    "text_phrase": "trace.text LIKE '%I like it%'",
    "content_ilike": "span.content ILIKE '%I LIKE IT%'",
    "attr_like": "span.attributes.test LIKE '%value1%'",
    "attr_ilike": "span.attributes.model ILIKE '%GPT%'",
    "attr_rlike_start": "span.attributes.test RLIKE '^value'",
    "attr_rlike_end": "span.attributes.test RLIKE 'ue2$'",
    "attr_rlike_mid": "span.attributes.test3 RLIKE 'like'",
    "attr_eq": "span.attributes.test = 'value1'",
    "attr_backticks": "span.attributes.`model` LIKE '%gpt-4o%'",
    "same_span": "span.name = 'llm-call' AND span.type = 'LLM'",
    "other_spans": "span.name = 'trace4' AND span.type = 'LLM'",
    "name_and_attr": "span.name = 'llm-call' AND span.attributes.model LIKE '%gpt%'",
    "status_and_text": "span.status = 'ERROR' AND trace.text LIKE '%boom%'",
    "type_only": "span.type = 'LLM'",
    # RLIKE is Python's re.search on every column; a pattern re refuses matches nothing.
    "status_rlike_refused": "trace.status RLIKE '['",
    "span_rlike_refused": "span.name RLIKE '(' AND span.type = 'LLM'",
    "status_rlike_flags": "trace.status RLIKE '(?i)^error$'",
    "span_rlike_named_group": "span.name RLIKE '(?P<x>llm)-(?P=x)?call\\Z'",
    "name_rlike_unicode": "trace.name RLIKE '^\\w+[12]$'",
    # Assessment values compare as their json.dumps text.
    "feedback_eq": "feedback.verdict = 'yes'",
    "feedback_like_prefix": "feedback.verdict LIKE 'ye%'",
    "feedback_like_quoted": "feedback.verdict LIKE '\"ye%'",
    "feedback_rlike_anchored": "feedback.verdict RLIKE '^yes$'",
    "expectation_like_dict": "expectation.facts LIKE '{\"a\": 1%'",
}

ERRORS = {
    "span.attributes.test > 'a'": "span.attributes.test comparator '>' not one of",
    "span.attributes.test IS NULL": "span.attributes.test comparator 'IS NULL' not one of",
    "span.content = 'x'": "span.content comparator '=' not one of",
    "trace.text = 'x'": "span.content comparator '=' not one of",
    "span.foo = 'x'": "Invalid span attribute 'foo'. Supported attributes: name, status, type, "
    "attributes.<attribute_name>.",
    "span.name = 1": "Expected a quoted string value for span (e.g. 'my-value'). Got value 1",
    "prompt LIKE 'a/1'": "Invalid comparator 'LIKE' for prompts filter. Only '=' is supported",
    "prompt = 'abc'": "Invalid prompts filter value 'abc'. Expected format: prompt = \"name/version\"",
    "feedback.q = 0.8": "Expected a quoted string value for feedback (e.g. 'my-value'). Got value 0.8",
    "feedback.q > '0.5'": "Expected a numeric value for feedback when using comparator '>'.",
    "metadata.k = 1": "Expected a quoted string value for request_metadata (e.g. 'my-value').",
}


def scenario(tracking_uri: str) -> tuple[dict[str, list[str]], dict[str, tuple[int, str, str]]]:
    """Logs five traces into a fresh experiment, runs FILTERS and ERRORS; returns the trace names
    each filter finds (sorted) and (status, error_code, message) for each refused filter."""
    client = MlflowClient(tracking_uri)
    exp = client.create_experiment(f"span-filters-{uuid.uuid4().hex[:12]}")

    def simple(name: str, attributes: dict[str, str]) -> None:
        span = client.start_trace(name=name, experiment_id=exp)
        span.set_attributes(attributes)
        client.end_trace(trace_id=span.trace_id, status="OK")

    simple("trace1", {"test": "value1"})
    simple("trace2", {"test": "value2"})
    simple("trace3", {"test3": "I like it"})
    root = client.start_trace(name="trace4", experiment_id=exp, span_type=SpanType.CHAIN)
    child = client.start_span(
        "llm-call",
        trace_id=root.trace_id,
        parent_id=root.span_id,
        span_type=SpanType.LLM,
        attributes={"model": "gpt-4o"},
    )
    client.end_span(trace_id=root.trace_id, span_id=child.span_id)
    client.end_trace(trace_id=root.trace_id)
    bad = client.start_trace(name="trace5", experiment_id=exp, attributes={"note": "boom"})
    client.end_trace(trace_id=bad.trace_id, status="ERROR")
    mlflow.flush_trace_async_logging()
    mlflow.log_feedback(trace_id=bad.trace_id, name="verdict", value="yes")
    mlflow.log_expectation(trace_id=root.trace_id, name="facts", value={"a": 1, "b": "x"})

    found = {}
    for label, f in FILTERS.items():
        traces = client.search_traces(locations=[exp], filter_string=f)
        found[label] = sorted(t.info.tags.get("mlflow.traceName", "") for t in traces)
    errors = {}
    for f in ERRORS:
        resp = requests.post(
            f"{tracking_uri}/api/3.0/mlflow/traces/search",
            json={"locations": [{"mlflow_experiment": {"experiment_id": exp}}], "filter": f},
            timeout=30,
        )
        body = resp.json()
        errors[f] = (resp.status_code, body.get("error_code"), body.get("message", ""))
    return found, errors


# What `mlflow server` 3.17.2 (SQLite) answers to scenario().
EXPECTED = {
    "text_trace": ["trace1", "trace2", "trace3", "trace4", "trace5"],
    "text_value": ["trace1", "trace2"],
    "text_phrase": ["trace3"],
    "content_ilike": ["trace3"],
    "attr_like": ["trace1"],
    "attr_ilike": ["trace4"],
    "attr_rlike_start": ["trace1", "trace2"],
    "attr_rlike_end": ["trace2"],
    "attr_rlike_mid": ["trace3"],
    "attr_eq": [],
    "attr_backticks": ["trace4"],
    "same_span": ["trace4"],
    "other_spans": [],
    "name_and_attr": ["trace4"],
    "status_and_text": ["trace5"],
    "type_only": ["trace4"],
    "status_rlike_refused": [],
    "span_rlike_refused": [],
    "status_rlike_flags": ["trace5"],
    "span_rlike_named_group": ["trace4"],
    "name_rlike_unicode": ["trace1", "trace2"],
    "feedback_eq": ["trace5"],
    "feedback_like_prefix": [],
    "feedback_like_quoted": ["trace5"],
    "feedback_rlike_anchored": [],
    "expectation_like_dict": ["trace4"],
}


@pytest.fixture(autouse=True)
def _sync_trace_export(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")
    mlflow.tracing.reset()
    yield


def test_span_filters_match_mlflow(tracking_uri: str):
    mlflow.set_tracking_uri(tracking_uri)
    found, errors = scenario(tracking_uri)
    assert found == EXPECTED
    for f, message in ERRORS.items():
        status, code, text = errors[f]
        assert (status, code) == (400, "INVALID_PARAMETER_VALUE"), (f, errors[f])
        assert message in text, (f, text)
