/**
 * The DynamoDB behaviour the store relies on, as a suite that runs against any `DynamoPort`: the
 * in-process engine (`engine_test.ts`) and DynamoDB Local (`dynamodb_local_test.ts`), so the
 * engine cannot drift from DynamoDB.
 *
 * Every case gets a fresh table made by `makePort` (our table definition: `pk`/`sk` strings and
 * the `gsi1` index over `gsi1pk`/`gsi1sk`, projection ALL). Nothing here may depend on the
 * engine: capacity assertions use only what DynamoDB and DynamoDB Local agree on (the exact
 * rules are tested in `src/engine/capacity_test.ts`).
 *
 * @module
 */
import { batchTransactionCases } from "./batch_transaction_contract.ts";
import { capacityCases } from "./capacity_contract.ts";
import type { ContractTable, ContractTest } from "./contract_support.ts";
import { itemCases } from "./items_contract.ts";
import { limitCases } from "./limits_contract.ts";
import { readCases } from "./read_contract.ts";

export type { ContractTable } from "./contract_support.ts";

/**
 * Registers the contract cases for one backend.
 *
 * @param backendName shown in test names
 * @param makePort creates a fresh table (and port) per case
 */
export function dynamoContract(
  backendName: string,
  makePort: () => Promise<ContractTable>,
): void {
  const test: ContractTest = (name, fn) => {
    Deno.test(`dynamo contract (${backendName}): ${name}`, async () => {
      const { port, tableName, cleanup } = await makePort();
      try {
        await fn(port, tableName);
      } finally {
        await cleanup();
      }
    });
  };
  itemCases(test);
  readCases(test);
  batchTransactionCases(test);
  capacityCases(test);
  limitCases(test);
}
