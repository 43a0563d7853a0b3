/**
 * The per-request {@link VisibleExperiments} the search handlers pass to their stores. Two
 * middlewares contribute a test: the workspace scope guard (with `--enable-workspaces`: the
 * experiment belongs to the request's workspace) and the basic-auth guard (on the searches MLflow
 * narrows instead of refusing: the caller may read the experiment). Without either, a request
 * has no limit (`undefined`). The workspace test runs first, so the caller's grants are never
 * consulted for another workspace's experiment.
 *
 * @module
 */
import type { Context } from "hono";
import {
  type ExperimentTest,
  type VisibleExperiments,
  visibleWhen,
} from "../store/visible_experiments.ts";

/** Who contributes a test, in the order the tests run. */
export type VisibilitySource = "workspace" | "grants";

const ORDER: readonly VisibilitySource[] = ["workspace", "grants"];
const KEY = "mlflowVisibleExperiments";

type Tests = Partial<Record<VisibilitySource, ExperimentTest>>;

/** Sets the test of `source` for this request (a middleware). */
export function limitVisibility(c: Context, source: VisibilitySource, test: ExperimentTest): void {
  const tests = { ...(c.get(KEY as never) as Tests | undefined), [source]: test };
  c.set(KEY as never, tests as never);
}

/** The experiments this request may search, or `undefined` when it may search any. */
export function visibleExperiments(c: Context): VisibleExperiments | undefined {
  const tests = c.get(KEY as never) as Tests | undefined;
  if (!tests) return undefined;
  return visibleWhen(ORDER.flatMap((s) => tests[s] ? [tests[s]] : []));
}
