/**
 * `--workers N`: one worker per core behind one port. Deno's `deno serve --parallel` runs N
 * copies of an exported `fetch` handler (`serve.ts`) on one socket, so `main.ts` re-runs itself
 * that way instead of forking processes of its own. Only a DynamoDB backend can be shared by
 * workers: the embedded engine keeps its data in one process (it locks its directory), and a
 * compiled binary cannot start `deno serve`; both keep one worker and say why.
 *
 * @module
 */
import type { Config } from "../config/config.ts";
import { runningCompiled } from "../util/compiled.ts";

/** What `--workers` turns into. */
export type ParallelPlan =
  | { kind: "single"; warning?: string }
  | { kind: "parallel"; command: string; args: string[]; workers: number };

/** The permissions the server needs (the same as `deno task start`). */
export const SERVER_PERMISSIONS = [
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-sys=osRelease",
];

/** How long `deno serve` may take to stop after a forwarded SIGINT/SIGTERM. */
export const STOP_GRACE_MS = 15_000;

/** Decides how to honour `config.workers` when run by the Deno executable at `execPath`. */
export function parallelPlan(
  config: Pick<Config, "workers" | "host" | "port" | "backend">,
  execPath: string,
  serveEntry: string = new URL("../../serve.ts", import.meta.url).href,
): ParallelPlan {
  if (config.workers <= 1) return { kind: "single" };
  if (config.backend.kind !== "dynamodb") {
    return {
      kind: "single",
      warning: `--workers ${config.workers} ignored: the ${config.backend.kind} engine serves ` +
        `from one process; use a DynamoDB backend (dynamodb://...) for one worker per core`,
    };
  }
  if (runningCompiled(execPath) || !serveEntry.startsWith("file:")) {
    return {
      kind: "single",
      warning: `--workers ${config.workers} ignored: a compiled binary serves from one worker; ` +
        `run 'deno serve --parallel serve.ts' (docs/deploy.md) or more replicas`,
    };
  }
  return {
    kind: "parallel",
    command: execPath,
    workers: config.workers,
    args: [
      "serve",
      "--parallel",
      "--host",
      config.host,
      "--port",
      String(config.port),
      ...SERVER_PERMISSIONS,
      serveEntry,
    ],
  };
}

/**
 * Runs `deno serve --parallel` with `args` (the server's own flags) and `DENO_JOBS` workers,
 * forwarding SIGINT/SIGTERM, and returns its exit code.
 */
export async function runParallel(
  plan: Extract<ParallelPlan, { kind: "parallel" }>,
  args: string[],
): Promise<number> {
  const child = new Deno.Command(plan.command, {
    args: [...plan.args, ...args],
    env: { DENO_JOBS: String(plan.workers) },
    stdin: "null",
  }).spawn();
  let killer: ReturnType<typeof setTimeout> | undefined;
  const forward = (signal: Deno.Signal) => () => {
    try {
      child.kill(signal);
    } catch { /* already gone */ }
    // A child that does not stop within the grace period is killed, so a stop never hangs.
    killer ??= setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, STOP_GRACE_MS);
  };
  const onInt = forward("SIGINT");
  const onTerm = forward("SIGTERM");
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGTERM", onTerm);
  const status = await child.status;
  clearTimeout(killer);
  Deno.removeSignalListener("SIGINT", onInt);
  Deno.removeSignalListener("SIGTERM", onTerm);
  return status.code;
}
