/**
 * `deno task import --from http://old-server:5000`: copies an MLflow server's experiments, runs,
 * metric histories, datasets, artifacts, logged models, registry and prompts into this server's
 * store (`src/import/`), through the old server's REST API only. Same backend flags and
 * environment as the server. Idempotent and resumable (a checkpoint file); a progress bar per
 * entity; a verification report at the end, and a non-zero exit when it finds a difference.
 * A bad flag or an unreachable server is one line, never a stack trace.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import { parseBackendUri } from "../config/backend_uri.ts";
import { DEFAULT_DATA_DIR } from "../config/config.ts";
import { ArtifactLocations, openArtifactStore } from "../artifacts/locations.ts";
import { openBackend } from "../server/open_backend.ts";
import { startupError } from "../server/startup_error.ts";
import { runImport } from "../import/run_import.ts";
import { formatReport } from "../import/verify.ts";

export const IMPORT_USAGE = `Usage: deno task import --from URL [options]

Copy everything from an MLflow server (any backend) into this server's store, through the old
server's REST API. Ids are kept; running it again copies nothing twice and continues an
interrupted import. Ends with a verification report (exit code 3 on a mismatch).

  --from URL                    the MLflow server to copy from, e.g. http://old-server:5000
                                (auth: MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and
                                MLFLOW_TRACKING_PASSWORD, as the MLflow client)
  --experiments A,B             only these experiment ids (default: all, deleted ones too)
  --skip-registry               do not copy registered models, versions, aliases and prompts
  --dry-run                     count what would be copied, write nothing
  --checkpoint FILE             the resume file (default ./${DEFAULT_DATA_DIR}/import-<hash>.checkpoint,
                                one per source and target)
  --concurrency N               runs and models copied at once (default 4)
  --backend-store-uri URI       as for the server (MLFLOW_BACKEND_STORE_URI,
                                default embedded:./${DEFAULT_DATA_DIR}/db)
  --default-artifact-root URI   artifact root of the copied experiments (MLFLOW_DEFAULT_ARTIFACT_ROOT,
                                default mlflow-artifacts:/)
  --artifacts-destination URI   where mlflow-artifacts: roots live (MLFLOW_ARTIFACTS_DESTINATION,
                                default ./${DEFAULT_DATA_DIR}/artifacts)
`;

/** Where the command writes (tests capture it). */
export interface ImportIo {
  out(line: string): void;
  err(line: string): void;
  /** A progress line; `final` ends a bar (a terminal rewrites the others in place). */
  progress(line: string, final: boolean): void;
}

const consoleIo: ImportIo = {
  out: (l) => console.log(l),
  err: (l) => console.error(l),
  progress: (l, final) => {
    if (Deno.stderr.isTerminal()) {
      Deno.stderr.writeSync(new TextEncoder().encode(`\r${l}\x1b[K${final ? "\n" : ""}`));
    } else if (final) console.error(l);
  },
};

const list = (v: string | undefined) =>
  v === undefined ? undefined : v.split(",").map((s) => s.trim()).filter((s) => s !== "");

/** Exit codes: 0 ok, 1 failure, 2 bad flag, 3 verification mismatch. */
export async function importMain(
  args: string[],
  env: Record<string, string | undefined>,
  io: ImportIo = consoleIo,
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        from: { type: "string" },
        experiments: { type: "string" },
        "skip-registry": { type: "boolean" },
        "dry-run": { type: "boolean" },
        checkpoint: { type: "string" },
        concurrency: { type: "string" },
        "backend-store-uri": { type: "string" },
        "default-artifact-root": { type: "string" },
        "artifacts-destination": { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
    }));
  } catch (e) {
    io.err(`Error: ${(e as Error).message} (see --help)`);
    return 2;
  }
  if (values.help) {
    io.out(IMPORT_USAGE);
    return 0;
  }
  if (!values.from) {
    io.err("Error: --from URL is required, e.g. --from http://old-server:5000 (see --help)");
    return 2;
  }
  const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    io.err(`Error: --concurrency must be an integer from 1 to 64, got '${values.concurrency}'`);
    return 2;
  }
  const experimentIds = list(values.experiments);
  if (experimentIds !== undefined && experimentIds.length === 0) {
    io.err("Error: --experiments needs at least one experiment id");
    return 2;
  }
  const storeUri = values["backend-store-uri"] ?? env.MLFLOW_BACKEND_STORE_URI ??
    `embedded:./${DEFAULT_DATA_DIR}/db`;
  let backend;
  try {
    backend = parseBackendUri(storeUri);
  } catch (e) {
    io.err(`Error: ${(e as Error).message}`);
    return 2;
  }
  const destination = values["artifacts-destination"] ?? env.MLFLOW_ARTIFACTS_DESTINATION ??
    `./${DEFAULT_DATA_DIR}/artifacts`;
  const defaultArtifactRoot = values["default-artifact-root"] ??
    env.MLFLOW_DEFAULT_ARTIFACT_ROOT ?? "mlflow-artifacts:/";
  const checkpointPath = values.checkpoint ?? defaultCheckpoint(values.from, storeUri);
  let open;
  try {
    open = await openBackend(backend);
  } catch (e) {
    io.err(startupError(e));
    return 1;
  }
  let artifacts: ArtifactLocations | undefined;
  try {
    artifacts = new ArtifactLocations(await openArtifactStore(destination));
    if (values.checkpoint === undefined && !values["dry-run"]) {
      await Deno.mkdir(DEFAULT_DATA_DIR, { recursive: true });
    }
    const outcome = await runImport(
      { db: open.db, artifacts, defaultArtifactRoot },
      {
        from: values.from,
        ...(experimentIds ? { experimentIds } : {}),
        dryRun: values["dry-run"] ?? false,
        checkpointPath,
        concurrency,
        skipRegistry: values["skip-registry"] ?? false,
        env,
      },
      (line, final) => io.progress(line, final),
      (m) => io.err(`Warning: ${m}`),
    );
    if (!outcome.report) {
      const counts = Object.entries(outcome.counts).map(([k, n]) => `${n} ${k}`).join(", ");
      io.out(`dry run: would copy ${counts}`);
      return 0;
    }
    for (const line of formatReport(outcome.report)) io.out(line);
    return outcome.report.mismatches.length === 0 ? 0 : 3;
  } catch (e) {
    io.err(startupError(e));
    return 1;
  } finally {
    await artifacts?.close();
    await open.close();
  }
}

/** One checkpoint per source and target, so two targets never share one. */
function defaultCheckpoint(from: string, storeUri: string): string {
  const id = createHash("sha256").update(`${from}\n${storeUri}`).digest("hex").slice(0, 12);
  return `./${DEFAULT_DATA_DIR}/import-${id}.checkpoint`;
}

if (import.meta.main) Deno.exit(await importMain(Deno.args, Deno.env.toObject()));
