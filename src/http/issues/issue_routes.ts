/**
 * GenAI issue endpoints (`/api/3.0/mlflow/issues...`, MLflow's `_create_issue`, `_get_issue`,
 * `_update_issue`, `_search_issues`), with MLflow's request checks in its order. A bad
 * `status`/`severity` (a Python `ValueError`, so a 500 on `mlflow server`) is a 400 here.
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import { parseIssueFilter } from "../../search/issues_filter.ts";
import type { IssueStore } from "../../store/issues/issue_store.ts";
import { invalidParameter } from "../../errors.ts";
import { mlflowJson, nonEmpty } from "../json.ts";
import { bool, int64, list, missingParameter, parseRequest, requiredString } from "../request.ts";

const CreateIssue = z.object({
  name: requiredString,
  description: requiredString,
  experiment_id: requiredString,
  status: z.string().optional(),
  severity: z.string().optional(),
  root_causes: list(z.string()).optional(),
  source_run_id: z.string().optional(),
  created_by: z.string().optional(),
  categories: list(z.string()).optional(),
});

const UpdateIssue = z.object({
  issue_id: z.string().optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  status: z.string().optional(),
  severity: z.string().optional(),
});

const SearchIssues = z.object({
  experiment_id: z.string().optional(),
  filter_string: z.string().optional(),
  max_results: int64.optional(),
  page_token: z.string().optional(),
  include_trace_count: bool.optional(),
});

/** The issue routes, mounted under the 3.0 API and ajax-API prefixes. */
export function issueRoutes(issues: IssueStore): Hono {
  const app = new Hono();

  app.post("/issues", async (c) => {
    const req = await parseRequest(c, CreateIssue);
    const issue = await issues.create({
      experimentId: req.experiment_id,
      name: req.name,
      description: req.description,
      status: req.status,
      severity: req.severity,
      rootCauses: req.root_causes,
      sourceRunId: req.source_run_id || undefined,
      categories: req.categories,
      createdBy: req.created_by || undefined,
    });
    return mlflowJson({ issue });
  });

  app.post("/issues/search", async (c) => {
    const req = await parseRequest(c, SearchIssues);
    const page = await issues.search({
      experimentId: req.experiment_id || undefined,
      clauses: parseIssueFilter(req.filter_string),
      maxResults: req.max_results,
      pageToken: req.page_token || undefined,
      includeTraceCount: req.include_trace_count,
    });
    // MLflow sets the token even when empty (`issues.token or ""`), so `""` is on the wire.
    return mlflowJson({
      issues: nonEmpty(page.issues),
      next_page_token: page.nextPageToken ?? "",
    });
  });

  app.get("/issues/:issue_id", async (c) => {
    return mlflowJson({ issue: await issues.get(c.req.param("issue_id")) });
  });

  app.patch("/issues/:issue_id", async (c) => {
    const req = await parseRequest(c, UpdateIssue);
    // MLflow's handler requires the id in the body too (the client sends it there).
    if (!req.issue_id) throw invalidParameter(missingParameter("issue_id"));
    const issue = await issues.update(c.req.param("issue_id"), {
      name: req.name || undefined,
      description: req.description || undefined,
      status: req.status,
      severity: req.severity,
    });
    return mlflowJson({ issue });
  });

  return app;
}
