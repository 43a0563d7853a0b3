/**
 * Contract cases: DynamoDB's limits on keys and attribute names. Data written on the embedded
 * engine must be writable to DynamoDB, so the engine refuses what DynamoDB refuses: key values
 * over 2,048 bytes (partition) and 1,024 bytes (sort), on the table and on the `gsi1` index; empty
 * key strings; empty attribute names; attribute names of 64 KB or more; lone UTF-16 surrogates in
 * attribute names. Each refused write leaves nothing behind.
 *
 * Where DynamoDB Local answers `InternalFailure` instead of a ValidationException (it cannot
 * parse such names at all), the case only asserts that the write is refused and nothing stored.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { DynamoPort } from "../../src/dynamo/port.ts";
import { type ContractTest, type Item, key, rejectsWith, s } from "./contract_support.ts";

const HASH_KEY_SIZE = /2048 bytes/;
const RANGE_KEY_SIZE = /1024 bytes/;
const INDEX_KEY_SIZE = /^One or more parameter values were invalid: Size limit exceeded/;

/** `n` bytes of UTF-8 made of two-byte characters (plus one ASCII byte when `n` is odd). */
function bytes(n: number): string {
  return "é".repeat(Math.floor(n / 2)) + (n % 2 ? "a" : "");
}

async function absent(port: DynamoPort, table: string, k: Item): Promise<void> {
  const { Item: got } = await port.getItem({ TableName: table, Key: k, ConsistentRead: true });
  assert.equal(got, undefined, "a refused write must store nothing");
}

/** The write fails (ValidationException on the engine; DynamoDB Local may fail harder). */
async function refused(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof Error);
    assert.ok(
      ["ValidationException", "InternalFailure"].includes(e.name),
      `unexpected ${e.name}: ${e.message}`,
    );
    return;
  }
  assert.fail("the write was accepted");
}

/** Registers the cases with `test`. */
export function limitCases(test: ContractTest): void {
  test(
    "table keys: 2,048 bytes of partition key and 1,024 of sort key, counted in UTF-8",
    async (port, table) => {
      await port.putItem({ TableName: table, Item: key(bytes(2048), bytes(1024)) });
      const { Item: got } = await port.getItem({
        TableName: table,
        Key: key(bytes(2048), bytes(1024)),
        ConsistentRead: true,
      });
      assert.equal(got?.pk?.S, bytes(2048));
      await rejectsWith(
        port.putItem({ TableName: table, Item: key(bytes(2049), "x") }),
        "ValidationException",
        HASH_KEY_SIZE,
      );
      await rejectsWith(
        port.putItem({ TableName: table, Item: key("x", bytes(1025)) }),
        "ValidationException",
        RANGE_KEY_SIZE,
      );
      await rejectsWith(
        port.getItem({ TableName: table, Key: key(bytes(2049), "x") }),
        "ValidationException",
        HASH_KEY_SIZE,
      );
      await rejectsWith(
        port.updateItem({
          TableName: table,
          Key: key("x", bytes(1025)),
          UpdateExpression: "SET v = :v",
          ExpressionAttributeValues: { ":v": s("v") },
        }),
        "ValidationException",
        RANGE_KEY_SIZE,
      );
      await absent(port, table, key("x", "x"));
    },
  );

  test(
    "index keys: gsi1pk over 2,048 bytes and gsi1sk over 1,024 are refused by every write",
    async (port, table) => {
      const ok = { ...key("ix", "ok"), gsi1pk: s(bytes(2048)), gsi1sk: s(bytes(1024)) };
      await port.putItem({ TableName: table, Item: ok });
      const { Items } = await port.query({
        TableName: table,
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :p",
        ExpressionAttributeValues: { ":p": s(bytes(2048)) },
      });
      assert.equal(Items?.length, 1);

      const longPk = { ...key("ix", "pk"), gsi1pk: s(bytes(2049)), gsi1sk: s("x") };
      const longSk = { ...key("ix", "sk"), gsi1pk: s("p"), gsi1sk: s(bytes(1025)) };
      for (const item of [longPk, longSk]) {
        await rejectsWith(
          port.putItem({ TableName: table, Item: item }),
          "ValidationException",
          INDEX_KEY_SIZE,
        );
        await rejectsWith(
          port.batchWriteItem({ RequestItems: { [table]: [{ PutRequest: { Item: item } }] } }),
          "ValidationException",
          INDEX_KEY_SIZE,
        );
      }
      await rejectsWith(
        port.updateItem({
          TableName: table,
          Key: key("ix", "upd"),
          UpdateExpression: "SET gsi1pk = :p, gsi1sk = :s",
          ExpressionAttributeValues: { ":p": s("p"), ":s": s(bytes(1025)) },
        }),
        "ValidationException",
        INDEX_KEY_SIZE,
      );
      await rejectsWith(
        port.updateItem({
          TableName: table,
          Key: key("ix", "ok"),
          UpdateExpression: "SET gsi1pk = :p",
          ExpressionAttributeValues: { ":p": s(bytes(2049)) },
        }),
        "ValidationException",
        INDEX_KEY_SIZE,
      );
      // In a transaction it is a plain ValidationException, and the other action is not applied.
      await rejectsWith(
        port.transactWriteItems({
          TransactItems: [
            { Put: { TableName: table, Item: key("ix", "txn") } },
            { Put: { TableName: table, Item: longSk } },
          ],
        }),
        "ValidationException",
        INDEX_KEY_SIZE,
      );
      for (const k of ["pk", "sk", "upd", "txn"]) await absent(port, table, key("ix", k));
      const { Item: kept } = await port.getItem({
        TableName: table,
        Key: key("ix", "ok"),
        ConsistentRead: true,
      });
      assert.equal(kept?.gsi1pk?.S, bytes(2048), "a refused update leaves the item as it was");
    },
  );

  test("empty strings are refused in table and index key attributes", async (port, table) => {
    await rejectsWith(
      port.putItem({ TableName: table, Item: key("", "x") }),
      "ValidationException",
      /cannot contain an empty string value\. Key: pk/,
    );
    await rejectsWith(
      port.putItem({ TableName: table, Item: key("x", "") }),
      "ValidationException",
      /cannot contain an empty string value\. Key: sk/,
    );
    await rejectsWith(
      port.putItem({ TableName: table, Item: { ...key("x", "y"), gsi1pk: s(""), gsi1sk: s("z") } }),
      "ValidationException",
      /secondary index key is not supported.*empty string value\. IndexName: gsi1, IndexKey: gsi1pk/,
    );
    await rejectsWith(
      port.putItem({ TableName: table, Item: { ...key("x", "y"), gsi1pk: s("p"), gsi1sk: s("") } }),
      "ValidationException",
      /IndexKey: gsi1sk/,
    );
    await absent(port, table, key("x", "y"));
  });

  test(
    "empty attribute names are refused: top level, map keys, expression names and values",
    async (port, table) => {
      await rejectsWith(
        port.putItem({ TableName: table, Item: { ...key("n", "1"), "": s("v") } }),
        "ValidationException",
        /^Empty attribute name$/,
      );
      await rejectsWith(
        port.putItem({ TableName: table, Item: { ...key("n", "1"), m: { M: { "": s("v") } } } }),
        "ValidationException",
        /^Empty attribute name$/,
      );
      await rejectsWith(
        port.updateItem({
          TableName: table,
          Key: key("n", "1"),
          UpdateExpression: "SET m = :m",
          ExpressionAttributeValues: { ":m": { M: { "": s("v") } } },
        }),
        "ValidationException",
        /^ExpressionAttributeValues contains invalid value: Empty attribute name for key :m$/,
      );
      await rejectsWith(
        port.updateItem({
          TableName: table,
          Key: key("n", "1"),
          UpdateExpression: "SET m.#k = :v",
          ExpressionAttributeNames: { "#k": "" },
          ExpressionAttributeValues: { ":v": s("v") },
        }),
        "ValidationException",
        /^ExpressionAttributeNames contains invalid value: Empty attribute name for key #k$/,
      );
      await absent(port, table, key("n", "1"));
    },
  );

  test("attribute names must be under 65,536 bytes", async (port, table) => {
    const write = (name: string) =>
      port.putItem({
        TableName: table,
        Item: key("big", "1"),
        ConditionExpression: "attribute_not_exists(#k)",
        ExpressionAttributeNames: { "#k": name },
      });
    await rejectsWith(
      write(bytes(65536)),
      "ValidationException",
      /^ExpressionAttributeNames contains invalid value: Attribute name is too large, must be less than 65536 bytes for key #k$/,
    );
    await absent(port, table, key("big", "1"));
    await write(bytes(65535));
    // In an item, DynamoDB Local cannot even parse such a name (InternalFailure).
    await port.deleteItem({ TableName: table, Key: key("big", "1") });
    await refused(
      port.putItem({
        TableName: table,
        Item: { ...key("big", "1"), m: { M: { [bytes(65536)]: s("v") } } },
      }),
    );
    await absent(port, table, key("big", "1"));
  });

  test("a lone UTF-16 surrogate in an item's attribute name is refused", async (port, table) => {
    await refused(
      port.putItem({
        TableName: table,
        Item: { ...key("sur", "1"), m: { M: { "\ud800": s("v") } } },
      }),
    );
    await refused(
      port.putItem({ TableName: table, Item: { ...key("sur", "2"), "\udc00x": s("v") } }),
    );
    await absent(port, table, key("sur", "1"));
    await absent(port, table, key("sur", "2"));
  });
}
