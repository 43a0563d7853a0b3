/**
 * {@link DynamoPort} backed by the AWS SDK: real AWS, DynamoDB Local or any compatible endpoint.
 *
 * @module
 */
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import type { DynamoPort } from "./port.ts";

/** Creates a port over a new SDK client. Retries are left to {@link ./retry.ts}. */
export function sdkPort(config: DynamoDBClientConfig): DynamoPort {
  const client = new DynamoDBClient({ maxAttempts: 1, ...config });
  return {
    getItem: (i) => client.send(new GetItemCommand(i)),
    putItem: (i) => client.send(new PutItemCommand(i)),
    updateItem: (i) => client.send(new UpdateItemCommand(i)),
    deleteItem: (i) => client.send(new DeleteItemCommand(i)),
    query: (i) => client.send(new QueryCommand(i)),
    scan: (i) => client.send(new ScanCommand(i)),
    batchGetItem: (i) => client.send(new BatchGetItemCommand(i)),
    batchWriteItem: (i) => client.send(new BatchWriteItemCommand(i)),
    transactWriteItems: (i) => client.send(new TransactWriteItemsCommand(i)),
    transactGetItems: (i) => client.send(new TransactGetItemsCommand(i)),
    createTable: (i) => client.send(new CreateTableCommand(i)),
    describeTable: (i) => client.send(new DescribeTableCommand(i)),
    deleteTable: (i) => client.send(new DeleteTableCommand(i)),
    updateTimeToLive: (i) => client.send(new UpdateTimeToLiveCommand(i)),
    close: () => {
      client.destroy();
      return Promise.resolve();
    },
  };
}
