/**
 * The test runner end to end, on a throwaway repo: a copy of the runner and a few tiny test files.
 * What CI reads (the closing `N passed, N failed` line and the exit code) must count every test
 * once and must not call a tier that ran nothing, or ignored tests, a success under `CI=true`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stripAnsi } from "../runner/summary.ts";

const TESTS = dirname(dirname(fileURLToPath(import.meta.url)));
/** The runner's own files, copied into each fixture repo. */
const RUNNER_FILES = [
  "run_all.ts",
  "runner/coverage.ts",
  "runner/files.ts",
  "runner/process.ts",
  "runner/python.ts",
  "runner/browser.ts",
  "runner/summary.ts",
  "runner/verdict.ts",
  "support/aws_env.ts",
];

/** Writes a repo with the runner and `files` (path → source), runs it, and returns its output. */
async function runRunner(
  files: Record<string, string>,
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; output: string; lastLine: string }> {
  const root = await Deno.makeTempDir({ prefix: "runner_fixture_" });
  try {
    await Deno.writeTextFile(join(root, "deno.json"), "{}\n");
    const all: Record<string, string> = { ...files };
    for (const f of RUNNER_FILES) all[`tests/${f}`] = await Deno.readTextFile(join(TESTS, f));
    for (const [path, text] of Object.entries(all)) {
      await Deno.mkdir(dirname(join(root, path)), { recursive: true });
      await Deno.writeTextFile(join(root, path), text);
    }
    const childEnv = Deno.env.toObject();
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete childEnv[k];
      else childEnv[k] = v;
    }
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "tests/run_all.ts", ...args],
      cwd: root,
      env: childEnv,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const output = stripAnsi(new TextDecoder().decode(out.stdout));
    const lastLine = output.trimEnd().split("\n").at(-1) ?? "";
    return { code: out.code, output, lastLine };
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const PASSING = (name: string) => `Deno.test(${JSON.stringify(name)}, () => {});\n`;
const IGNORED = (name: string) =>
  `Deno.test({ name: ${JSON.stringify(name)}, ignore: true, fn() {} });\n`;

Deno.test({
  name: "runner: under CI=true an ignored test in the unit tier fails the run",
  sanitizeResources: false,
  async fn() {
    const r = await runRunner(
      {
        "src/a_test.ts": PASSING("a"),
        "tests/unit/b_test.ts": PASSING("b") + IGNORED("c"),
      },
      ["--only=unit"],
      { CI: "true", DYNAMODB_LOCAL_ENDPOINT: undefined },
    );
    assert.equal(r.lastLine, "2 passed, 1 failed", r.output);
    assert.equal(r.code, 1);
    assert.match(
      r.output,
      /FAILED .*unit.*1 ignored: under CI=true every test of this tier must run/,
    );
  },
});

Deno.test({
  name: "runner: a tier whose tests are all ignored says SKIPPED (outside CI), not ok",
  sanitizeResources: false,
  async fn() {
    const r = await runRunner(
      { "tests/unit/b_test.ts": IGNORED("b") + IGNORED("c") },
      ["--only=unit"],
      { CI: undefined, DYNAMODB_LOCAL_ENDPOINT: undefined },
    );
    assert.equal(r.lastLine, "0 passed, 0 failed", r.output);
    assert.equal(r.code, 0);
    assert.match(r.output, /SKIPPED .*unit.*all 2 tests ignored/);
    assert.doesNotMatch(r.output, /^ok .*unit/m);
  },
});

Deno.test({
  name:
    "runner: the DynamoDB Local tier counts only DynamoDB Local tests; nothing is counted twice",
  sanitizeResources: false,
  async fn() {
    // A store test in the style of testBackends(): one test per backend the environment enables.
    const backendAware = `// runs for each backend of testBackends()
const only = Deno.env.get("TEST_BACKENDS")?.split(",");
const names = ["engine", ...(Deno.env.get("DYNAMODB_LOCAL_ENDPOINT") ? ["dynamodb-local"] : [])];
for (const b of names.filter((n) => !only || only.includes(n))) {
  Deno.test(\`[\${b}] stores an experiment\`, () => {});
}
`;
    const r = await runRunner(
      {
        "src/engine_test.ts": PASSING("engine unit"),
        "tests/store/store_test.ts": backendAware,
        "tests/store/cost_test.ts": PASSING("engine-only cost"),
        "tests/contract/engine_test.ts": PASSING("dynamo contract (engine): get"),
        // Owned by the DynamoDB Local tier: the unit tier must not load it (its placeholder
        // would be an ignored test there).
        "tests/contract/dynamodb_local_test.ts": `if (Deno.env.get("DYNAMODB_LOCAL_ENDPOINT")) {
  Deno.test("dynamo contract (dynamodb-local): get", () => {});
} else {
  Deno.test({ name: "contract on DynamoDB Local (needs an endpoint)", ignore: true, fn() {} });
}
`,
      },
      ["--only=unit,dynamodb-local"],
      // The runner uses a preset endpoint as is; these tests never connect to it.
      { CI: "true", DYNAMODB_LOCAL_ENDPOINT: "http://127.0.0.1:9" },
    );
    assert.match(r.output, /^ok +1\. unit \+ contract \(engine\) +4 passed, 0 failed/m, r.output);
    assert.match(r.output, /^ok +2\. DynamoDB Local +2 passed, 0 failed/m, r.output);
    assert.equal(r.lastLine, "6 passed, 0 failed");
    assert.equal(r.code, 0);
  },
});
