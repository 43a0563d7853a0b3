/**
 * Which test files exist and which tier runs them. Every Deno test file under `src/` and `tests/`
 * runs in exactly one tier that counts it: the tier that owns it, or the unit tier when no tier
 * does. The DynamoDB Local tier additionally runs the shared files that call `testBackends()`,
 * with a name filter so only their DynamoDB Local tests run (and count) there.
 *
 * @module
 */
import { join } from "node:path";

/** Deno's test file names: `x_test.ts`, `x.test.ts`, `test.ts` (and js/tsx/mts/mjs/jsx). */
export const TEST_FILE = /(^|\/|[._])test\.(ts|tsx|mts|js|mjs|jsx)$/;

/** Directories never searched for tests. */
const SKIP_DIRS = new Set(["node_modules", ".venv", "coverage", "dist", ".git", "testdata"]);

/** Every test file under `dirs` (relative to `root`), `/`-separated, sorted. */
export function findTestFiles(root: string, dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(join(root, rel))];
    } catch {
      return;
    }
    for (const e of entries) {
      const path = `${rel}/${e.name}`;
      if (e.isDirectory && !SKIP_DIRS.has(e.name)) walk(path);
      else if (e.isFile && TEST_FILE.test(e.name)) out.push(path);
    }
  };
  for (const dir of dirs) walk(dir.replace(/\/+$/, ""));
  return out.sort();
}

/** The files among `files` whose source calls `testBackends()` (they run on every backend). */
export function backendAwareFiles(root: string, files: string[]): string[] {
  return files.filter((f) => /\btestBackends\(/.test(Deno.readTextFileSync(join(root, f))));
}
