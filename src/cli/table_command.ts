/**
 * `deno task table --backend-store-uri <uri>`: creates or upgrades the table (idempotent).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { parseBackendUri } from "../config/backend_uri.ts";
import { retryingPort } from "../dynamo/retry.ts";
import { ensureTable } from "../dynamo/table.ts";
import { portFor } from "../server/open_backend.ts";

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: { "backend-store-uri": { type: "string" }, help: { type: "boolean" } },
      strict: true,
    }));
  } catch (e) {
    console.error(`Error: ${(e as Error).message}`);
    return 2;
  }
  const uri = values["backend-store-uri"] ?? Deno.env.get("MLFLOW_BACKEND_STORE_URI");
  if (values.help || !uri) {
    console.log("Usage: deno task table --backend-store-uri dynamodb://<region>/<table>");
    return values.help ? 0 : 2;
  }
  let backend;
  try {
    backend = parseBackendUri(uri);
  } catch (e) {
    console.error(`Error: ${(e as Error).message}`);
    return 2;
  }
  const raw = await portFor(backend);
  try {
    await ensureTable(retryingPort(raw), backend.tableName);
    console.log(`Table "${backend.tableName}" is ready.`);
    return 0;
  } catch (e) {
    console.error(`Error: ${(e as Error).message}`);
    return 1;
  } finally {
    await raw.close();
  }
}

Deno.exit(await main());
