/**
 * The newcomer's path: the documented commands point at folders that exist, the README's layout
 * lists every folder, and starting the server in the repo leaves git clean (its default data
 * folder is ignored by git and by deno's fmt/lint/test).
 *
 * @module
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_DATA_DIR } from "../../src/config/config.ts";

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

function exists(rel: string): boolean {
  try {
    Deno.statSync(join(ROOT, rel));
    return true;
  } catch {
    return false;
  }
}

/** Repo paths (`src/…`, `tests/…`, `docs/…`, `bench/…`) a text names, without globs or placeholders. */
function namedPaths(text: string): string[] {
  const found = text.matchAll(/(?<![\w./-])((?:src|tests|docs|bench)\/[^\s`'"),;:|]*)/g);
  return [...new Set([...found].map((m) => m[1]!.replace(/\.$/, "")))]
    .filter((p) => !/[*<>{}\[\]]|\.\.\./.test(p))
    // Hidden folders (`tests/browser/.out/`) hold generated, git-ignored output.
    .filter((p) => !p.split("/").some((segment) => segment.startsWith(".")));
}

Deno.test("newcomer: every folder and file docs/testing.md and README.md name exists", () => {
  for (const doc of ["docs/testing.md", "README.md"]) {
    const paths = namedPaths(Deno.readTextFileSync(join(ROOT, doc)));
    assert.ok(paths.length > 10, `${doc} names repo paths`);
    const missing = paths.filter((p) => !exists(p));
    assert.deepEqual(missing, [], `${doc} names paths that do not exist`);
  }
});

Deno.test("newcomer: the README's Layout lists every folder of src/ and tests/, and src/errors.ts", () => {
  const readme = Deno.readTextFileSync(join(ROOT, "README.md"));
  const layout = /## Layout\n+```\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  const listed = new Set(layout.split("\n").map((l) => l.split(/\s+/)[0]));
  const folders = ["src", "tests"].flatMap((top) =>
    [...Deno.readDirSync(join(ROOT, top))]
      .filter((e) => e.isDirectory)
      .map((e) => `${top}/${e.name}/`)
  );
  // A folder counts as listed with its own line or a line for a file in it.
  const isListed = (f: string) => [...listed].some((l) => l === f || l?.startsWith(f));
  const missing = [...folders, "src/errors.ts"].filter((f) => !isListed(f)).sort();
  assert.deepEqual(missing, []);
});

Deno.test("newcomer: every path a deno.json task passes to deno exists (deno task test:unit works)", () => {
  const config = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
  const tasks = config.tasks as Record<string, string>;
  assert.ok(tasks["test:unit"], "deno.json has a test:unit task");
  for (const [name, command] of Object.entries(tasks)) {
    const paths = command.split(/\s+/).filter((w) => /^(src|tests|bench)\/|\.ts$/.test(w));
    for (const p of paths) assert.ok(exists(p), `task ${name} names ${p}, which does not exist`);
  }
});

Deno.test("newcomer: the default data folder is ignored by git and excluded from deno's tools", async () => {
  const path = `${DEFAULT_DATA_DIR}/db/journal`;
  const out = await new Deno.Command("git", {
    args: ["check-ignore", "--no-index", "-q", path],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, `git does not ignore ${path}: ${new TextDecoder().decode(out.stderr)}`);
  const config = JSON.parse(Deno.readTextFileSync(join(ROOT, "deno.json")));
  assert.ok(
    (config.exclude as string[]).some((e) =>
      e.replace(/^\.\//, "").replace(/\/$/, "") === DEFAULT_DATA_DIR
    ),
    `deno.json exclude lacks ${DEFAULT_DATA_DIR}/`,
  );
});
