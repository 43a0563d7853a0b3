/**
 * The link between a trace and an issue: a trace points at an issue with an `issue` assessment
 * whose `assessment_name` is the issue id (MLflow's `IssueReference`, `mlflow.log_issue`).
 * Creating one writes a link item in the issue's partition, so an issue finds its traces with
 * one Query; the trace's own assessments stay the truth ({@link traceHoldsIssue}).
 *
 * @module
 */
import { ISSUE_KEY_ID, issueTraceLinkKey } from "../../keys/key_schema.ts";
import { type Db, toItem } from "../db.ts";
import type { TraceStore } from "../traces/trace_store.ts";

/** Records that `traceId` refers to `issueId` (idempotent; ids that fit no key are skipped). */
export async function linkIssueTrace(db: Db, issueId: string, traceId: string): Promise<void> {
  if (!ISSUE_KEY_ID.test(issueId) || !ISSUE_KEY_ID.test(traceId)) return;
  await db.port.putItem({
    TableName: db.table,
    Item: toItem({ ...issueTraceLinkKey(issueId, traceId), trace_id: traceId }),
  });
}

/** True when the trace exists and holds an `issue` assessment named `issueId`. */
export async function traceHoldsIssue(
  traces: TraceStore,
  traceId: string,
  issueId: string,
): Promise<boolean> {
  const record = await traces.findRecord(traceId);
  if (!record) return false;
  return Object.values(record.assessments).some((text) => {
    const a = JSON.parse(text) as { assessment_name?: string; issue?: unknown };
    return a.issue !== undefined && a.assessment_name === issueId;
  });
}
