/**
 * Per-request DynamoDB cost on every test backend: the metering port reads the units DynamoDB
 * (or the engine) reports in `ConsumedCapacity`, as the access log and `/metrics` show them.
 */
import assert from "node:assert/strict";
import { measuredPort } from "../../src/server/open_backend.ts";
import { createStores } from "../../src/store/stores.ts";
import { emptyCost, withRequestCost } from "../../src/util/request_cost.ts";
import { testBackends } from "../support/backends.ts";

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] a request's DynamoDB calls and consumed RCU/WCU are counted`, async () => {
    const t = await backend.makePort();
    try {
      const db = { port: measuredPort(t.port), table: t.tableName };
      const s = await createStores(db, "mlflow-artifacts:/");
      const write = emptyCost();
      const id = await withRequestCost(write, () => s.experiments.create({ name: "cost" }));
      assert.ok(write.calls >= 1 && write.wcu >= 1, JSON.stringify(write));
      const read = emptyCost();
      await withRequestCost(read, () => s.experiments.get(id));
      assert.equal(read.calls, 1);
      assert.ok(read.rcu > 0 && read.wcu === 0, JSON.stringify(read));
    } finally {
      await t.cleanup();
    }
  });
}
