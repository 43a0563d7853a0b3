/**
 * The table definition, its idempotent create/upgrade, and the start-up check.
 *
 * @module
 */
import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import {
  GSI1,
  GSI1_PK,
  GSI1_SK,
  PK,
  SCHEMA_VERSION,
  schemaKey,
  SK,
  TTL_ATTRIBUTE,
} from "../keys/key_schema.ts";
import type { DynamoPort } from "./port.ts";

/** The CreateTable request for our single table (on-demand capacity). */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: PK, AttributeType: "S" },
      { AttributeName: SK, AttributeType: "S" },
      { AttributeName: GSI1_PK, AttributeType: "S" },
      { AttributeName: GSI1_SK, AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: PK, KeyType: "HASH" },
      { AttributeName: SK, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [{
      IndexName: GSI1,
      KeySchema: [
        { AttributeName: GSI1_PK, KeyType: "HASH" },
        { AttributeName: GSI1_SK, KeyType: "RANGE" },
      ],
      Projection: { ProjectionType: "ALL" },
    }],
  };
}

/** Raised when the table is missing or was made for another schema version. */
export class TableCheckError extends Error {
  override name = "TableCheckError";
}

function errorName(e: unknown): string {
  return e instanceof Error ? e.name : "";
}

/**
 * Creates the table if missing, waits until it is active, enables TTL and writes the schema
 * version item. Safe to run any number of times, also concurrently.
 */
export async function ensureTable(port: DynamoPort, tableName: string): Promise<void> {
  try {
    await port.createTable(tableDefinition(tableName));
  } catch (e) {
    if (errorName(e) !== "ResourceInUseException") throw e;
  }
  for (let i = 0; i < 600; i++) {
    const { Table } = await port.describeTable({ TableName: tableName });
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every((g) =>
      g.IndexStatus === "ACTIVE"
    );
    if (Table?.TableStatus === "ACTIVE" && indexesActive) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    await port.updateTimeToLive({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    });
  } catch (e) {
    // Already enabled (AWS answers ValidationException when TTL is unchanged).
    if (errorName(e) !== "ValidationException") throw e;
  }
  const { pk, sk } = schemaKey();
  try {
    await port.putItem({
      TableName: tableName,
      Item: {
        [PK]: { S: pk },
        [SK]: { S: sk },
        version: { N: String(SCHEMA_VERSION) },
        created_at: { N: String(Date.now()) },
      },
      ConditionExpression: "attribute_not_exists(#pk) OR #v <= :v",
      ExpressionAttributeNames: { "#pk": PK, "#v": "version" },
      ExpressionAttributeValues: { ":v": { N: String(SCHEMA_VERSION) } },
    });
  } catch (e) {
    if (errorName(e) === "ConditionalCheckFailedException") {
      throw new TableCheckError(
        `Table "${tableName}" has a newer schema version than this server (${SCHEMA_VERSION}); upgrade the server`,
      );
    }
    throw e;
  }
}

/** Verifies at start-up that the table exists and carries our schema version. */
export async function checkTable(port: DynamoPort, tableName: string): Promise<void> {
  let described;
  try {
    described = await port.describeTable({ TableName: tableName });
  } catch (e) {
    if (errorName(e) === "ResourceNotFoundException") {
      throw new TableCheckError(
        `Table "${tableName}" does not exist: create it with "deno task table --backend-store-uri ..."`,
      );
    }
    throw e;
  }
  const keys = described.Table?.KeySchema?.map((k) => `${k.AttributeName}:${k.KeyType}`).join(",");
  const hasIndex = described.Table?.GlobalSecondaryIndexes?.some((g) => g.IndexName === GSI1);
  if (keys !== `${PK}:HASH,${SK}:RANGE` || !hasIndex) {
    throw new TableCheckError(
      `Table "${tableName}" has a different key schema (${keys}); it was not made by this server`,
    );
  }
  const { Item } = await port.getItem({
    TableName: tableName,
    Key: { [PK]: { S: schemaKey().pk }, [SK]: { S: schemaKey().sk } },
    ConsistentRead: true,
  });
  const version = Item?.version?.N;
  if (version === undefined) {
    throw new TableCheckError(
      `Table "${tableName}" has no schema version item: run "deno task table --backend-store-uri ..."`,
    );
  }
  if (Number(version) !== SCHEMA_VERSION) {
    throw new TableCheckError(
      `Table "${tableName}" has schema version ${version}, this server needs ${SCHEMA_VERSION}: run "deno task table"`,
    );
  }
}
