/**
 * `deno task gc`: `mlflow gc` for this server. Hard-deletes deleted runs, experiments and logged
 * models with every item they own and their artifacts (`src/store/gc/`), with `mlflow gc`'s
 * flags plus `--dry-run`. Safe while a server runs on DynamoDB: only deleted resources are
 * touched, and a record goes last, only while it is still deleted. Resumable: run it again.
 * (The embedded engine allows one process per directory: stop the server first.)
 *
 * @module
 */
import { parseArgs } from "node:util";
import { parseBackendUri } from "../config/backend_uri.ts";
import { DEFAULT_DATA_DIR } from "../config/config.ts";
import { ArtifactLocations, openArtifactStore } from "../artifacts/locations.ts";
import { openBackend } from "../server/open_backend.ts";
import { type GcOptions, parseOlderThan, planGc } from "../store/gc/plan.ts";
import { type GcProgress, runGc } from "../store/gc/run_gc.ts";
import { startupError } from "../server/startup_error.ts";

export const GC_USAGE = `Usage: deno task gc [options]

Permanently delete runs, experiments and logged models in the \`deleted\` lifecycle stage, with
everything they own and their artifacts (as \`mlflow gc\`).

  --older-than TEXT             only resources deleted at least this long ago: 30d, 1d2h3m4s, 1.5h
  --run-ids A,B                 these runs (each must be deleted); default: every deleted run
  --experiment-ids A,B          these experiments and all their runs (each must be deleted);
                                default: every deleted experiment
  --logged-model-ids A,B        these logged models (each must be deleted); default: every
                                deleted logged model
  --backend-store-uri URI       as for the server (MLFLOW_BACKEND_STORE_URI,
                                default embedded:./${DEFAULT_DATA_DIR}/db)
  --artifacts-destination URI   where mlflow-artifacts: roots live (MLFLOW_ARTIFACTS_DESTINATION,
                                default ./${DEFAULT_DATA_DIR}/artifacts)
  --dry-run                     print what would be deleted, delete nothing
`;

/** Where the command writes (tests capture it). */
export interface GcIo {
  out(line: string): void;
  err(line: string): void;
  /** Rewrites the progress line in place (a terminal), else prints it. */
  progress(line: string): void;
}

const consoleIo: GcIo = {
  out: (l) => console.log(l),
  err: (l) => console.error(l),
  progress: (l) => {
    if (Deno.stderr.isTerminal()) {
      Deno.stderr.writeSync(new TextEncoder().encode(`\r${l}\x1b[K`));
    } else console.error(l);
  },
};

const list = (v: string | undefined) =>
  v === undefined ? undefined : v.split(",").map((s) => s.trim()).filter((s) => s !== "");

/** One progress line: counts, items, elapsed time and ETA. */
export function progressLine(p: GcProgress): string {
  const eta = p.done > 0 ? ((p.total - p.done) * p.elapsedMs) / p.done / 1000 : 0;
  return `gc ${p.done}/${p.total}: ${p.runs} runs, ${p.loggedModels} logged models, ` +
    `${p.experiments} experiments, ${p.items} items deleted; ` +
    `${(p.elapsedMs / 1000).toFixed(1)}s elapsed, ETA ${eta.toFixed(1)}s`;
}

/** Runs the command; returns the exit code. */
export async function gcMain(
  args: string[],
  env: Record<string, string | undefined>,
  io: GcIo = consoleIo,
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        "older-than": { type: "string" },
        "run-ids": { type: "string" },
        "experiment-ids": { type: "string" },
        "logged-model-ids": { type: "string" },
        "backend-store-uri": { type: "string" },
        "artifacts-destination": { type: "string" },
        "dry-run": { type: "boolean" },
        help: { type: "boolean" },
      },
      strict: true,
    }));
  } catch (e) {
    io.err(`Error: ${(e as Error).message} (see --help)`);
    return 2;
  }
  if (values.help) {
    io.out(GC_USAGE);
    return 0;
  }
  let opts: GcOptions;
  let backend;
  try {
    const olderThan = values["older-than"];
    opts = {
      olderThanMs: olderThan === undefined ? 0 : parseOlderThan(olderThan),
      ...(olderThan !== undefined ? { olderThan } : {}),
      ...(values["run-ids"] !== undefined ? { runIds: list(values["run-ids"]) } : {}),
      ...(values["experiment-ids"] !== undefined
        ? { experimentIds: list(values["experiment-ids"]) }
        : {}),
      ...(values["logged-model-ids"] !== undefined
        ? { loggedModelIds: list(values["logged-model-ids"]) }
        : {}),
    };
    backend = parseBackendUri(
      values["backend-store-uri"] ?? env.MLFLOW_BACKEND_STORE_URI ??
        `embedded:./${DEFAULT_DATA_DIR}/db`,
    );
  } catch (e) {
    io.err(`Error: ${(e as Error).message}`);
    return 2;
  }
  const destination = values["artifacts-destination"] ?? env.MLFLOW_ARTIFACTS_DESTINATION ??
    `./${DEFAULT_DATA_DIR}/artifacts`;
  let open;
  try {
    open = await openBackend(backend);
  } catch (e) {
    io.err(startupError(e));
    return 1;
  }
  const artifacts = new ArtifactLocations(await openArtifactStore(destination));
  try {
    const plan = await planGc(open.db, opts);
    const total = plan.runs.length + plan.loggedModels.length + plan.experiments.length;
    if (values["dry-run"]) {
      for (const r of plan.runs) io.out(`would delete run ${r.id} (artifacts ${r.artifactUri})`);
      for (const m of plan.loggedModels) {
        io.out(`would delete logged model ${m.id} (artifacts ${m.artifactUri})`);
      }
      for (const e of plan.experiments) io.out(`would delete experiment ${e.id} (${e.name})`);
      io.out(
        `dry run: ${plan.runs.length} runs, ${plan.loggedModels.length} logged models, ${plan.experiments.length} experiments would be deleted`,
      );
      return 0;
    }
    const final = await runGc(open.db, plan, {
      artifacts,
      onProgress: (p) => io.progress(progressLine(p)),
      onWarning: (m) => io.err(`Warning: ${m}`),
    });
    io.out(
      total === 0 ? "Nothing to delete." : `Done. ${progressLine(final)}`,
    );
    return 0;
  } catch (e) {
    io.err(startupError(e));
    return 1;
  } finally {
    await artifacts.close();
    await open.close();
  }
}

if (import.meta.main) Deno.exit(await gcMain(Deno.args, Deno.env.toObject()));
