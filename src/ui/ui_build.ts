/**
 * Finds the stock MLflow web UI build (`mlflow/server/js/build`) this server serves at `/`.
 *
 * The bundle is MLflow's, not ours: it is never committed. It comes, in this order, from
 * `--ui-dir` / `MLFLOW_UI_DIR`, from the cache `deno task ui` (or `deno task start` itself) fills
 * from the pinned `mlflow` wheel on PyPI (see `wheel.ts`), or from an `mlflow` installation found
 * on this machine (`$VIRTUAL_ENV`, `./.venv`, or `python3 -c 'import mlflow'` when the process may
 * run subprocesses). `mlflow-skinny` has no UI, and dev wheels carry an `<html></html>`
 * placeholder: neither counts as a build.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The MLflow release whose UI we serve: the same as the compat tier's client. */
export const UI_MLFLOW_VERSION = "3.17.2";

/** Where a UI build was found. */
export interface UiBuild {
  dir: string;
  source: "ui-dir" | "cache" | "bundled" | "installation";
}

/** True when `dir` holds a real UI build (an `index.html` that loads `static-files/`). */
export function isUiBuild(dir: string): boolean {
  try {
    const index = Deno.readTextFileSync(join(dir, "index.html"));
    return index.includes("static-files/");
  } catch {
    return false;
  }
}

/** The default cache directory for the downloaded build (`MLFLOW_UI_CACHE_DIR` overrides). */
export function defaultCacheDir(env: Record<string, string | undefined>): string {
  if (env.MLFLOW_UI_CACHE_DIR) return env.MLFLOW_UI_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, ".cache") : undefined);
  return base ? join(base, "mlflow-dynamodb-server", "ui") : join("mlflow-data", "ui-cache");
}

/** The build directory inside a cache directory, per MLflow version. */
export function cachedBuildDir(cacheDir: string, version = UI_MLFLOW_VERSION): string {
  return join(cacheDir, `mlflow-${version}`, "build");
}

/**
 * Where `deno task compile` puts the UI build it embeds in the binary (`dist/ui-build` beside
 * `main.ts`); inside the binary the same path reads from its embedded files.
 */
export function bundledBuildDir(base: string = import.meta.url): string | undefined {
  const url = new URL("../../dist/ui-build", base);
  return url.protocol === "file:" ? fileURLToPath(url) : undefined;
}

/** `site-packages/mlflow/server/js/build` under the virtualenvs we can see without Python. */
function venvCandidates(env: Record<string, string | undefined>): string[] {
  const venvs = [env.VIRTUAL_ENV, ".venv"].filter((v): v is string => !!v);
  const out: string[] = [];
  for (const venv of venvs) {
    for (const lib of ["lib", "lib64"]) {
      try {
        for (const e of Deno.readDirSync(join(venv, lib))) {
          if (e.isDirectory && e.name.startsWith("python")) {
            out.push(join(venv, lib, e.name, "site-packages", "mlflow", "server", "js", "build"));
          }
        }
      } catch {
        // no such venv
      }
    }
  }
  return out;
}

/** Asks `python3` where `mlflow` is installed, when this process may run it. */
async function pythonCandidate(): Promise<string | undefined> {
  const allowed = await Deno.permissions.query({ name: "run", command: "python3" });
  if (allowed.state !== "granted") return undefined;
  try {
    const out = await new Deno.Command("python3", {
      args: [
        "-c",
        "import importlib.util,os;s=importlib.util.find_spec('mlflow');" +
        "print(os.path.join(os.path.dirname(s.origin),'server','js','build') if s else '')",
      ],
      stdout: "piped",
      stderr: "null",
    }).output();
    const dir = new TextDecoder().decode(out.stdout).trim();
    return out.success && dir ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** Where to look, in order. */
export interface UiLookup {
  /** `--ui-dir` / `MLFLOW_UI_DIR`. */
  uiDir?: string;
  cacheDir: string;
  env: Record<string, string | undefined>;
  /** The build embedded in a compiled binary ({@link bundledBuildDir}), when running as one. */
  bundledDir?: string;
}

/**
 * The first UI build found, or undefined. An explicit `uiDir` that holds no build is an error
 * (the user asked for it), reported through the returned `problem`.
 */
export async function findUiBuild(
  lookup: UiLookup,
): Promise<{ build?: UiBuild; problem?: string }> {
  if (lookup.uiDir) {
    if (isUiBuild(lookup.uiDir)) return { build: { dir: lookup.uiDir, source: "ui-dir" } };
    return { problem: `--ui-dir ${lookup.uiDir} holds no MLflow UI build (no index.html)` };
  }
  const cached = cachedBuildDir(lookup.cacheDir);
  if (isUiBuild(cached)) return { build: { dir: cached, source: "cache" } };
  if (lookup.bundledDir && isUiBuild(lookup.bundledDir)) {
    return { build: { dir: lookup.bundledDir, source: "bundled" } };
  }
  for (const dir of venvCandidates(lookup.env)) {
    if (isUiBuild(dir)) return { build: { dir, source: "installation" } };
  }
  const fromPython = await pythonCandidate();
  if (fromPython && isUiBuild(fromPython)) {
    return { build: { dir: fromPython, source: "installation" } };
  }
  return {};
}
