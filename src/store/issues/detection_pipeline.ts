/**
 * Issue detection over chosen traces (what MLflow 3.17.2's `invoke_issue_detection_job` and
 * `discover_issues` do), in MLflow's stages, which the UI shows while it polls the job:
 *
 * 1. "Sampling traces for analysis...": link the traces to the detection run, read them (missing
 *    ones are skipped), keep at most `MLFLOW_GENAI_DISCOVERY_TRIAGE_SAMPLE_SIZE` (100).
 * 2. "Verifying configuration...": the triage judge on the first trace; a failing model fails the
 *    job with MLflow's `Scorer '_issue_discovery_judge' …` message.
 * 3. "Identifying issues from traces...": the judge on every trace, logged on each trace as
 *    feedback named `_issue_discovery_judge` (value `{passed, categories}`, with a rationale).
 * 4. "Clustering issues...": one call groups the failing traces' rationales into issues (name,
 *    description, root cause, severity, categories, the traces it covers); issues below `low`
 *    or named `NO_ISSUE_DETECTED` are dropped, as MLflow's filter.
 * 5. "Annotating issues...": each issue is created in the experiment with the run as its
 *    `source_run_id`, and every affected trace gets an `issue` assessment (an LLM-written
 *    rationale, or MLflow's fallback text when that call fails).
 * 6. "Generating summary...": MLflow's markdown summary and the job result.
 *
 * MLflow's pipeline makes more, smaller LLM calls (failure labels, clustering, per-cluster
 * summaries, re-splitting, de-duplication); the prompts and the number of calls are ours, the
 * stages, records written and result are MLflow's. Costs are not priced here (`total_cost_usd`
 * is 0).
 *
 * @module
 */
import { MlflowError } from "../../errors.ts";
import { pooledMap } from "../../util/pool.ts";
import type { RunStore } from "../runs/run_store.ts";
import { createAssessment } from "../traces/assessments.ts";
import type { TraceRecord } from "../traces/trace_record.ts";
import { MAX_TRACE_LINKS_PER_REQUEST, type TraceStore } from "../traces/trace_store.ts";
import type { ChatModel } from "./chat_model.ts";
import type { IssueStore, IssueWire } from "./issue_store.ts";

export const DEFAULT_SCORER_NAME = "_issue_discovery_judge";
export const NO_ISSUE_KEYWORD = "NO_ISSUE_DETECTED";
const SEVERITY_RANK: Record<string, number> = { not_an_issue: 0, low: 1, medium: 2, high: 3 };
const MAX_ISSUES = 20;

/** What a detection job is asked to do. */
export interface DetectionParams {
  experimentId: string;
  traceIds: string[];
  categories: string[];
  runId: string;
}

/** The job's result (MLflow's `invoke_issue_detection_job` return value). */
export interface DetectionResult {
  summary: string;
  issues: number;
  total_traces_analyzed: number;
  total_cost_usd: number;
}

/** What the pipeline reads and writes through. */
export interface DetectionDeps {
  traces: TraceStore;
  issues: IssueStore;
  runs: RunStore;
  model: ChatModel;
  /** Reports the stage shown by the UI; throws when the job was canceled. */
  stage: (stage: string) => Promise<void>;
  sampleSize?: number;
}

/** MLflow's `MlflowException`, whose `repr` becomes the job's error. */
export class DetectionError extends MlflowError {
  constructor(message: string) {
    super("INTERNAL_ERROR", message);
  }
}

interface Verdict {
  passed: boolean;
  categories: string[];
  rationale: string;
}

interface FoundIssue {
  name: string;
  description: string;
  root_cause: string;
  severity: string;
  categories: string[];
  trace_indices: number[];
}

const JUDGE_FORMAT = {
  name: "issue_discovery_judgement",
  schema: {
    type: "object",
    properties: {
      passed: { type: "string", enum: ["true", "false"] },
      categories: { type: "string" },
      rationale: { type: "string" },
    },
    required: ["passed", "categories", "rationale"],
  },
};

const CLUSTER_FORMAT = {
  name: "issue_clusters",
  schema: {
    type: "object",
    properties: {
      issues: {
        type: "array",
        items: {
          type: "object",
          properties: {
            name: { type: "string" },
            description: { type: "string" },
            root_cause: { type: "string" },
            severity: { type: "string", enum: ["not_an_issue", "low", "medium", "high"] },
            categories: { type: "array", items: { type: "string" } },
            trace_indices: { type: "array", items: { type: "integer" } },
          },
          required: ["name", "description", "root_cause", "severity", "trace_indices"],
        },
      },
    },
    required: ["issues"],
  },
};

function traceContent(t: TraceRecord): string {
  return [
    `Request: ${t.request_preview ?? "(none)"}`,
    `Response: ${t.response_preview ?? "(none)"}`,
    `State: ${t.state}`,
    ...(t.execution_duration != null ? [`Total duration: ${t.execution_duration / 1000}s`] : []),
  ].join("\n");
}

function judgePrompt(categories: string[]): string {
  return [
    "You review one interaction between a user and an AI assistant and decide whether the",
    'user\'s goals were achieved efficiently. Answer with JSON: `passed` is "true" or "false",',
    "`categories` lists (comma-separated) which of these quality categories failed:",
    categories.join(", "),
    "and `rationale` explains the verdict in one or two sentences.",
  ].join(" ");
}

async function judge(
  model: ChatModel,
  trace: TraceRecord,
  categories: string[],
): Promise<Verdict> {
  const text = await model.complete([
    { role: "system", content: judgePrompt(categories) },
    { role: "user", content: traceContent(trace) },
  ], JUDGE_FORMAT);
  const v = JSON.parse(text) as { passed?: unknown; categories?: unknown; rationale?: unknown };
  if (v === null || typeof v !== "object" || v.passed === undefined) {
    throw new Error(`the judge answered no verdict: ${text.slice(0, 200)}`);
  }
  return {
    passed: String(v.passed).toLowerCase() === "true",
    categories: String(v.categories ?? "").split(",").map((c) => c.trim()).filter(Boolean),
    rationale: String(v.rationale ?? ""),
  };
}

/** MLflow's `build_summary`. */
export function buildSummary(issues: IssueWire[], totalTraces: number): string {
  if (issues.length === 0) return `Analyzed ${totalTraces} traces. No issues found.`;
  const lines = [`Analyzed **${totalTraces}** traces. Found **${issues.length}** issues:\n`];
  issues.forEach((issue, i) => {
    const causes = issue.root_causes?.length ? issue.root_causes.join("; ") : "Unknown";
    const cats = issue.categories?.length ? issue.categories.join(", ") : "None";
    lines.push(
      `### ${i + 1}. ${issue.name} (severity: ${issue.severity})\n\n${issue.description}\n\n` +
        `**Root causes:** ${causes}\n\n**Categories:** ${cats}\n`,
    );
  });
  return lines.join("\n");
}

function parseIssues(text: string, failing: number): FoundIssue[] {
  const raw = (JSON.parse(text) as { issues?: unknown }).issues;
  if (!Array.isArray(raw)) {
    throw new Error(`the model answered no issue list: ${text.slice(0, 200)}`);
  }
  const found: FoundIssue[] = [];
  for (const r of raw as Record<string, unknown>[]) {
    const severity = String(r.severity ?? "").toLowerCase();
    const name = String(r.name ?? "").trim();
    if ((SEVERITY_RANK[severity] ?? 0) < 1) continue;
    if (!name || name.toLowerCase().includes(NO_ISSUE_KEYWORD.toLowerCase())) continue;
    const indices = (Array.isArray(r.trace_indices) ? r.trace_indices : [])
      .filter((i): i is number => Number.isInteger(i) && i >= 0 && i < failing);
    found.push({
      name: name.replace(/^issue: /i, ""),
      description: String(r.description ?? ""),
      root_cause: String(r.root_cause ?? ""),
      severity,
      categories: Array.isArray(r.categories) ? r.categories.map(String) : [],
      trace_indices: [...new Set(indices)],
    });
  }
  return found.slice(0, MAX_ISSUES);
}

/** Runs the detection; throws {@link DetectionError} (or the cause) when the job fails. */
export async function detectIssues(
  p: DetectionParams,
  deps: DetectionDeps,
): Promise<DetectionResult> {
  const { model } = deps;
  await deps.stage("Sampling traces for analysis...");
  for (let i = 0; i < p.traceIds.length; i += MAX_TRACE_LINKS_PER_REQUEST) {
    await deps.traces.linkToRun(p.traceIds.slice(i, i + MAX_TRACE_LINKS_PER_REQUEST), p.runId);
  }
  const traces = (await deps.traces.getRecords(p.traceIds)).slice(0, deps.sampleSize ?? 100);
  const done = async (issues: IssueWire[]): Promise<DetectionResult> => {
    const summary = traces.length === 0
      ? "No traces to analyze."
      : buildSummary(issues, traces.length);
    await deps.runs.update(p.runId, { status: "FINISHED", endTime: Date.now() });
    await deps.runs.setTag(p.runId, "total_cost_usd", "0.0");
    return {
      summary,
      issues: issues.length,
      total_traces_analyzed: traces.length,
      total_cost_usd: 0,
    };
  };
  if (traces.length === 0) return await done([]);

  await deps.stage("Verifying configuration...");
  let first: Verdict;
  try {
    first = await judge(model, traces[0]!, p.categories);
  } catch (e) {
    throw new DetectionError(
      `Scorer '${DEFAULT_SCORER_NAME}' returned null value: ${(e as Error).message}`,
    );
  }

  await deps.stage("Identifying issues from traces...");
  const source = { source_type: "LLM_JUDGE", source_id: model.uri };
  const verdicts = await pooledMap(traces, async (t, i) => {
    let v: Verdict | undefined = i === 0 ? first : undefined;
    let error: string | undefined;
    try {
      v ??= await judge(model, t, p.categories);
    } catch (e) {
      error = (e as Error).message;
    }
    await createAssessment(deps.traces, t.trace_id, {
      assessment_name: DEFAULT_SCORER_NAME,
      source,
      feedback: v
        ? { value: { passed: String(v.passed), categories: v.categories.join(",") } }
        : { error: { error_code: "INTERNAL_ERROR", error_message: error } },
      ...(v?.rationale ? { rationale: v.rationale } : {}),
      metadata: { "mlflow.assessment.sourceRunId": p.runId },
    });
    return v;
  });
  const failing = traces
    .map((t, i) => ({ trace: t, verdict: verdicts[i] }))
    .filter((x): x is { trace: TraceRecord; verdict: Verdict } => x.verdict?.passed === false);
  if (failing.length === 0) return await done([]);

  await deps.stage("Analyzing results...");
  const listing = failing.map((f, i) =>
    `[${i}] categories: ${f.verdict.categories.join(", ") || "none"}; ` +
    `rationale: ${f.verdict.rationale}\n${traceContent(f.trace)}`
  ).join("\n\n");

  await deps.stage("Clustering issues...");
  const found = parseIssues(
    await model.complete([
      {
        role: "system",
        content: "Group these failing AI-assistant interactions into distinct issues (at most " +
          `${MAX_ISSUES}). For each issue give a short name ("Issue: <3-8 words>"), a ` +
          "description of the shared symptom, the root cause, a severity (low, medium, high, or " +
          `not_an_issue), the failed categories among ${p.categories.join(", ")}, and ` +
          "trace_indices: the bracketed numbers of the interactions it covers.",
      },
      { role: "user", content: listing },
    ], CLUSTER_FORMAT),
    failing.length,
  );
  if (found.length === 0) return await done([]);

  await deps.stage("Annotating issues...");
  const created: { issue: IssueWire; traces: { trace: TraceRecord; verdict: Verdict }[] }[] = [];
  for (const f of found) {
    const issue = await deps.issues.create({
      experimentId: p.experimentId,
      name: f.name,
      description: f.description,
      severity: f.severity,
      categories: f.categories,
      rootCauses: [f.root_cause],
      sourceRunId: p.runId,
    });
    created.push({ issue, traces: f.trace_indices.map((i) => failing[i]!) });
  }
  created.sort((a, b) =>
    (SEVERITY_RANK[b.issue.severity!] ?? 0) - (SEVERITY_RANK[a.issue.severity!] ?? 0)
  );
  const work = created.flatMap((c) => c.traces.map((t) => ({ issue: c.issue, ...t })));
  await pooledMap(work, async ({ issue, trace, verdict }) => {
    let rationale: string;
    try {
      rationale = (await model.complete([
        {
          role: "system",
          content: "Explain in two or three sentences how this interaction shows the issue.",
        },
        {
          role: "user",
          content: `Issue: ${issue.name}\n${issue.description}\n\nTriage rationale: ` +
            `${verdict.rationale}\n\n${traceContent(trace)}`,
        },
      ])).trim();
    } catch {
      rationale = `This trace was flagged for issue '${issue.name}'. ` +
        `Triage rationale: ${verdict.rationale || "(not available)"}`;
    }
    await createAssessment(deps.traces, trace.trace_id, {
      assessment_name: issue.issue_id,
      source,
      issue: { issue_name: issue.name },
      rationale,
    });
  });

  await deps.stage("Generating summary...");
  return await done(created.map((c) => c.issue));
}
