/**
 * {@link DynamoPort} backed by the AWS SDK: real AWS, DynamoDB Local or any compatible endpoint.
 *
 * Every call has a connection timeout and a request timeout (the SDK sets none by default, so a
 * stalled backend held requests for as long as it stalled). A timed-out call fails with a
 * `TimeoutError`, which {@link ./retry.ts} retries and finally answers with 503.
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

/** Timeouts of every SDK call, in milliseconds. */
export interface SdkTimeouts {
  /** Time to establish a connection. */
  connectMs: number;
  /** Time from sending a request to its complete answer. */
  requestMs: number;
}

/** Defaults: DynamoDB answers in milliseconds; a 1 MB Query page takes well under a second. */
export const DEFAULT_TIMEOUTS: SdkTimeouts = { connectMs: 2000, requestMs: 5000 };

/** Env vars (seconds, like MLflow's `MLFLOW_HTTP_REQUEST_TIMEOUT`) that override the defaults. */
export const TIMEOUT_ENV = {
  connect: "MLFLOW_DYNAMODB_CONNECT_TIMEOUT",
  request: "MLFLOW_DYNAMODB_REQUEST_TIMEOUT",
} as const;

/** Reads the timeouts from `env`; throws a `RangeError` naming the variable for a bad value. */
export function timeoutsFromEnv(env: Record<string, string | undefined>): SdkTimeouts {
  const read = (name: string, fallbackMs: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallbackMs;
    const seconds = Number(raw);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new RangeError(`${name} must be a positive number of seconds, got "${raw}"`);
    }
    return Math.round(seconds * 1000);
  };
  return {
    connectMs: read(TIMEOUT_ENV.connect, DEFAULT_TIMEOUTS.connectMs),
    requestMs: read(TIMEOUT_ENV.request, DEFAULT_TIMEOUTS.requestMs),
  };
}

/** Creates a port over a new SDK client. Retries are left to {@link ./retry.ts}. */
export function sdkPort(
  config: DynamoDBClientConfig,
  timeouts: SdkTimeouts = DEFAULT_TIMEOUTS,
): DynamoPort {
  const client = new DynamoDBClient({
    maxAttempts: 1,
    // Options, not an instance: the SDK builds its default handler (Node's) with them.
    requestHandler: {
      connectionTimeout: timeouts.connectMs,
      requestTimeout: timeouts.requestMs,
      throwOnRequestTimeout: true,
    },
    ...config,
  });
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
