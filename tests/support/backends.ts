/**
 * The DynamoDB backends that store and contract tests run against.
 *
 * - `engine`: the in-process engine (`createEngine()` from `src/engine/mod.ts`), always.
 * - `dynamodb-local`: DynamoDB Local at `DYNAMODB_LOCAL_ENDPOINT`, when that variable is set
 *   (the test runner sets it in its DynamoDB Local tier).
 *
 * `TEST_BACKENDS=engine,dynamodb-local` (comma list) narrows the set; the runner uses it so the
 * DynamoDB Local tier does not repeat the engine runs.
 *
 * @example
 * ```ts
 * for (const backend of testBackends()) {
 *   Deno.test(`store works on ${backend.name}`, async () => {
 *     const { port, tableName, cleanup } = await backend.makePort();
 *     try {
 *       // ...
 *     } finally {
 *       await cleanup();
 *     }
 *   });
 * }
 * ```
 *
 * @module
 */
import type { DynamoPort } from "../../src/dynamo/port.ts";
import { sdkPort } from "../../src/dynamo/sdk_port.ts";
import { ensureTable } from "../../src/dynamo/table.ts";
import { createEngine } from "../../src/engine/mod.ts";
import {
  allCompactionsIdle,
  cancelIdleSweeps,
} from "../../src/store/metrics/compaction_scheduler.ts";
import { LOCAL_CLIENT_CONFIG } from "./dynamodb_local.ts";

/** A fresh table on a backend, and how to get rid of it. */
export interface TestTable {
  port: DynamoPort;
  tableName: string;
  /** Deletes the table and closes the port. */
  cleanup(): Promise<void>;
}

/** One backend the shared suites run against. */
export interface TestBackend {
  name: "engine" | "dynamodb-local";
  /** Creates a uniquely named table (with {@link ensureTable}) on a new port. */
  makePort(): Promise<TestTable>;
}

/** Env var naming a running DynamoDB Local, e.g. `http://127.0.0.1:8123`. */
export const DYNAMODB_LOCAL_ENDPOINT = "DYNAMODB_LOCAL_ENDPOINT";

/** A table name no other test file (or test) will use. */
export function uniqueTableName(prefix = "mlflow_test"): string {
  return `${prefix}_${Date.now().toString(36)}_${crypto.randomUUID().slice(0, 8)}`;
}

async function freshTable(port: DynamoPort): Promise<TestTable> {
  const tableName = uniqueTableName();
  try {
    await ensureTable(port, tableName);
  } catch (e) {
    await port.close();
    throw e;
  }
  return {
    port,
    tableName,
    async cleanup() {
      try {
        cancelIdleSweeps(); // no idle-time compaction of this table after it is gone
        await allCompactionsIdle(); // background history compaction queued by the test
        await port.deleteTable({ TableName: tableName });
      } catch (e) {
        if (!(e instanceof Error && e.name === "ResourceNotFoundException")) throw e;
      } finally {
        await port.close();
      }
    },
  };
}

/** The in-process engine backend. */
export const engineBackend: TestBackend = {
  name: "engine",
  async makePort() {
    return await freshTable(await createEngine());
  },
};

/** A backend for the DynamoDB Local instance at `endpoint`. */
export function dynamoDbLocalBackend(endpoint: string): TestBackend {
  return {
    name: "dynamodb-local",
    makePort: () => freshTable(sdkPort({ endpoint, ...LOCAL_CLIENT_CONFIG })),
  };
}

/** The DynamoDB Local endpoint from the environment, if any. */
export function dynamoDbLocalEndpoint(): string | undefined {
  return Deno.env.get(DYNAMODB_LOCAL_ENDPOINT) || undefined;
}

/** The backends to run store and contract tests against (see the module docs). */
export function testBackends(): TestBackend[] {
  const backends: TestBackend[] = [engineBackend];
  const endpoint = dynamoDbLocalEndpoint();
  if (endpoint) backends.push(dynamoDbLocalBackend(endpoint));
  const only = Deno.env.get("TEST_BACKENDS")?.split(",").map((s) => s.trim()).filter(Boolean);
  return only?.length ? backends.filter((b) => only.includes(b.name)) : backends;
}
