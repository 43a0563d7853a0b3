/**
 * The UI pages the browser tier opens, what each must show, and the failed requests that are
 * not ours to fix (`mlflow server` fails them too).
 *
 * @module
 */

/** The ids `seed.py` prints. */
export interface Seeded {
  exp_a: string;
  exp_b: string;
  parent: string;
  child: string;
  beta: string;
  model_id: string;
  versions: string[];
  /** The GenAI experiment with the traces, one trace with assessments, the traced run. */
  exp_traces: string;
  trace_id: string;
  run_trace_id: string;
  traced_run: string;
  /** The evaluation experiment: a dataset, a registered judge, one evaluation run. */
  exp_eval: string;
  eval_run: string;
  dataset_id: string;
}

/** Ids for naming the tests before the seed ran (the names do not depend on them). */
export const PLACEHOLDER_IDS: Seeded = {
  exp_a: "1",
  exp_b: "2",
  parent: "0".repeat(32),
  child: "1".repeat(32),
  beta: "2".repeat(32),
  model_id: `m-${"3".repeat(32)}`,
  versions: ["1", "2"],
  exp_traces: "3",
  trace_id: `tr-${"4".repeat(32)}`,
  run_trace_id: `tr-${"5".repeat(32)}`,
  traced_run: "6".repeat(32),
  exp_eval: "4",
  eval_run: "7".repeat(32),
  dataset_id: `d-${"8".repeat(32)}`,
};

/** One page: its hash route and what must appear on it. */
export interface PageSpec {
  name: string;
  hash: string;
  /** Texts that must all be visible. */
  texts: string[];
  /** Texts that must not show once the page has settled (e.g. another workspace's names). */
  absent?: string[];
  /** A CSS selector that must match a visible element (e.g. the image preview). */
  selector?: string;
  /** Then click the button with this name and wait for `texts` (e.g. a trace's assessments). */
  then?: { click: string; texts: string[] };
}

/**
 * Requests that fail on `mlflow server` 3.17.2 as well: `users/current` exists only with the
 * basic-auth app, so a plain server answers 404 and the UI carries on.
 */
export const EXPECTED_FAILURES: RegExp[] = [/\/ajax-api\/2\.0\/mlflow\/users\/current$/];

/**
 * Requests the pages send that `mlflow server` answers but this server does not yet (none
 * today). Add an entry only with the issue that will serve it; remove it when the route lands.
 */
export const PENDING_FAILURES: RegExp[] = [];

/**
 * Error texts the UI shows when a page cannot load its data (run page, experiment header,
 * generic error boundary, request failures).
 */
export const ERROR_BANNERS =
  /Can't load run details|Experiment load error|Something went wrong|Failed to load|Request failed|Error loading|Unable to load|Internal server error/i;

/** The main pages for a seeded server. */
export function mainPages(s: Seeded): PageSpec[] {
  const exp = `#/experiments/${s.exp_a}`;
  const run = `${exp}/runs/${s.parent}`;
  const json = (v: unknown) => encodeURIComponent(JSON.stringify(v));
  return [
    { name: "experiments-list", hash: "#/experiments", texts: ["ui-exp-alpha", "ui-exp-beta"] },
    { name: "runs-table", hash: `${exp}/runs`, texts: ["parent-run", "2 matching runs"] },
    {
      name: "runs-chart",
      hash: `${exp}/runs?compareRunsMode=CHART`,
      texts: ["Model metrics", "parent-run (loss)"],
      selector: ".js-plotly-plot path.js-line",
    },
    {
      name: "run-overview",
      hash: run,
      texts: ["parent-run", "learning_rate", "batch_size", "Metrics (2)", "0.99", "ui-model"],
    },
    {
      name: "run-model-metrics",
      hash: `${run}/model-metrics`,
      texts: ["Model metrics", "parent-run (loss)"],
      selector: ".js-plotly-plot path.js-line",
    },
    {
      name: "run-artifact-text",
      hash: `${run}/artifacts/notes/readme.txt`,
      texts: ["hello from the browser tier"],
    },
    {
      name: "run-artifact-image",
      hash: `${run}/artifacts/images/plot.png`,
      texts: ["images/plot.png"],
      selector: 'img[src^="blob:"]',
    },
    {
      name: "run-artifact-table",
      hash: `${run}/artifacts/tables/results.json`,
      texts: ["Paris", "Lima", "0.77"],
    },
    {
      name: "compare-runs",
      hash: `#/compare-runs?runs=${json([s.parent, s.child])}&experiments=${json([s.exp_a])}`,
      texts: ["Comparing 2 Runs", "parent-run", "child-run", "learning_rate"],
    },
    {
      name: "registry-list",
      hash: "#/models",
      texts: ["ui-model", "@ champion", "owner: ui-tier"],
    },
    {
      name: "registry-model",
      hash: "#/models/ui-model",
      texts: ["Version 2", "Version 1", "validated", "champion"],
    },
    {
      name: "registry-version",
      hash: "#/models/ui-model/versions/1",
      texts: ["Version 1", "Source Run", "parent-run", "Inputs (2)", "Outputs (1)"],
    },
    { name: "prompts-list", hash: "#/prompts", texts: ["ui-prompt", "Version 1"] },
    {
      name: "prompt-detail",
      hash: "#/prompts/ui-prompt",
      texts: ["first version", "Summarize {{text}} in one sentence."],
    },
    {
      name: "logged-models-list",
      hash: `${exp}/models`,
      texts: ["parent-run", "ui-model"],
    },
    {
      name: "logged-model-detail",
      hash: `${exp}/models/${s.model_id}`,
      texts: [s.model_id, "learning_rate", "parent-run"],
    },
    ...tracePages(s),
    ...evaluationPages(s),
  ];
}

/** The GenAI pages of the traced experiment (Overview, Traces, one trace, a run's traces). */
export function tracePages(s: Seeded): PageSpec[] {
  const exp = `#/experiments/${s.exp_traces}`;
  return [
    {
      name: "genai-overview-usage",
      hash: `${exp}/overview/usage`,
      texts: ["ui-exp-traces", "Latency", "Overall error rate: 0.0%", "Token Usage"],
    },
    {
      name: "genai-overview-quality",
      hash: `${exp}/overview/quality`,
      texts: ["Quality Summary", "correctness", "Total aggregate scores"],
    },
    {
      name: "traces-tab",
      hash: `${exp}/traces`,
      texts: [
        "What is the capital of France?",
        "What is the capital of Peru?",
        "Paris is the capital of France.",
        "correctness",
        "expected_answer",
        "2 of 2",
      ],
    },
    {
      name: "trace-detail",
      hash: `${exp}/traces/${s.trace_id}`,
      texts: [s.trace_id.slice(3, 11), "answer_question", "fetch_context", "call_llm"],
      then: {
        click: "Assess",
        texts: [
          "Feedback (1)",
          "correctness",
          "Expectations (1)",
          "expected_answer",
          "ui-reviewer",
        ],
      },
    },
    {
      name: "run-traces",
      hash: `${exp}/runs/${s.traced_run}/traces`,
      texts: ["traced-run", s.run_trace_id, "What is the capital of Peru?"],
    },
  ];
}

/**
 * The GenAI evaluation pages: Datasets, Judges and Evaluation runs of the evaluated experiment (the
 * Judges tab needs server-info's AI Gateway feature).
 */
export function evaluationPages(s: Seeded): PageSpec[] {
  const exp = `#/experiments/${s.exp_eval}`;
  return [
    {
      name: "genai-datasets",
      hash: `${exp}/datasets`,
      texts: ["ui-golden-set"],
    },
    {
      name: "genai-judges",
      hash: `${exp}/judges`,
      texts: ["ui-safety-judge"],
    },
    {
      name: "genai-evaluation-runs",
      hash: `${exp}/evaluation-runs`,
      texts: ["exact_match"],
    },
  ];
}
