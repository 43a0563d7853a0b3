/**
 * Turns what a tier's test tool reported into the tier's verdict. One rule for every tier, so a
 * tier cannot read as "ok" when nothing ran:
 *
 * - a failed test, or a non-zero exit with a clean summary, fails the tier;
 * - a tier that must run (under `CI=true`: every tier but the real-AWS smoke) fails when any of
 *   its tests was ignored or skipped (each counts as a failure), or when none ran;
 * - any other tier where nothing ran is SKIPPED, never "ok, 0 passed".
 *
 * @module
 */
import type { Counts } from "./summary.ts";

/** A tier's outcome as the summary prints it and the closing line sums it. */
export interface Verdict {
  status: "ok" | "failed" | "skipped";
  passed: number;
  failed: number;
  note?: string;
}

/** How the test tool ended. */
export interface Exit {
  code: number;
  timedOut: boolean;
  /** `deno test`, `pytest`: named in notes. */
  tool: string;
}

/**
 * The verdict for one tier run.
 *
 * @param counts the tool's closing line, or undefined when it printed none
 * @param mustRun true when every test of the tier has to run (the tier is required under CI)
 */
export function judge(counts: Counts | undefined, exit: Exit, mustRun: boolean): Verdict {
  if (counts === undefined) {
    if (exit.code !== 0) {
      const why = exit.timedOut
        ? "timed out"
        : `${exit.tool} exited ${exit.code} without a summary`;
      return { status: "failed", passed: 0, failed: 1, note: why };
    }
    return mustRun
      ? { status: "failed", passed: 0, failed: 1, note: "no test ran (required under CI=true)" }
      : { status: "skipped", passed: 0, failed: 0, note: "no tests" };
  }
  const notes: string[] = [];
  let failed = counts.failed;
  if (exit.code !== 0) {
    notes.push(exit.timedOut ? "timed out" : `${exit.tool} exited ${exit.code}`);
    if (failed === 0) failed = 1;
  }
  if (mustRun && counts.ignored > 0) {
    notes.push(`${counts.ignored} ignored: under CI=true every test of this tier must run`);
    failed += counts.ignored;
  } else if (counts.ignored > 0) {
    notes.push(`${counts.ignored} ignored`);
  }
  if (counts.passed === 0 && failed === 0) {
    if (mustRun) {
      return {
        status: "failed",
        passed: 0,
        failed: 1,
        note: "no test ran (required under CI=true)",
      };
    }
    return {
      status: "skipped",
      passed: 0,
      failed: 0,
      note: counts.ignored > 0 ? `all ${counts.ignored} tests ignored` : "no test ran",
    };
  }
  const verdict: Verdict = { status: failed > 0 ? "failed" : "ok", passed: counts.passed, failed };
  if (notes.length > 0) verdict.note = notes.join("; ");
  return verdict;
}
