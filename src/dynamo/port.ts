/**
 * The narrow DynamoDB interface the store is written against.
 *
 * Two implementations exist: {@link ../dynamo/sdk_port.ts} (the AWS SDK, for AWS and DynamoDB Local)
 * and the in-process engine in `src/engine/`. Inputs and outputs are the AWS SDK's own types, and
 * both implementations throw the SDK's exception classes, so store code cannot tell them apart.
 *
 * @module
 */
import type {
  BatchGetItemCommandInput,
  BatchGetItemCommandOutput,
  BatchWriteItemCommandInput,
  BatchWriteItemCommandOutput,
  CreateTableCommandInput,
  CreateTableCommandOutput,
  DeleteItemCommandInput,
  DeleteItemCommandOutput,
  DeleteTableCommandInput,
  DeleteTableCommandOutput,
  DescribeTableCommandInput,
  DescribeTableCommandOutput,
  GetItemCommandInput,
  GetItemCommandOutput,
  PutItemCommandInput,
  PutItemCommandOutput,
  QueryCommandInput,
  QueryCommandOutput,
  ScanCommandInput,
  ScanCommandOutput,
  TransactGetItemsCommandInput,
  TransactGetItemsCommandOutput,
  TransactWriteItemsCommandInput,
  TransactWriteItemsCommandOutput,
  UpdateItemCommandInput,
  UpdateItemCommandOutput,
  UpdateTimeToLiveCommandInput,
  UpdateTimeToLiveCommandOutput,
} from "@aws-sdk/client-dynamodb";

/** Output types without the SDK's `$metadata`, which the engine has no use for. */
type Out<T> = Omit<T, "$metadata">;

/** The subset of DynamoDB operations the server uses. */
export interface DynamoPort {
  getItem(input: GetItemCommandInput): Promise<Out<GetItemCommandOutput>>;
  putItem(input: PutItemCommandInput): Promise<Out<PutItemCommandOutput>>;
  updateItem(input: UpdateItemCommandInput): Promise<Out<UpdateItemCommandOutput>>;
  deleteItem(input: DeleteItemCommandInput): Promise<Out<DeleteItemCommandOutput>>;
  query(input: QueryCommandInput): Promise<Out<QueryCommandOutput>>;
  scan(input: ScanCommandInput): Promise<Out<ScanCommandOutput>>;
  batchGetItem(input: BatchGetItemCommandInput): Promise<Out<BatchGetItemCommandOutput>>;
  batchWriteItem(input: BatchWriteItemCommandInput): Promise<Out<BatchWriteItemCommandOutput>>;
  transactWriteItems(
    input: TransactWriteItemsCommandInput,
  ): Promise<Out<TransactWriteItemsCommandOutput>>;
  transactGetItems(
    input: TransactGetItemsCommandInput,
  ): Promise<Out<TransactGetItemsCommandOutput>>;
  createTable(input: CreateTableCommandInput): Promise<Out<CreateTableCommandOutput>>;
  describeTable(input: DescribeTableCommandInput): Promise<Out<DescribeTableCommandOutput>>;
  deleteTable(input: DeleteTableCommandInput): Promise<Out<DeleteTableCommandOutput>>;
  updateTimeToLive(
    input: UpdateTimeToLiveCommandInput,
  ): Promise<Out<UpdateTimeToLiveCommandOutput>>;
  /** Releases connections, file handles and timers. */
  close(): Promise<void>;
}
