/**
 * Mounts the GenAI issue routes (3.0 paths), with trace counts read through the trace store.
 *
 * @module
 */
import type { Hono } from "hono";
import { traceHoldsIssue } from "../../store/issues/issue_links.ts";
import { IssueStore } from "../../store/issues/issue_store.ts";
import type { Stores } from "../../store/stores.ts";
import { TraceStore } from "../../store/traces/trace_store.ts";
import { mountMlflow } from "../mount.ts";
import { issueRoutes } from "./issue_routes.ts";

/** Returns the mount function of the issue routes. */
export function mountIssues(stores: Stores): (app: Hono) => void {
  const traces = new TraceStore(stores.db, stores.experiments);
  const issues = new IssueStore(
    stores.db,
    stores.experiments,
    (traceId, issueId) => traceHoldsIssue(traces, traceId, issueId),
  );
  return (app: Hono) => mountMlflow(app, issueRoutes(issues), ["3.0"]);
}
