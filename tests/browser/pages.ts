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
};

/** One page: its hash route and what must appear on it. */
export interface PageSpec {
  name: string;
  hash: string;
  /** Texts that must all be visible. */
  texts: string[];
  /** A CSS selector that must match a visible element (e.g. the image preview). */
  selector?: string;
}

/**
 * Requests that fail on `mlflow server` 3.17.2 as well: `users/current` exists only with the
 * basic-auth app, so a plain server answers 404 and the UI carries on.
 */
export const EXPECTED_FAILURES: RegExp[] = [/\/ajax-api\/2\.0\/mlflow\/users\/current$/];

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
  ];
}
