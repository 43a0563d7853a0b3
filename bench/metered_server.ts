/**
 * The server as `main.ts` starts it, with the metering port ({@link meteringPort}) between the
 * store and DynamoDB adding every request's calls and consumed capacity into one running total,
 * and one extra route for the peer benchmark: `GET /bench/meter` answers the
 * totals (calls, RCU, WCU) since the last `POST /bench/meter/reset`. A bench-only entry point,
 * so the production app has no such route. Same flags as `deno task start`.
 *
 * @module
 */
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config/config.ts";
import { portFor } from "../src/server/open_backend.ts";
import { buildExtraRoutes } from "../src/server/extra_routes.ts";
import { appOptions } from "../src/server/app_options.ts";
import { retryingPort } from "../src/dynamo/retry.ts";
import { ensureTable } from "../src/dynamo/table.ts";
import { meteringPort } from "../src/dynamo/metering.ts";
import { createStores } from "../src/store/stores.ts";
import { emptyCost, withRequestCost } from "../src/util/request_cost.ts";

const config = loadConfig(Deno.args, Deno.env.toObject());
if (config === "help") Deno.exit(0);
const raw = await portFor(config.backend);
const metered = meteringPort(raw);
const totals = emptyCost();
const port = retryingPort(metered);
await ensureTable(port, config.backend.tableName);
const stores = await createStores(
  { port, table: config.backend.tableName },
  config.defaultArtifactRoot,
);
const app = createApp({
  stores,
  ...appOptions(config),
  extraRoutes: await buildExtraRoutes(config, stores),
  ready: () => Promise.resolve({ ready: true as const }),
});
const controller = new AbortController();
const server = Deno.serve({
  hostname: config.host,
  port: config.port,
  signal: controller.signal,
  onListen: () => {},
}, (req) => {
  const path = new URL(req.url).pathname;
  if (path === "/bench/meter") {
    if (req.method === "POST") Object.assign(totals, emptyCost());
    return Response.json({ calls: totals.calls, readUnits: totals.rcu, writeUnits: totals.wcu });
  }
  // Every request adds into the same running total (the bench reads it between ops).
  return withRequestCost(totals, () => app.fetch(req));
});
Deno.addSignalListener("SIGTERM", () => controller.abort());
Deno.addSignalListener("SIGINT", () => controller.abort());
await server.finished;
await raw.close();
