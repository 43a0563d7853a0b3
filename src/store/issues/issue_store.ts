/**
 * GenAI issues (MLflow 3.17's `create_issue`, `get_issue`, `update_issue`, `search_issues`):
 * quality problems found in an experiment's traces, each with a status (`pending`, `rejected`,
 * `resolved`), an optional severity and the run that found it (`source_run_id`).
 *
 * One item per issue, listed in one index partition by experiment (key_schema.ts, "Issues").
 * A trace points at an issue through an `issue` assessment named after the issue id; creating
 * one writes a link item in the issue's partition, and `trace_count` counts the linked traces
 * that still hold such an assessment (a deleted trace or assessment is simply not counted).
 * Search order is MLflow's: severity (high first, unset last), then trace count when asked
 * for, then newest first, then issue id descending; pages are offsets, as MLflow's.
 *
 * With workspaces on, an issue belongs to its experiment's workspace (MLflow joins issues to
 * experiments): another workspace's issue is not found, and searches list the request's
 * workspace's issues only. The keys are the same in every workspace.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { queryPages } from "../../dynamo/query_pages.ts";
import { invalidParameter, notFound } from "../../errors.ts";
import {
  GSI1,
  ISSUE_KEY_ID,
  ISSUE_TRACE_PREFIX,
  issueGsi1,
  issueKey,
  ISSUES_GSI1_PK,
  issuesOfExperimentPrefix,
} from "../../keys/key_schema.ts";
import { type IssueClause, matchIssue } from "../../search/issues_filter.ts";
import { pooledMap } from "../../util/pool.ts";
import { workspacesActive } from "../../util/workspace_context.ts";
import { type Db, fromItem, nowMs, rawKey, toItem } from "../db.ts";
import type { ExperimentStore } from "../experiments/experiment_store.ts";
import { validateExperimentId } from "../validation.ts";

export const ISSUE_STATUSES = ["pending", "rejected", "resolved"] as const;
/** Lowest to highest, as MLflow's `IssueSeverity` ranks them. */
export const ISSUE_SEVERITIES = ["not_an_issue", "low", "medium", "high"] as const;
const DEFAULT_MAX_RESULTS = 100;
const MAX_RESULTS = 50000;

/** MLflow's `Issue` message (proto JSON). */
export interface IssueWire {
  issue_id: string;
  experiment_id: string;
  name: string;
  description: string;
  status: string;
  severity?: string;
  root_causes?: string[];
  source_run_id?: string;
  created_timestamp: number;
  last_updated_timestamp: number;
  created_by?: string;
  categories?: string[];
  trace_count?: number;
}

/** What `create` takes (the handler has checked the required fields). */
export interface CreateIssueInput {
  experimentId: string;
  name: string;
  description: string;
  status?: string;
  severity?: string;
  rootCauses?: string[];
  sourceRunId?: string;
  categories?: string[];
  createdBy?: string;
}

/** What `update` may change. */
export interface UpdateIssueInput {
  status?: string;
  name?: string;
  description?: string;
  severity?: string;
}

/** A search (all optional, as MLflow's). */
export interface SearchIssuesInput {
  experimentId?: string;
  clauses: IssueClause[];
  maxResults?: number;
  pageToken?: string;
  includeTraceCount?: boolean;
}

/** Does this trace still hold an issue reference to this issue? (the trace store answers) */
export type TraceHoldsIssue = (traceId: string, issueId: string) => Promise<boolean>;

/** Python's `ValueError` text for a bad enum value, answered as a 400 here. */
function checkEnum(value: string, allowed: readonly string[], enumName: string): string {
  if (!allowed.includes(value)) throw invalidParameter(`'${value}' is not a valid ${enumName}`);
  return value;
}

function issueNotFound(issueId: string) {
  return notFound(`Issue with ID '${issueId}' not found`);
}

function offsetOf(token: string | undefined): number {
  if (!token) return 0;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
  } catch {
    throw invalidParameter(`Invalid page token, could not base64-decode`);
  }
  const offset = (decoded as { offset?: unknown } | null)?.offset;
  if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) {
    throw invalidParameter(`Invalid page token, decoded value=${JSON.stringify(decoded)}`);
  }
  return offset;
}

/** MLflow's offset token: base64 of Python's `json.dumps({"offset": n})`. */
const offsetToken = (offset: number) =>
  Buffer.from(JSON.stringify({ offset }).replace(":", ": ")).toString("base64");

/** Largest issue kept (UTF-8 bytes of its JSON): one item, under DynamoDB's 400 KB. */
const MAX_ISSUE_BYTES = 350_000;

function checkSize(issue: IssueWire): void {
  const bytes = new TextEncoder().encode(JSON.stringify(issue)).length;
  if (bytes > MAX_ISSUE_BYTES) {
    throw invalidParameter(
      `The issue is too large to store: ${bytes} bytes of name, description, root causes and categories (at most ${MAX_ISSUE_BYTES})`,
    );
  }
}

function severityRank(s: string | undefined): number {
  return s === undefined ? -1 : ISSUE_SEVERITIES.indexOf(s as typeof ISSUE_SEVERITIES[number]);
}

/** The issue store. */
export class IssueStore {
  constructor(
    readonly db: Db,
    readonly experiments: ExperimentStore,
    readonly traceHoldsIssue: TraceHoldsIssue = () => Promise.resolve(false),
  ) {}

  /** Creates an issue in an active experiment. */
  async create(input: CreateIssueInput): Promise<IssueWire> {
    const status = checkEnum(input.status ?? "pending", ISSUE_STATUSES, "IssueStatus");
    const severity = input.severity === undefined
      ? undefined
      : checkEnum(input.severity, ISSUE_SEVERITIES, "IssueSeverity");
    const experiment = await this.experiments.get(input.experimentId);
    if (experiment.lifecycleStage !== "active") {
      throw notFound(`No Experiment with id=${experiment.experimentId} exists`);
    }
    const now = nowMs();
    const issue: IssueWire = {
      issue_id: `iss-${crypto.randomUUID().replaceAll("-", "")}`,
      experiment_id: experiment.experimentId,
      name: input.name,
      description: input.description,
      status,
      ...(severity ? { severity } : {}),
      ...(input.rootCauses?.length ? { root_causes: input.rootCauses } : {}),
      ...(input.sourceRunId ? { source_run_id: input.sourceRunId } : {}),
      created_timestamp: now,
      last_updated_timestamp: now,
      ...(input.createdBy ? { created_by: input.createdBy } : {}),
      ...(input.categories?.length ? { categories: input.categories } : {}),
    };
    checkSize(issue);
    await this.db.port.putItem({
      TableName: this.db.table,
      Item: toItem({
        ...issueKey(issue.issue_id),
        ...issueGsi1(issue.experiment_id, issue.issue_id),
        issue,
      }),
      ConditionExpression: "attribute_not_exists(pk)",
    });
    return issue;
  }

  /** Reads an issue; 404 when absent. */
  async get(issueId: string): Promise<IssueWire> {
    if (!ISSUE_KEY_ID.test(issueId)) throw issueNotFound(issueId);
    const res = await this.db.port.getItem({
      TableName: this.db.table,
      Key: rawKey(issueKey(issueId)),
      ConsistentRead: true,
    });
    if (!res.Item) throw issueNotFound(issueId);
    const issue = fromItem<{ issue: IssueWire }>(res.Item).issue;
    if (!(await this.inWorkspace(issue.experiment_id))) throw issueNotFound(issueId);
    return issue;
  }

  /** True when the experiment is the request's workspace's (always, with workspaces off). */
  private async inWorkspace(
    experimentId: string,
    cache?: Map<string, Promise<boolean>>,
  ): Promise<boolean> {
    if (!workspacesActive()) return true;
    let known = cache?.get(experimentId);
    if (!known) {
      known = this.experiments.find(experimentId, false).then((e) => e !== undefined);
      cache?.set(experimentId, known);
    }
    return await known;
  }

  /** Changes the given fields and the update time; 404 when absent. */
  async update(issueId: string, input: UpdateIssueInput): Promise<IssueWire> {
    if (input.status !== undefined) checkEnum(input.status, ISSUE_STATUSES, "IssueStatus");
    if (input.severity !== undefined) {
      checkEnum(input.severity, ISSUE_SEVERITIES, "IssueSeverity");
    }
    const current = await this.get(issueId);
    const next: IssueWire = {
      ...current,
      ...(input.status !== undefined ? { status: input.status } : {}),
      ...(input.name ? { name: input.name } : {}),
      ...(input.description ? { description: input.description } : {}),
      ...(input.severity !== undefined ? { severity: input.severity } : {}),
      last_updated_timestamp: Math.max(nowMs(), current.last_updated_timestamp),
    };
    checkSize(next);
    // Last writer wins, as in MLflow's store; the record must still exist.
    await this.db.port.putItem({
      TableName: this.db.table,
      Item: toItem({
        ...issueKey(issueId),
        ...issueGsi1(next.experiment_id, issueId),
        issue: next,
      }),
      ConditionExpression: "attribute_exists(pk)",
    });
    return next;
  }

  /** How many traces hold a reference to the issue now. */
  async traceCount(issueId: string): Promise<number> {
    const traceIds: string[] = [];
    const pages = queryPages(this.db.port, {
      TableName: this.db.table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
      ExpressionAttributeValues: {
        ":pk": { S: issueKey(issueId).pk },
        ":p": { S: ISSUE_TRACE_PREFIX },
      },
      ProjectionExpression: "trace_id",
    }, { pages: "all" });
    for await (const page of pages) {
      for (const item of page.items) traceIds.push(item.trace_id!.S!);
    }
    const holds = await pooledMap(traceIds, (t) => this.traceHoldsIssue(t, issueId));
    return holds.filter(Boolean).length;
  }

  /** Searches issues, in MLflow's order, one page at a time. */
  async search(input: SearchIssuesInput): Promise<{ issues: IssueWire[]; nextPageToken?: string }> {
    const max = input.maxResults ?? DEFAULT_MAX_RESULTS;
    if (max < 1) {
      throw invalidParameter(
        `Invalid value ${max} for parameter 'max_results' supplied. It must be a positive integer`,
      );
    }
    if (max > MAX_RESULTS) {
      throw invalidParameter(
        `Invalid value ${max} for parameter 'max_results' supplied. It must be at most ${MAX_RESULTS}`,
      );
    }
    const offset = offsetOf(input.pageToken);
    const prefix = input.experimentId === undefined
      ? undefined
      : issuesOfExperimentPrefix(validateExperimentId(input.experimentId));
    const all: IssueWire[] = [];
    const pages = queryPages(this.db.port, {
      TableName: this.db.table,
      IndexName: GSI1,
      KeyConditionExpression: prefix ? "gsi1pk = :pk AND begins_with(gsi1sk, :p)" : "gsi1pk = :pk",
      ExpressionAttributeValues: {
        ":pk": { S: ISSUES_GSI1_PK },
        ...(prefix ? { ":p": { S: prefix } } : {}),
      },
    }, { pages: "all" });
    const workspaceOf = new Map<string, Promise<boolean>>();
    for await (const page of pages) {
      for (const item of page.items) {
        const issue = fromItem<{ issue: IssueWire }>(item).issue;
        if (!matchIssue(input.clauses, issue)) continue;
        if (await this.inWorkspace(issue.experiment_id, workspaceOf)) all.push(issue);
      }
    }
    if (input.includeTraceCount) {
      const counts = await pooledMap(all, (i) => this.traceCount(i.issue_id));
      all.forEach((issue, i) => issue.trace_count = counts[i]!);
    }
    all.sort((a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      (b.trace_count ?? 0) - (a.trace_count ?? 0) ||
      b.created_timestamp - a.created_timestamp ||
      (a.issue_id < b.issue_id ? 1 : a.issue_id > b.issue_id ? -1 : 0)
    );
    const issues = all.slice(offset, offset + max);
    return {
      issues,
      ...(offset + max < all.length ? { nextPageToken: offsetToken(offset + max) } : {}),
    };
  }
}
