/**
 * `deno task metric-index`: backfills the run-end metric index of experiments made before it
 * existed (`src/store/runs/metric_index_backfill.ts`), so metric-ordered SearchRuns read a page
 * instead of the whole experiment there too. Safe while servers run (all on a version that
 * maintains the index); idempotent. (The embedded engine allows one process per directory: stop
 * the server first.)
 *
 * @module
 */
import { parseArgs } from "node:util";
import { parseBackendUri } from "../config/backend_uri.ts";
import { DEFAULT_DATA_DIR } from "../config/config.ts";
import { openBackend } from "../server/open_backend.ts";
import { startupError } from "../server/startup_error.ts";
import { experimentsGsi1Pk, GSI1 } from "../keys/key_schema.ts";
import { queryAll } from "../dynamo/batch.ts";
import { backfillMetricIndex } from "../store/runs/metric_index_backfill.ts";

export const METRIC_INDEX_USAGE = `Usage: deno task metric-index [options]

Index the latest metric values of every ended run of experiments created before the metric index
existed, and mark them, so that SearchRuns ordered by a metric reads a page, not the experiment.

  --experiment-ids A,B          these experiments (any workspace); default: every experiment of
                                the default workspace
  --backend-store-uri URI       as for the server (MLFLOW_BACKEND_STORE_URI,
                                default embedded:./${DEFAULT_DATA_DIR}/db)
`;

/** Runs the command; returns the exit code. */
export async function metricIndexMain(
  args: string[],
  env: Record<string, string | undefined>,
  out: (line: string) => void = console.log,
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        "experiment-ids": { type: "string" },
        "backend-store-uri": { type: "string" },
        help: { type: "boolean" },
      },
      strict: true,
    }));
  } catch (e) {
    out(`Error: ${(e as Error).message} (see --help)`);
    return 2;
  }
  if (values.help) {
    out(METRIC_INDEX_USAGE);
    return 0;
  }
  let open;
  try {
    open = await openBackend(parseBackendUri(
      values["backend-store-uri"] ?? env.MLFLOW_BACKEND_STORE_URI ??
        `embedded:./${DEFAULT_DATA_DIR}/db`,
    ));
  } catch (e) {
    out(startupError(e));
    return 1;
  }
  try {
    const { db } = open;
    const ids = values["experiment-ids"]?.split(",").map((s) => s.trim()).filter(Boolean) ??
      (await queryAll(db.port, {
        TableName: db.table,
        IndexName: GSI1,
        KeyConditionExpression: "gsi1pk = :pk",
        FilterExpression: "sk = :exp",
        ExpressionAttributeValues: { ":pk": { S: experimentsGsi1Pk() }, ":exp": { S: "EXP" } },
      })).map((i) => i.experiment_id!.S!);
    for (const id of ids) {
      const r = await backfillMetricIndex(db, id);
      out(
        `experiment ${id}: ${r.indexed} ended runs indexed, ${r.unindexed} runs listed unindexed`,
      );
    }
    out(`Done. ${ids.length} experiments.`);
    return 0;
  } catch (e) {
    out(startupError(e));
    return 1;
  } finally {
    await open.close();
  }
}

if (import.meta.main) Deno.exit(await metricIndexMain(Deno.args, Deno.env.toObject()));
