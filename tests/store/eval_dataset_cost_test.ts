/**
 * The evaluation-dataset costs of docs/key-schema.md ("Evaluation datasets"), measured with the
 * engine's consumed-capacity counters: a records page reads one page of the dataset however big
 * it is (the paging bound), and a merge's cost grows with the records sent, not the dataset.
 */
import assert from "node:assert/strict";
import { createEngine } from "../../src/engine/mod.ts";
import { ensureTable } from "../../src/dynamo/table.ts";
import { recordsPage, upsertRecords } from "../../src/store/datasets/dataset_records.ts";
import { DatasetStore } from "../../src/store/datasets/dataset_store.ts";
import { createStores } from "../../src/store/stores.ts";

Deno.test("a records page costs the same on a 5,000-record dataset as on a 50-record one", async () => {
  const engine = createEngine();
  try {
    await ensureTable(engine, "cost");
    const s = await createStores({ port: engine, table: "cost" }, "mlflow-artifacts:/");
    const store = new DatasetStore(s.db, s.experiments);
    const small = (await store.create("small", undefined, undefined)).dataset_id;
    const big = (await store.create("big", undefined, undefined)).dataset_id;
    const recs = (n: number, from = 0) =>
      Array.from({ length: n }, (_, i) => ({
        inputs: { question: `q-${from + i}`, context: "c".repeat(200) },
        expectations: { answer: `a-${from + i}` },
      }));
    await upsertRecords(store, small, recs(50));
    for (let i = 0; i < 5; i++) await upsertRecords(store, big, recs(1000, i * 1000));

    const pageCost = async (id: string, token?: string) => {
      engine.stats.reset();
      const page = await recordsPage(store, id, 20, token);
      assert.equal(page.records.length, 20);
      return { rcu: engine.stats.readUnits, token: page.nextPageToken };
    };
    const smallFirst = await pageCost(small);
    const bigFirst = await pageCost(big);
    const bigLater = await pageCost(big, bigFirst.token);
    // 21 records of ~0.5 KB (one Query page) plus the metadata GetItem: a few RCU, not 5,000 records.
    assert.ok(bigFirst.rcu <= 5, `RCU ${bigFirst.rcu}`);
    assert.ok(bigFirst.rcu <= smallFirst.rcu + 1, `${bigFirst.rcu} vs ${smallFirst.rcu}`);
    assert.ok(bigLater.rcu <= 5, `RCU ${bigLater.rcu}`);

    // Merging 10 records (5 updates, 5 inserts) into the 5,000-record dataset.
    engine.stats.reset();
    const res = await upsertRecords(store, big, [...recs(5, 0), ...recs(5, 9000)]);
    assert.deepEqual(res, { inserted: 5, updated: 5 });
    // GetItem of the metadata, one RCU per pointer (10) and per updated record (5).
    assert.ok(engine.stats.readUnits <= 16, `RCU ${engine.stats.readUnits}`);
    assert.ok(engine.stats.writeUnits <= 25, `WCU ${engine.stats.writeUnits}`);
  } finally {
    await engine.close();
  }
});
