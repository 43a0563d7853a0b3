/**
 * The project's `.venv` for the Python tiers (the stock MLflow client, pytest, moto): created
 * when missing, reinstalled only when `tests/compat/requirements.txt` or the Python version
 * changes (a hash stamp in `.venv/.requirements.sha256`).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { exists, MIN, print, run } from "./process.ts";

/** A usable `.venv`, or why there is none (`missingTool`: Python itself is missing). */
export type Venv = { python: string } | { reason: string; missingTool: boolean };

export async function findPython(): Promise<string | undefined> {
  const candidates = [Deno.env.get("PYTHON"), "python3", "python"].filter((c): c is string => !!c);
  for (const python of candidates) {
    try {
      const out = await new Deno.Command(python, {
        args: ["-c", "import sys; assert sys.version_info >= (3, 10), sys.version"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (out.success) return python;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/** Creates or refreshes `<root>/.venv` from `tests/compat/requirements.txt`. */
export async function setupVenv(root: string): Promise<Venv> {
  const venv = join(root, ".venv");
  const venvPython = join(venv, "bin", "python");
  const requirements = join(root, "tests/compat/requirements.txt");
  if (!exists(requirements)) {
    return { reason: "tests/compat/requirements.txt is missing", missingTool: false };
  }
  if (!exists(venvPython)) {
    const python = await findPython();
    if (!python) return { reason: "python3 (>= 3.10) not found on PATH", missingTool: true };
    const r = await run(python, ["-m", "venv", venv], { cwd: root, timeoutMs: 5 * MIN });
    if (r.code !== 0) {
      return {
        reason: `"${python} -m venv .venv" failed (install python3-venv?)`,
        missingTool: true,
      };
    }
  }
  const version = await new Deno.Command(venvPython, { args: ["--version"], stdout: "piped" })
    .output();
  const hash = createHash("sha256")
    .update(Deno.readFileSync(requirements))
    .update(version.stdout)
    .digest("hex");
  const stamp = join(venv, ".requirements.sha256");
  let previous = "";
  try {
    previous = Deno.readTextFileSync(stamp).trim();
  } catch {
    // first install
  }
  if (previous === hash) {
    print("tests/compat/requirements.txt unchanged since the last install: skipping pip install");
    return { python: venvPython };
  }
  const r = await run(venvPython, [
    "-m",
    "pip",
    "install",
    "--disable-pip-version-check",
    "--progress-bar=off",
    "-q",
    "-r",
    requirements,
  ], { cwd: root, timeoutMs: 20 * MIN });
  if (r.code !== 0) return { reason: `pip install failed with code ${r.code}`, missingTool: false };
  Deno.writeTextFileSync(stamp, hash + "\n");
  return { python: venvPython };
}
