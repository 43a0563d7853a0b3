/**
 * Real-AWS smoke test: ensures the table named by `MLFLOW_DYNAMODB_TEST_TABLE` exists (creating it
 * with our definition if missing), then does a put/get/query round trip on items it owns and
 * deletes only those items. Never deletes the table or any item it did not write.
 *
 * Runs only when `awsSmokeSkipReason()` (`tests/support/aws_env.ts`, the rule the runner also
 * uses) finds a table, credentials and a region; see docs/testing.md.
 *
 * @module
 */
import assert from "node:assert/strict";
import { sdkPort } from "../../src/dynamo/sdk_port.ts";
import { checkTable, ensureTable } from "../../src/dynamo/table.ts";
import { PK, SK, TTL_ATTRIBUTE } from "../../src/keys/key_schema.ts";
import { awsSmokeSkipReason } from "../support/aws_env.ts";

const skip = awsSmokeSkipReason();

Deno.test({
  name: "real AWS: ensureTable, then put/get/query/delete on the test's own items",
  ignore: skip !== undefined,
  async fn() {
    const tableName = Deno.env.get("MLFLOW_DYNAMODB_TEST_TABLE")!;
    const region = Deno.env.get("AWS_REGION") ?? Deno.env.get("AWS_DEFAULT_REGION");
    const port = sdkPort(region ? { region } : {});
    const pk = `SMOKE#${crypto.randomUUID()}`;
    // A TTL as a safety net: if the delete below never runs, DynamoDB removes the items anyway.
    const expiresAt = { N: String(Math.floor(Date.now() / 1000) + 3600) };
    try {
      await ensureTable(port, tableName);
      await checkTable(port, tableName);
      for (const sk of ["A", "B"]) {
        await port.putItem({
          TableName: tableName,
          Item: {
            [PK]: { S: pk },
            [SK]: { S: sk },
            v: { S: `value-${sk}` },
            [TTL_ATTRIBUTE]: expiresAt,
          },
          ConditionExpression: "attribute_not_exists(#pk)",
          ExpressionAttributeNames: { "#pk": PK },
        });
      }
      const got = await port.getItem({
        TableName: tableName,
        Key: { [PK]: { S: pk }, [SK]: { S: "A" } },
        ConsistentRead: true,
      });
      assert.equal(got.Item?.v?.S, "value-A");
      const queried = await port.query({
        TableName: tableName,
        KeyConditionExpression: "#pk = :pk",
        ExpressionAttributeNames: { "#pk": PK },
        ExpressionAttributeValues: { ":pk": { S: pk } },
        ConsistentRead: true,
      });
      assert.deepEqual(queried.Items?.map((i) => i[SK]?.S), ["A", "B"]);
    } finally {
      for (const sk of ["A", "B"]) {
        await port.deleteItem({ TableName: tableName, Key: { [PK]: { S: pk }, [SK]: { S: sk } } })
          .catch((e) => console.error(`cleanup of ${pk}/${sk} failed: ${e}`));
      }
      await port.close();
    }
  },
});
