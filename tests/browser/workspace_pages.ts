/**
 * What the browser tier checks with workspaces on (`--enable-workspaces`, then also basic-auth):
 * the pages of a non-default workspace, each naming it in the hash route's `?workspace=` as the
 * stock UI does, and the names of the other workspace that must not show. `seed_workspaces.py`
 * seeds the data; `workspaces_browser_test.ts` runs the checks.
 *
 * @module
 */
import type { PageSpec } from "./pages.ts";
import type { Login } from "./support.ts";

/** The ids `seed_workspaces.py` prints. */
export interface WorkspaceSeeded {
  ws_a: string;
  ws_b: string;
  /** `ws-shared-exp` in each workspace, with one run. */
  exp_a: string;
  run_a: string;
  exp_b: string;
  run_b: string;
  /** The traced experiment of workspace B and its trace. */
  exp_traces_b: string;
  trace_b: string;
}

/** The two workspaces the seed creates. */
export const WS_A = "team-a";
export const WS_B = "team-b";

/** The server admin and the user granted READ on workspace B's shared experiment only. */
export const ADMIN: Login = { username: "admin", password: "browser-admin-password" };
export const VIEWER: Login = { username: "viewer", password: "browser-viewer-password" };

/** Ids for naming the tests before the seed ran. */
export const WS_PLACEHOLDER: WorkspaceSeeded = {
  ws_a: WS_A,
  ws_b: WS_B,
  exp_a: "1",
  run_a: "0".repeat(32),
  exp_b: "2",
  run_b: "1".repeat(32),
  exp_traces_b: "3",
  trace_b: `tr-${"2".repeat(32)}`,
};

/** `hash` with `?workspace=<ws>` added, as the UI's own links carry it. */
export function inWorkspace(hash: string, ws: string): string {
  return `${hash}${hash.includes("?") ? "&" : "?"}workspace=${ws}`;
}

/** The pages of workspace B (and A's experiment list), on the server without auth. */
export function workspacePages(s: WorkspaceSeeded): PageSpec[] {
  const b = (hash: string) => inWorkspace(hash, s.ws_b);
  const run = `#/experiments/${s.exp_b}/runs/${s.run_b}`;
  return [
    {
      name: "ws-experiments-b",
      hash: b("#/experiments"),
      texts: ["ws-shared-exp", "only-in-bravo", "ws-traces"],
      absent: ["only-in-alpha"],
    },
    {
      name: "ws-experiments-a",
      hash: inWorkspace("#/experiments", s.ws_a),
      texts: ["ws-shared-exp", "only-in-alpha"],
      absent: ["only-in-bravo", "ws-traces"],
    },
    {
      name: "ws-runs-table",
      hash: b(`#/experiments/${s.exp_b}/runs`),
      texts: ["bravo-run", "1 matching run"],
      absent: ["alpha-run"],
    },
    {
      name: "ws-run-overview",
      hash: b(run),
      texts: ["bravo-run", "workspace_marker", "bravo", "ws-model"],
    },
    {
      name: "ws-run-metrics-chart",
      hash: b(`${run}/model-metrics`),
      texts: ["bravo-run (loss)"],
      selector: ".js-plotly-plot path.js-line",
    },
    {
      name: "ws-runs-chart",
      hash: b(`#/experiments/${s.exp_b}/runs?compareRunsMode=CHART`),
      texts: ["bravo-run (loss)"],
      selector: ".js-plotly-plot path.js-line",
    },
    {
      name: "ws-run-artifact",
      hash: b(`${run}/artifacts/notes/where.txt`),
      texts: ["artifact of bravo", `workspaces/${s.ws_b}/`],
    },
    { name: "ws-registry-list", hash: b("#/models"), texts: ["ws-model", "Version 1"] },
    {
      name: "ws-registry-model",
      hash: b("#/models/ws-model"),
      texts: ["model of bravo", "Version 1"],
      absent: ["model of alpha"],
    },
    {
      name: "ws-registry-version",
      hash: b("#/models/ws-model/versions/1"),
      texts: ["Version 1", "Source Run", "bravo-run"],
    },
    {
      name: "ws-traces-tab",
      hash: b(`#/experiments/${s.exp_traces_b}/traces`),
      texts: ["What is the answer in workspace B?", "forty-two", "1 of 1"],
    },
    {
      name: "ws-trace-detail",
      hash: b(`#/experiments/${s.exp_traces_b}/traces/${s.trace_b}`),
      texts: [s.trace_b.slice(3, 11), "ws_answer", "ws_llm"],
    },
  ];
}

/** The pages the viewer opens with basic-auth on: only the granted experiment shows. */
export function viewerPages(s: WorkspaceSeeded): PageSpec[] {
  const b = (hash: string) => inWorkspace(hash, s.ws_b);
  return [
    {
      name: "auth-viewer-experiments",
      hash: b("#/experiments"),
      texts: ["ws-shared-exp", VIEWER.username],
      absent: ["only-in-bravo", "ws-traces"],
    },
    {
      name: "auth-viewer-runs-table",
      hash: b(`#/experiments/${s.exp_b}/runs`),
      texts: ["bravo-run", "1 matching run"],
    },
    {
      name: "auth-viewer-artifact",
      hash: b(`#/experiments/${s.exp_b}/runs/${s.run_b}/artifacts/notes/where.txt`),
      texts: ["artifact of bravo"],
    },
  ];
}
