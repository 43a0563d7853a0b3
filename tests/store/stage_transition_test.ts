/**
 * `transition-stage` with `archive_existing_versions` over more versions than one transaction
 * holds: every other version of the stage ends up Archived, also when another writer moves one
 * of them meanwhile (that one keeps the stage the other writer gave it).
 */
import assert from "node:assert/strict";
import type { DynamoPort } from "../../src/dynamo/port.ts";
import { retryingPort } from "../../src/dynamo/retry.ts";
import { modelVersionKey } from "../../src/keys/key_schema.ts";
import { rawKey } from "../../src/store/db.ts";
import { RegistryStore } from "../../src/store/registry/registry_store.ts";
import { createStores } from "../../src/store/stores.ts";
import { testBackends } from "../support/backends.ts";

for (const backend of testBackends()) {
  Deno.test(`archive_existing over 150 versions archives all of them, despite a concurrent move (${backend.name})`, async () => {
    const { port, tableName, cleanup } = await backend.makePort();
    try {
      // Before the transition's second transaction, another writer moves version 120 away.
      const hook = { armed: false, transactions: 0, uid: "" };
      const moveAway = () =>
        port.updateItem({
          TableName: tableName,
          Key: rawKey(modelVersionKey(hook.uid, 120)),
          UpdateExpression: "SET current_stage = :p",
          ExpressionAttributeValues: { ":p": { S: "Production" } },
        });
      const hooked: DynamoPort = {
        ...retryingPort(port),
        transactWriteItems: async (input) => {
          if (hook.armed && ++hook.transactions === 2) await moveAway();
          return await retryingPort(port).transactWriteItems(input);
        },
      };
      const s = await createStores({ port: hooked, table: tableName }, "mlflow-artifacts:/");
      const r = new RegistryStore(s.db);
      const model = await r.createRegisteredModel({ name: "m" });
      hook.uid = model.uid;
      for (let v = 1; v <= 151; v++) await r.createModelVersion({ name: "m", source: "s3://b/m" });
      for (let v = 1; v <= 150; v++) {
        await r.transitionModelVersionStage("m", String(v), "Staging", false);
      }
      hook.armed = true;
      const moved = await r.transitionModelVersionStage("m", "151", "staging", true);
      hook.armed = false;
      assert.equal(moved.currentStage, "Staging");

      const page = await r.searchModelVersions({
        predicate: () => true,
        compare: (a, b) => a.version - b.version,
        includePrompts: true,
        maxResults: 1000,
      });
      const stages = new Map<string, number[]>();
      for (const v of page.items) {
        stages.set(v.currentStage, [...(stages.get(v.currentStage) ?? []), v.version]);
      }
      assert.deepEqual(stages.get("Staging"), [151]);
      assert.deepEqual(stages.get("Production"), [120]);
      assert.equal(stages.get("Archived")?.length, 149);
      assert.ok(hook.transactions >= 3, `transactions ${hook.transactions}`);
    } finally {
      await cleanup();
    }
  });
}
