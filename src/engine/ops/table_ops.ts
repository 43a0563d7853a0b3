/**
 * CreateTable, DescribeTable, DeleteTable and UpdateTimeToLive. Tables are ACTIVE at once.
 *
 * @module
 */
import type {
  CreateTableCommandInput,
  CreateTableCommandOutput,
  DeleteTableCommandInput,
  DeleteTableCommandOutput,
  DescribeTableCommandInput,
  DescribeTableCommandOutput,
  UpdateTimeToLiveCommandInput,
  UpdateTimeToLiveCommandOutput,
} from "@aws-sdk/client-dynamodb";
import { resourceInUse, validationError } from "../errors.ts";
import { checkName, describeSchema, schemaFromCreateTable } from "../schema.ts";
import type { EngineState } from "../state.ts";

type Out<T> = Omit<T, "$metadata">;

/** CreateTable. */
export async function createTable(
  state: EngineState,
  input: CreateTableCommandInput,
): Promise<Out<CreateTableCommandOutput>> {
  state.begin("createTable");
  const schema = schemaFromCreateTable(input, state.now());
  if (state.tables.has(schema.name)) throw resourceInUse(`Table already exists: ${schema.name}`);
  await state.commit([{ op: "createTable", schema }]);
  return { TableDescription: describeSchema(schema, state.table(schema.name).counts()) };
}

/** DescribeTable. */
export async function describeTable(
  state: EngineState,
  input: DescribeTableCommandInput,
): Promise<Out<DescribeTableCommandOutput>> {
  state.begin("describeTable");
  checkName(input.TableName);
  const table = state.table(input.TableName);
  const description = describeSchema(table.schema, table.counts());
  await state.settled();
  return { Table: description };
}

/** DeleteTable (the table is gone when the call returns). */
export async function deleteTable(
  state: EngineState,
  input: DeleteTableCommandInput,
): Promise<Out<DeleteTableCommandOutput>> {
  state.begin("deleteTable");
  checkName(input.TableName);
  const table = state.table(input.TableName);
  const description = describeSchema(table.schema, table.counts(), "DELETING");
  await state.commit([{ op: "deleteTable", table: table.schema.name }]);
  return { TableDescription: description };
}

/** UpdateTimeToLive: stores the spec; expired items then read as absent. */
export async function updateTimeToLive(
  state: EngineState,
  input: UpdateTimeToLiveCommandInput,
): Promise<Out<UpdateTimeToLiveCommandOutput>> {
  state.begin("updateTimeToLive");
  checkName(input.TableName);
  const table = state.table(input.TableName);
  const spec = input.TimeToLiveSpecification;
  if (!spec || typeof spec.Enabled !== "boolean" || !spec.AttributeName) {
    throw validationError(
      "1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null",
    );
  }
  const current = table.schema.ttl;
  if (current?.enabled && current.attributeName !== spec.AttributeName) {
    throw validationError("TimeToLive is active on a different AttributeName");
  }
  if (spec.Enabled && current?.enabled) throw validationError("TimeToLive is already enabled");
  if (!spec.Enabled && !current?.enabled) throw validationError("TimeToLive is already disabled");
  await state.commit([{
    op: "ttl",
    table: table.schema.name,
    ttl: { attributeName: spec.AttributeName, enabled: spec.Enabled },
  }]);
  return { TimeToLiveSpecification: { AttributeName: spec.AttributeName, Enabled: spec.Enabled } };
}
