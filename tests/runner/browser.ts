/**
 * What the browser tier needs besides `.venv`: Debian's `chromium` (installed with apt-get when
 * missing and running as root; no browser download) and a full `mlflow` in `.venv/mlflow-server/`
 * so the runs-table timing can run the reference `mlflow server` next to ours.
 *
 * @module
 */
import { join } from "node:path";
import { exists, MIN, run } from "./process.ts";
import { findPython } from "./python.ts";

/** Debian's chromium (or `CHROMIUM_PATH`), if it is on this machine. */
function findChromium(): string | undefined {
  const explicit = Deno.env.get("CHROMIUM_PATH");
  if (explicit) return exists(explicit) ? explicit : undefined;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    for (const name of ["chromium", "chromium-browser"]) {
      if (dir && exists(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

/** Finds chromium, installing Debian's package first when missing and allowed (root + apt-get). */
export async function ensureChromium(root: string): Promise<string | undefined> {
  const found = findChromium();
  if (found) return found;
  if (Deno.uid() !== 0 || !exists("/usr/bin/apt-get")) return undefined;
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  await run("apt-get", ["update", "-q"], { cwd: root, env, timeoutMs: 10 * MIN, stream: false });
  await run("apt-get", ["install", "-y", "-q", "chromium"], {
    cwd: root,
    env,
    timeoutMs: 15 * MIN,
    stream: false,
  });
  return findChromium();
}

/**
 * A full `mlflow` (same version as the compat client) in `.venv/mlflow-server/`, for the browser
 * tier's timing against `mlflow server`; returns its `mlflow` executable.
 */
export async function setupMlflowServer(
  root: string,
): Promise<{ bin: string } | { reason: string }> {
  const requirements = Deno.readTextFileSync(join(root, "tests/compat/requirements.txt"));
  const version = /^mlflow(?:-skinny)?==(\S+)/m.exec(requirements)?.[1];
  if (!version) return { reason: "no mlflow version pinned in tests/compat/requirements.txt" };
  const venv = join(root, ".venv", "mlflow-server");
  const bin = join(venv, "bin", "mlflow");
  const stamp = join(venv, ".mlflow-version");
  let installed = "";
  try {
    installed = Deno.readTextFileSync(stamp).trim();
  } catch {
    // first install
  }
  if (installed === version && exists(bin)) return { bin };
  const python = await findPython();
  if (!python) return { reason: "python3 (>= 3.10) not found on PATH" };
  let r = await run(python, ["-m", "venv", venv], { cwd: root, timeoutMs: 5 * MIN });
  if (r.code !== 0) return { reason: `"${python} -m venv ${venv}" failed` };
  r = await run(join(venv, "bin", "python"), [
    "-m",
    "pip",
    "install",
    "--disable-pip-version-check",
    "--progress-bar=off",
    "-q",
    `mlflow==${version}`,
  ], { cwd: root, timeoutMs: 20 * MIN });
  if (r.code !== 0) return { reason: `pip install mlflow==${version} failed with code ${r.code}` };
  Deno.writeTextFileSync(stamp, version + "\n");
  return { bin };
}
