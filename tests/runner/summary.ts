/**
 * Reads a test tool's closing line into counts, so the runner can tell a tier that ran from a
 * tier whose tests were all ignored, filtered out or skipped (a silent tier must not read as ok).
 *
 * @module
 */

/** What one `deno test` or `pytest` run reported. */
export interface Counts {
  passed: number;
  failed: number;
  /** `ignore`d Deno tests, skipped pytest tests: registered but not run. */
  ignored: number;
  /** Tests left out by `--filter` (Deno) or deselected (pytest): not this tier's tests. */
  filtered: number;
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/** The text without terminal colour codes. */
export function stripAnsi(s: string): string {
  return s.replace(ANSI, "");
}

function count(line: string, word: string): number {
  return Number(new RegExp(`(\\d+) ${word}\\b`).exec(line)?.[1] ?? 0);
}

/**
 * Deno's closing line, e.g. `ok | 12 passed (3 steps) | 0 failed | 2 ignored | 5 filtered out (1s)`
 * or `FAILED | 3 passed | 1 failed`. The last such line wins; undefined when there is none.
 */
export function parseDenoSummary(output: string): Counts | undefined {
  const lines = [...stripAnsi(output).matchAll(/^(?:ok|FAILED) \| \d+ passed.*$/gm)];
  const line = lines.at(-1)?.[0];
  if (line === undefined) return undefined;
  // Step counts in parentheses ("(3 steps)", "(1 step)") are not tests.
  const bare = line.replace(/\(\d+ steps?\)/g, "");
  return {
    passed: count(bare, "passed"),
    failed: count(bare, "failed"),
    ignored: count(bare, "ignored"),
    filtered: count(bare, "filtered out"),
  };
}

/**
 * pytest's closing line, e.g. `5 passed, 1 failed, 2 errors, 3 skipped in 3.2s`. Errors count as
 * failures, xpassed as passed, skipped and xfailed as ignored, deselected as filtered.
 */
export function parsePytestSummary(output: string): Counts | undefined {
  const line = stripAnsi(output).split("\n").reverse().find((l) =>
    /\b\d+ (passed|failed|errors?|skipped|xfailed|xpassed|deselected)\b.* in [\d.]+s/.test(l) ||
    /no tests ran in [\d.]+s/.test(l)
  );
  if (line === undefined) return undefined;
  return {
    passed: count(line, "passed") + count(line, "xpassed"),
    failed: count(line, "failed") + count(line, "errors?"),
    ignored: count(line, "skipped") + count(line, "xfailed"),
    filtered: count(line, "deselected"),
  };
}
