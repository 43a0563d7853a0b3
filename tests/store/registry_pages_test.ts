/**
 * Registry reads never stop at one 1 MB Query page (issue 8, item 4, non-run stores): a model
 * whose partition holds 1.5 MB of version tags still reads whole through every path that
 * Queries it (model read, latest versions, version search pinned to the name, stage transition).
 */
import assert from "node:assert/strict";
import { retryingPort } from "../../src/dynamo/retry.ts";
import { RegistryStore } from "../../src/store/registry/registry_store.ts";
import { createStores } from "../../src/store/stores.ts";
import { testBackends } from "../support/backends.ts";

const distinct = (seed: number, size: number) => {
  let v = `${seed}:`;
  while (v.length < size) v += crypto.randomUUID();
  return v.slice(0, size);
};

for (const backend of testBackends()) {
  Deno.test(`a model partition past one Query page reads whole (${backend.name})`, async () => {
    const { port, tableName, cleanup } = await backend.makePort();
    try {
      const s = await createStores({ port: retryingPort(port), table: tableName }, "s3://b");
      const r = new RegistryStore(s.db);
      await r.createRegisteredModel({ name: "big" });
      const n = 15; // 15 × 100,000 characters ≈ 1.5 MB in the model's partition
      for (let v = 1; v <= n; v++) {
        await r.createModelVersion({
          name: "big",
          source: "s3://b/m",
          tags: [{ key: "blob", value: distinct(v, 100_000) }],
        });
      }
      await r.transitionModelVersionStage("big", "3", "Production", false);
      const moved = await r.transitionModelVersionStage("big", String(n), "Production", true);
      assert.equal(moved.currentStage, "Production");
      assert.equal((await r.getModelVersion("big", "3")).currentStage, "Archived");

      const latest = await r.getLatestVersions("big");
      assert.deepEqual(
        latest.map((v) => [v.version, v.currentStage]).sort(),
        [[14, "None"], [15, "Production"], [3, "Archived"]].sort(),
      );
      const page = await r.searchModelVersions({
        predicate: () => true,
        compare: (a, b) => a.version - b.version,
        includePrompts: true,
        maxResults: 100,
        names: ["big"],
      });
      assert.equal(page.items.length, n);
      assert.ok(page.items.every((v, i) => v.tags.blob?.startsWith(`${i + 1}:`)));
    } finally {
      await cleanup();
    }
  });
}
