/**
 * The shared DynamoDB contract suite against the in-process engine (memory and durable).
 *
 * @module
 */
import { engineBackend } from "../support/backends.ts";
import { ensureTable } from "../../src/dynamo/table.ts";
import { createEngine } from "../../src/engine/mod.ts";
import { dynamoContract } from "./dynamo_contract.ts";

dynamoContract("engine", () => engineBackend.makePort());

dynamoContract("engine, durable", async () => {
  const dir = await Deno.makeTempDir({ prefix: "engine_contract_" });
  const engine = createEngine({ path: dir });
  const tableName = "contract_table";
  await ensureTable(engine, tableName);
  return {
    port: engine,
    tableName,
    async cleanup() {
      await engine.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
});
