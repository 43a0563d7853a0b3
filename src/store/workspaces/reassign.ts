/**
 * `DELETE workspaces/<ws>?mode=SET_DEFAULT`: MLflow's reassignment of a workspace's resources to
 * the default workspace before the workspace goes. First a preflight lists every name that the
 * default workspace already holds (MLflow's `_check_set_default_conflicts`: 500 `INVALID_STATE`
 * naming them, nothing moved); then each experiment and registered model moves with one
 * transaction (the default name guard is put on the condition that it is free, the workspace's
 * guard deleted, the record re-keyed into the default listing), its tag items follow,
 * evaluation datasets drop their workspace, webhooks move to the default partition (put there,
 * then deleted here: a rerun after a failure moves the rest), and AI Gateway items are re-keyed
 * into the default workspace's partitions (`reassign_gateway.ts`), and jobs drop their workspace. A name taken concurrently
 * between the preflight and the move stops the reassignment with the same error; what moved stays
 * moved (rerun to finish).
 *
 * @module
 */
import { queryAll } from "../../dynamo/batch.ts";
import {
  EVAL_DATASETS_GSI1_PK,
  experimentKey,
  experimentNameKey,
  experimentsGsi1Pk,
  GSI1,
  registeredModelKey,
  registeredModelNameKey,
  registeredModelsGsi1Pk,
  webhookKey,
  webhooksPk,
} from "../../keys/key_schema.ts";
import { MlflowError } from "../../errors.ts";
import { DEFAULT_WORKSPACE } from "../../util/workspace_context.ts";
import { pooledMap } from "../../util/pool.ts";
import { type Db, isConditionFailure, type RawItem, rawKey, toItem } from "../db.ts";
import { isExperimentRecord } from "../experiments/experiment_item.ts";
import { JobStore } from "../jobs/job_store.ts";
import { gatewayNameConflicts, moveGatewayToDefault } from "./reassign_gateway.ts";

interface Movable {
  table: "experiments" | "registered_models";
  name: string;
  record: RawItem;
}

async function listing(db: Db, pk: string): Promise<RawItem[]> {
  return await queryAll(db.port, {
    TableName: db.table,
    IndexName: GSI1,
    KeyConditionExpression: "gsi1pk = :pk",
    ExpressionAttributeValues: { ":pk": { S: pk } },
  });
}

function conflictError(workspace: string, conflicts: string[]): MlflowError {
  return new MlflowError(
    "INVALID_STATE",
    `Cannot reassign resources from workspace '${workspace}' to '${DEFAULT_WORKSPACE}': the ` +
      `following names already exist in the default workspace and would cause conflicts:\n` +
      `${conflicts.join("\n")}\nRename or remove the conflicting resources before retrying.`,
  );
}

function guardKey(m: Movable, workspace: string) {
  return m.table === "experiments"
    ? experimentNameKey(m.name, workspace)
    : registeredModelNameKey(m.name, workspace);
}

/**
 * Moves every experiment, registered model, dataset, webhook and job of `workspace`, and its AI
 * Gateway configuration (`reassign_gateway.ts`), to the default one.
 */
export async function reassignToDefault(db: Db, workspace: string): Promise<void> {
  const experimentItems = await listing(db, experimentsGsi1Pk(workspace));
  const movables: Movable[] = [
    ...experimentItems.filter(isExperimentRecord).map((record) => ({
      table: "experiments" as const,
      name: record.name!.S!,
      record,
    })),
    ...(await listing(db, registeredModelsGsi1Pk(workspace))).map((record) => ({
      table: "registered_models" as const,
      name: record.name!.S!,
      record,
    })),
  ];
  const taken = await pooledMap(movables, async (m) => {
    const { Item } = await db.port.getItem({
      TableName: db.table,
      Key: rawKey(guardKey(m, DEFAULT_WORKSPACE)),
      ConsistentRead: true,
    });
    return Item !== undefined;
  });
  const conflicts = [
    ...movables.filter((_, i) => taken[i]).map((m) => `  - ${m.table}: '${m.name}'`),
    ...await gatewayNameConflicts(db, workspace),
  ];
  if (conflicts.length > 0) throw conflictError(workspace, conflicts);

  for (const m of movables) {
    const id = m.table === "experiments" ? m.record.experiment_id!.S! : m.record.uid!.S!;
    const key = m.table === "experiments" ? experimentKey(id) : registeredModelKey(id);
    const guard = m.table === "experiments" ? { experiment_id: id } : { uid: id };
    try {
      await db.port.transactWriteItems({
        TransactItems: [
          {
            Put: {
              TableName: db.table,
              Item: toItem({ ...guardKey(m, DEFAULT_WORKSPACE), ...guard }),
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          { Delete: { TableName: db.table, Key: rawKey(guardKey(m, workspace)) } },
          {
            Update: {
              TableName: db.table,
              Key: rawKey(key),
              UpdateExpression: "SET gsi1pk = :pk REMOVE workspace",
              ConditionExpression: "workspace = :ws",
              ExpressionAttributeValues: {
                ":pk": {
                  S: m.table === "experiments" ? experimentsGsi1Pk() : registeredModelsGsi1Pk(),
                },
                ":ws": { S: workspace },
              },
            },
          },
        ],
      });
    } catch (e) {
      if (isConditionFailure(e)) throw conflictError(workspace, [`  - ${m.table}: '${m.name}'`]);
      throw e;
    }
  }
  // Tag items of the moved experiments follow their records into the default listing.
  await pooledMap(
    experimentItems.filter((i) => !isExperimentRecord(i)),
    (tag) =>
      db.port.updateItem({
        TableName: db.table,
        Key: { pk: tag.pk!, sk: tag.sk! },
        UpdateExpression: "SET gsi1pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: experimentsGsi1Pk() } },
      }),
  );
  const datasets = (await listing(db, EVAL_DATASETS_GSI1_PK))
    .filter((d) => d.workspace?.S === workspace);
  await pooledMap(datasets, (d) =>
    db.port.updateItem({
      TableName: db.table,
      Key: { pk: d.pk!, sk: d.sk! },
      UpdateExpression: "REMOVE workspace",
    }));
  const hooks = await queryAll(db.port, {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": { S: webhooksPk(workspace) } },
    ConsistentRead: true,
  });
  await pooledMap(hooks, async (h) => {
    const id = h.sk!.S!;
    await db.port.putItem({
      TableName: db.table,
      Item: { ...h, ...rawKey(webhookKey(id, DEFAULT_WORKSPACE)) },
    });
    await db.port.deleteItem({ TableName: db.table, Key: rawKey(webhookKey(id, workspace)) });
  });
  await moveGatewayToDefault(db, workspace, (line) => conflictError(workspace, [line]));
  const jobs = new JobStore(db);
  await pooledMap(
    await jobs.inWorkspace(workspace),
    (j) => jobs.moveToDefault(j.job_id, workspace),
  );
}
