/**
 * What keeps a workspace from a RESTRICT delete, as MLflow 3.17.2 checks it
 * (`_WORKSPACE_ROOT_MODELS` in `store/workspace/sqlalchemy_store.py`): the first of its tables,
 * in MLflow's order, that still holds resources of the workspace, with their number
 * (`Cannot delete workspace '<ws>': table '<table>' still contains <n> resource(s).`). Each table
 * is one listing: registered models and prompts (`RMS@<ws>`), experiments (`EXPS@<ws>`, records
 * only), evaluation datasets (`EDSS`, filtered on the workspace), webhooks (`WH@<ws>`) and AI
 * Gateway resources (`GW#<kind>@<ws>`, resource items only, not their name claims) and jobs
 * (the `JOBS` listing, filtered on the workspace). MCP servers, which MLflow also counts, do not
 * exist here.
 *
 * @module
 */
import { queryAll } from "../../dynamo/batch.ts";
import {
  EVAL_DATASETS_GSI1_PK,
  experimentsGsi1Pk,
  GATEWAY_ITEM_PREFIX,
  type GatewayKind,
  gatewayPk,
  GSI1,
  registeredModelsGsi1Pk,
  webhooksPk,
} from "../../keys/key_schema.ts";
import { DEFAULT_WORKSPACE } from "../../util/workspace_context.ts";
import type { Db } from "../db.ts";
import { isExperimentRecord } from "../experiments/experiment_item.ts";
import { JobStore } from "../jobs/job_store.ts";

/** The resource items (not name claims) of one AI Gateway partition of `ws`. */
const gatewayCount = async (db: Db, kind: GatewayKind, ws: string) =>
  (await queryAll(db.port, {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :item)",
    ExpressionAttributeValues: {
      ":pk": { S: gatewayPk(kind, ws) },
      ":item": { S: GATEWAY_ITEM_PREFIX },
    },
    ProjectionExpression: "pk",
  })).length;

const byIndex = (db: Db, pk: string) =>
  queryAll(db.port, {
    TableName: db.table,
    IndexName: GSI1,
    KeyConditionExpression: "gsi1pk = :pk",
    ExpressionAttributeValues: { ":pk": { S: pk } },
  });

/** MLflow's root tables, in its order, each with how to count the workspace's rows. */
const TABLES: { table: string; count: (db: Db, ws: string) => Promise<number> }[] = [
  {
    table: "registered_models",
    count: async (db, ws) => (await byIndex(db, registeredModelsGsi1Pk(ws))).length,
  },
  {
    table: "experiments",
    count: async (db, ws) =>
      (await byIndex(db, experimentsGsi1Pk(ws))).filter(isExperimentRecord).length,
  },
  {
    table: "evaluation_datasets",
    count: async (db, ws) =>
      (await byIndex(db, EVAL_DATASETS_GSI1_PK))
        .filter((d) => (d.workspace?.S ?? DEFAULT_WORKSPACE) === ws).length,
  },
  {
    table: "webhooks",
    count: async (db, ws) =>
      (await queryAll(db.port, {
        TableName: db.table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: webhooksPk(ws) } },
        ProjectionExpression: "pk",
      })).length,
  },
  { table: "secrets", count: (db, ws) => gatewayCount(db, "SECRET", ws) },
  { table: "endpoints", count: (db, ws) => gatewayCount(db, "ENDPOINT", ws) },
  { table: "model_definitions", count: (db, ws) => gatewayCount(db, "MODELDEF", ws) },
  { table: "budget_policies", count: (db, ws) => gatewayCount(db, "BUDGET", ws) },
  { table: "guardrails", count: (db, ws) => gatewayCount(db, "GUARDRAIL", ws) },
  { table: "jobs", count: async (db, ws) => (await new JobStore(db).inWorkspace(ws)).length },
];

/** The first table still holding resources of `workspace`, or undefined when none does. */
export async function firstHolding(
  db: Db,
  workspace: string,
): Promise<{ table: string; count: number } | undefined> {
  for (const t of TABLES) {
    const count = await t.count(db, workspace);
    if (count > 0) return { table: t.table, count };
  }
  return undefined;
}
