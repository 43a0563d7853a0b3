/**
 * How the test runner reads a tier's closing line and judges it: an ignored or empty tier never
 * reads as "ok", the coverage figure is the line coverage of `src/` only, and the AWS tier's skip
 * rule is the one the smoke test uses.
 *
 * @module
 */
import assert from "node:assert/strict";
import { parseDenoSummary, parsePytestSummary } from "../runner/summary.ts";
import { judge } from "../runner/verdict.ts";
import { formatPercent, isProductSource, lineCoverage, parseLcov } from "../runner/coverage.ts";
import { awsSmokeSkipReason } from "../support/aws_env.ts";

const denoExit = { code: 0, timedOut: false, tool: "deno test" };

Deno.test("runner: Deno's closing line yields ignored and filtered-out counts, steps are not tests", () => {
  const out =
    "running 3 tests\n\x1b[32mok\x1b[0m | 2 passed (1 step) | 0 failed | 1 ignored (6ms)\n";
  assert.deepEqual(parseDenoSummary(out), { passed: 2, failed: 0, ignored: 1, filtered: 0 });
  assert.deepEqual(
    parseDenoSummary("FAILED | 3 passed (12 steps) | 1 failed | 4 filtered out (2s)"),
    { passed: 3, failed: 1, ignored: 0, filtered: 4 },
  );
  assert.equal(parseDenoSummary("error: Module not found"), undefined);
});

Deno.test("runner: pytest's closing line counts errors as failures and skips as ignored", () => {
  assert.deepEqual(
    parsePytestSummary("....\n5 passed, 1 failed, 2 errors, 3 skipped, 1 xfailed in 3.20s\n"),
    { passed: 5, failed: 3, ignored: 4, filtered: 0 },
  );
  assert.deepEqual(parsePytestSummary("no tests ran in 0.01s"), {
    passed: 0,
    failed: 0,
    ignored: 0,
    filtered: 0,
  });
});

Deno.test("runner: under CI a required tier with ignored tests fails, each ignored test a failure", () => {
  const v = judge({ passed: 10, failed: 0, ignored: 2, filtered: 0 }, denoExit, true);
  assert.equal(v.status, "failed");
  assert.equal(v.passed, 10);
  assert.equal(v.failed, 2);
  assert.match(v.note ?? "", /2 ignored/);
});

Deno.test("runner: a tier whose tests are all ignored is SKIPPED locally and FAILED under CI", () => {
  const allIgnored = { passed: 0, failed: 0, ignored: 3, filtered: 0 };
  const local = judge(allIgnored, denoExit, false);
  assert.equal(local.status, "skipped");
  assert.equal(local.failed, 0);
  assert.match(local.note ?? "", /all 3 tests ignored/);
  assert.equal(judge(allIgnored, denoExit, true).status, "failed");
});

Deno.test("runner: a required tier where nothing ran (all filtered out, or no summary) fails under CI", () => {
  const filtered = judge({ passed: 0, failed: 0, ignored: 0, filtered: 7 }, denoExit, true);
  assert.deepEqual([filtered.status, filtered.failed], ["failed", 1]);
  assert.deepEqual([judge(undefined, denoExit, true).status], ["failed"]);
  assert.equal(judge(undefined, denoExit, false).status, "skipped");
});

Deno.test("runner: a crash without a summary, or a non-zero exit after a clean one, is a failure", () => {
  const crash = judge(undefined, { code: 1, timedOut: false, tool: "deno test" }, false);
  assert.deepEqual([crash.status, crash.failed], ["failed", 1]);
  assert.match(crash.note ?? "", /deno test exited 1 without a summary/);
  const leak = judge(
    { passed: 4, failed: 0, ignored: 0, filtered: 0 },
    { code: 1, timedOut: false, tool: "deno test" },
    false,
  );
  assert.deepEqual([leak.status, leak.passed, leak.failed], ["failed", 4, 1]);
  const ok = judge({ passed: 4, failed: 0, ignored: 1, filtered: 0 }, denoExit, false);
  assert.deepEqual([ok.status, ok.passed, ok.failed, ok.note], ["ok", 4, 0, "1 ignored"]);
});

Deno.test("runner: line coverage counts src/ product files only, from deno's lcov", () => {
  const root = "/repo";
  const lcov = [
    "SF:/repo/main.ts",
    "LF:10",
    "LH:0",
    "end_of_record",
    "SF:/repo/src/app.ts",
    "LF:100",
    "LH:95",
    "end_of_record",
    "SF:/repo/src/http/tracking/runs.ts",
    "LF:100",
    "LH:80",
    "end_of_record",
    "SF:/repo/src/search/lexer_test.ts",
    "LF:50",
    "LH:0",
    "end_of_record",
    "SF:/repo/src/http/artifacts/test_support.ts",
    "LF:50",
    "LH:0",
    "end_of_record",
    "SF:/repo/tests/support/backends.ts",
    "LF:40",
    "LH:0",
    "end_of_record",
  ].join("\n");
  const files = parseLcov(lcov, root);
  assert.deepEqual(files.map((f) => f.file), [
    "main.ts",
    "src/app.ts",
    "src/http/tracking/runs.ts",
    "src/search/lexer_test.ts",
    "src/http/artifacts/test_support.ts",
    "tests/support/backends.ts",
  ]);
  const total = lineCoverage(files);
  assert.deepEqual([total.found, total.hit], [200, 175]);
  assert.equal(formatPercent(total.percent), "87.50 %");
  assert.equal(isProductSource("src/search/testdata/oracle.ts"), false);
  // 89.999 % must not print as 90.00 %.
  assert.equal(formatPercent(89.999), "89.99 %");
});

Deno.test("runner: the AWS smoke tier runs only with a table, credentials and a region", () => {
  const env = (vars: Record<string, string>) => ({ get: (k: string) => vars[k] });
  const table = { MLFLOW_DYNAMODB_TEST_TABLE: "t" };
  assert.match(awsSmokeSkipReason(env({})) ?? "", /MLFLOW_DYNAMODB_TEST_TABLE/);
  assert.match(awsSmokeSkipReason(env(table)) ?? "", /credentials/);
  assert.match(
    awsSmokeSkipReason(env({ ...table, AWS_ACCESS_KEY_ID: "a" })) ?? "",
    /region/,
  );
  assert.equal(
    awsSmokeSkipReason(env({ ...table, AWS_ACCESS_KEY_ID: "a", AWS_REGION: "eu-west-1" })),
    undefined,
  );
  assert.equal(awsSmokeSkipReason(env({ ...table, AWS_PROFILE: "dev" })), undefined);
});
