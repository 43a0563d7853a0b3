"""GenAI issues through the stock client: ``TracingClient._create_issue``/``_get_issue``, the
RestStore's ``update_issue``/``search_issues``, and ``mlflow.log_issue`` linking traces (trace counts).
The 3.17.2 client has no public issue API beyond these (the UI calls the same endpoints; issue
detection, ``ajax-api/3.0/mlflow/issues/invoke``, is UI-only: tests/http/issues_invoke_test.ts).
With ``--enable-workspaces`` (a server of its own, ``test_workspaces``'s fixtures) an issue is its
experiment's workspace's.
"""

from __future__ import annotations

import uuid

import mlflow
import pytest
from mlflow.entities import SpanType
from mlflow.entities.issue import IssueSeverity, IssueStatus
from mlflow.exceptions import MlflowException
from mlflow.tracing.client import TracingClient

from test_workspaces import ws, ws_uri  # noqa: F401 (fixtures: a server with workspaces)


@pytest.fixture(autouse=True)
def _sync_trace_export(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "false")
    mlflow.tracing.reset()
    yield
    while mlflow.active_run() is not None:
        mlflow.end_run()


@pytest.fixture
def experiment_id(tracking_uri: str) -> str:
    mlflow.set_tracking_uri(tracking_uri)
    return mlflow.set_experiment(f"issues-{uuid.uuid4().hex[:12]}").experiment_id


def _trace() -> str:
    @mlflow.trace(span_type=SpanType.CHAIN)
    def answer(q: str) -> str:
        return q.upper()

    answer("why")
    return mlflow.get_last_active_trace_id()


def test_issue_lifecycle_and_search(tracking_uri: str, experiment_id: str):
    tc = TracingClient(tracking_uri)
    store = tc.store
    with mlflow.start_run(experiment_id=experiment_id) as run:
        pass
    created = tc._create_issue(
        experiment_id=experiment_id,
        name="Hallucination",
        description="Made-up citations",
        severity=IssueSeverity.HIGH,
        root_causes=["empty retrieval"],
        source_run_id=run.info.run_id,
        categories=["correctness"],
        created_by="detector",
    )
    assert created.issue_id.startswith("iss-")
    assert created.status == IssueStatus.PENDING
    assert created.severity == IssueSeverity.HIGH
    assert created.root_causes == ["empty retrieval"]
    assert created.source_run_id == run.info.run_id
    assert created.trace_count is None
    assert tc._get_issue(created.issue_id) == created

    minor = tc._create_issue(experiment_id=experiment_id, name="Slow", description="Latency")
    assert minor.severity is None and minor.root_causes is None

    updated = store.update_issue(created.issue_id, status=IssueStatus.RESOLVED)
    assert updated.status == IssueStatus.RESOLVED
    assert updated.name == "Hallucination"
    assert updated.last_updated_timestamp >= created.last_updated_timestamp

    # Issue references from traces: the trace count.
    t1, t2 = _trace(), _trace()
    for t in (t1, t2):
        mlflow.log_issue(trace_id=t, issue_id=minor.issue_id, issue_name=minor.name)
    mlflow.log_issue(trace_id=t1, issue_id=created.issue_id, issue_name=created.name)

    # Trace search by issue (MLflow 3.17.2's SQL store answers `issue.id = '<id>'`).
    def by_issue(filter_string: str) -> list[str]:
        traces = mlflow.search_traces(
            locations=[experiment_id], filter_string=filter_string, return_type="list"
        )
        return sorted(t.info.trace_id for t in traces)

    assert by_issue(f"issue.id = '{minor.issue_id}'") == sorted([t1, t2])
    assert by_issue(f"issue.id = '{created.issue_id}'") == [t1]
    with pytest.raises(MlflowException, match="issue.id comparator '!=' not one of"):
        by_issue(f"issue.id != '{minor.issue_id}'")

    found = store.search_issues(experiment_id=experiment_id, include_trace_count=True)
    assert [(i.name, i.trace_count) for i in found] == [("Hallucination", 1), ("Slow", 2)]
    assert found.token is None
    pending = store.search_issues(experiment_id=experiment_id, filter_string="status = 'pending'")
    assert [i.issue_id for i in pending] == [minor.issue_id]
    assert pending[0].trace_count is None
    first = store.search_issues(experiment_id=experiment_id, max_results=1)
    assert [i.name for i in first] == ["Hallucination"] and first.token
    second = store.search_issues(experiment_id=experiment_id, max_results=1, page_token=first.token)
    assert [i.name for i in second] == ["Slow"] and second.token is None


def test_issue_errors(tracking_uri: str, experiment_id: str):
    tc = TracingClient(tracking_uri)
    with pytest.raises(MlflowException, match="No Experiment with id=987654 exists") as e:
        tc._create_issue(experiment_id="987654", name="n", description="d")
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException, match="Issue with ID 'iss-missing' not found") as e:
        tc._get_issue("iss-missing")
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException, match="Missing value for required parameter 'description'"):
        tc._create_issue(experiment_id=experiment_id, name="n", description="")
    with pytest.raises(MlflowException, match="Invalid filter field 'name'"):
        tc.store.search_issues(experiment_id=experiment_id, filter_string="name = 'x'")


def test_issues_belong_to_their_experiments_workspace(ws: str):  # noqa: F811
    team = f"issues-{uuid.uuid4().hex[:8]}"
    mlflow.create_workspace(team)
    mlflow.set_workspace(team)
    experiment_id = mlflow.set_experiment(f"issues-ws-{uuid.uuid4().hex[:8]}").experiment_id
    tc = TracingClient(ws)
    issue = tc._create_issue(experiment_id=experiment_id, name="Team only", description="d")
    assert tc._get_issue(issue.issue_id).name == "Team only"
    assert issue.issue_id in [i.issue_id for i in tc.store.search_issues()]

    mlflow.set_workspace(None)  # the default workspace
    with pytest.raises(MlflowException, match=f"Issue with ID '{issue.issue_id}' not found") as e:
        tc._get_issue(issue.issue_id)
    assert e.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    with pytest.raises(MlflowException, match="not found"):
        tc.store.update_issue(issue.issue_id, status="resolved")
    assert issue.issue_id not in [i.issue_id for i in tc.store.search_issues()]
    assert list(tc.store.search_issues(experiment_id=experiment_id)) == []
    with pytest.raises(MlflowException, match=f"No Experiment with id={experiment_id} exists"):
        tc._create_issue(experiment_id=experiment_id, name="n", description="d")

    mlflow.set_workspace(team)
    assert tc._get_issue(issue.issue_id).status == "pending"
