/**
 * `DELETE workspaces/<ws>?mode=CASCADE`: MLflow 3.17.2's cascade (`SqlAlchemyStore.delete_workspace`
 * deletes every row of the workspace's root tables, and the ORM and foreign keys take their
 * children): registered models and prompts (versions, tags, aliases), experiments (runs with
 * params, metrics, tags, inputs and outputs; logged models; traces with spans and assessments;
 * scorers; issues), evaluation datasets (records, tags, links), webhooks, AI Gateway
 * configuration (secrets, model definitions, endpoints with bindings, budgets, guardrails) and
 * jobs (issue detection: a worker still running one loses it at its next heartbeat) are
 * **hard-deleted**,
 * not marked deleted. Artifacts are not touched (MLflow leaves them to `mlflow gc`; here
 * `deno task gc` finds no record for them, so they stay until removed by hand). With basic-auth,
 * the grants naming the deleted resources and the workspace's roles go too (MLflow's auth app
 * drops the workspace's roles after every workspace delete).
 *
 * There is no transaction over a whole workspace, so the walk is made **resumable**: every
 * resource is found through its listing (`WH@<ws>`, `RMS@<ws>`, `EXPS@<ws>`, `EDSS`), and each
 * resource's listed record is deleted **after** everything hanging off it. A delete that fails
 * half-way leaves the workspace item and the records of the unfinished resources in place; the
 * same request again finds them and finishes (every delete is idempotent). Order:
 *
 * 1. webhooks (a half-deleted workspace stops notifying first), then AI Gateway configuration
 *    (`GW#<kind>@<ws>` partitions, dependents first; grants on their ids before the items);
 * 2. registered models and prompts: grants, the partition (versions, tags, aliases), the name
 *    guard, then the record;
 * 3. experiments: runs (metric history, trace links, partition, record last), logged models,
 *    scorers (id pointers, grants, partition), issues, grants, then traces, the experiment's
 *    partition and name guard, and the record last;
 * 4. evaluation datasets of the workspace (partition, record last), then its jobs (one item each);
 * 5. the workspace's roles and workspace-wide grants (before the workspace item, so a workspace
 *    created again under the name never inherits them);
 * 6. the workspace item, once its listings read empty (a resource created meanwhile is taken by
 *    another round).
 *
 * Reads are listing Queries (`queryAll`: every page) and one Query per partition deleted; writes
 * are BatchWriteItem deletes, 25 a call, pooled (`pooledMap`). Cost: docs/key-schema.md.
 *
 * @module
 */
import { batchWriteAll, queryAll } from "../../dynamo/batch.ts";
import { query } from "../../dynamo/query_pages.ts";
import { scorerPattern } from "../../auth/permissions.ts";
import { MlflowError } from "../../errors.ts";
import {
  EVAL_DATASETS_GSI1_PK,
  evalDatasetKey,
  evalDatasetPk,
  experimentsGsi1Pk,
  GATEWAY_ITEM_PREFIX,
  type GatewayKind,
  gatewayPk,
  grantsOnGsi1Pk,
  GSI1,
  ISSUES_GSI1_PK,
  issuesOfExperimentPrefix,
  loggedModelsGsi1Pk,
  registeredModelKey,
  registeredModelNameKey,
  registeredModelsGsi1Pk,
  ROLES_GSI1_PK,
  RUN_SHARDS,
  runKey,
  runsGsi1Pk,
  scorerIdKey,
  scorerPk,
  webhooksPk,
} from "../../keys/key_schema.ts";
import { pooledMap } from "../../util/pool.ts";
import { type Db, isConditionFailure, type RawItem, rawKey } from "../db.ts";
import { isExperimentRecord } from "../experiments/experiment_item.ts";
import { JobStore } from "../jobs/job_store.ts";
import {
  deletePartition,
  hardDeleteExperiment,
  hardDeleteLoggedModel,
  hardDeleteRun,
} from "../gc/hard_delete.ts";

/** What one cascade removed (for the log line and tests). */
export interface CascadeCounts {
  webhooks: number;
  gateway: number;
  registeredModels: number;
  experiments: number;
  runs: number;
  loggedModels: number;
  datasets: number;
  jobs: number;
  roles: number;
  items: number;
}

/** Rounds of "delete, then check the listings are empty" before giving up on a busy workspace. */
const ROUNDS = 3;

async function listing(db: Db, pk: string, filter?: Partial<Record<string, string>>) {
  const names = Object.keys(filter ?? {});
  return await queryAll(db.port, {
    TableName: db.table,
    IndexName: GSI1,
    KeyConditionExpression: "gsi1pk = :pk",
    ...(names.length > 0
      ? {
        FilterExpression: names.map((_n, i) => `#f${i} = :f${i}`).join(" AND "),
        ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#f${i}`, n])),
      }
      : {}),
    ExpressionAttributeValues: {
      ":pk": { S: pk },
      ...Object.fromEntries(names.map((n, i) => [`:f${i}`, { S: filter![n]! }])),
    },
  });
}

async function deleteKeys(db: Db, items: RawItem[]): Promise<number> {
  await batchWriteAll(
    db.port,
    db.table,
    items.map((i) => ({ DeleteRequest: { Key: { pk: i.pk!, sk: i.sk! } } })),
  );
  return items.length;
}

/** Deletes the grants on one resource (every user's), found through the grants' index. */
async function deleteGrants(db: Db, type: string, id: string, workspace?: string) {
  return await deleteKeys(db, await listing(db, grantsOnGsi1Pk(type, id, workspace)));
}

async function deleteRegisteredModel(db: Db, workspace: string, record: RawItem) {
  const uid = record.uid!.S!;
  const name = record.name!.S!;
  let n = await deleteGrants(db, "registered_model", name, workspace);
  n += await deleteGrants(db, "prompt", name, workspace);
  const key = registeredModelKey(uid);
  n += await deletePartition(db, key.pk, [key.sk]);
  try {
    await db.port.deleteItem({
      TableName: db.table,
      Key: rawKey(registeredModelNameKey(name, workspace)),
      ConditionExpression: "uid = :uid",
      ExpressionAttributeValues: { ":uid": { S: uid } },
    });
    n++;
  } catch (e) {
    if (!isConditionFailure(e)) throw e;
  }
  await db.port.deleteItem({ TableName: db.table, Key: rawKey(key) });
  return n + 1;
}

async function deleteScorers(db: Db, experimentId: string): Promise<number> {
  const items = await queryAll(db.port, {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": { S: scorerPk(experimentId) } },
    ConsistentRead: true,
  });
  const ids = new Set(items.map((i) => i.scorer_id?.S).filter((s): s is string => !!s));
  const names = new Set(items.map((i) => i.scorer_name?.S).filter((s): s is string => !!s));
  let n = await deleteKeys(db, [...ids].map((id) => rawKey(scorerIdKey(id))));
  for (const name of names) {
    n += await deleteGrants(db, "scorer", scorerPattern(experimentId, name));
  }
  return n + await deleteKeys(db, items);
}

async function deleteIssues(db: Db, experimentId: string): Promise<number> {
  const { items } = await query(db.port, {
    TableName: db.table,
    IndexName: GSI1,
    KeyConditionExpression: "gsi1pk = :pk AND begins_with(gsi1sk, :p)",
    ExpressionAttributeValues: {
      ":pk": { S: ISSUES_GSI1_PK },
      ":p": { S: issuesOfExperimentPrefix(experimentId) },
    },
    ProjectionExpression: "pk",
  }, { pages: "all" });
  // The issue record is the listed item: its partition (record and trace links) goes whole.
  const counts = await pooledMap(items, (i) => deletePartition(db, i.pk!.S!));
  return counts.reduce((a, b) => a + b, 0);
}

async function deleteExperiment(db: Db, workspace: string, record: RawItem, c: CascadeCounts) {
  const id = record.experiment_id!.S!;
  const shards = Array.from({ length: RUN_SHARDS }, (_, s) => runsGsi1Pk(id, s));
  const runs = (await pooledMap(shards, (pk) => listing(db, pk, { sk: runKey("").sk }))).flat();
  const runItems = await pooledMap(runs, (r) => hardDeleteRun(db, r.run_id!.S!, true));
  c.runs += runs.length;
  c.items += runItems.reduce((a, b) => a + b, 0);
  const models = await listing(db, loggedModelsGsi1Pk(id));
  const modelItems = await pooledMap(
    models,
    (m) => hardDeleteLoggedModel(db, m.model_id!.S!, true),
  );
  c.loggedModels += models.length;
  c.items += modelItems.reduce((a, b) => a + b, 0);
  c.items += await deleteScorers(db, id);
  c.items += await deleteIssues(db, id);
  c.items += await deleteGrants(db, "experiment", id);
  c.items += await hardDeleteExperiment(db, id, record.name!.S!, workspace, true);
  c.experiments++;
}

/**
 * AI Gateway partitions of a workspace, dependents first (bindings and guardrails before the
 * endpoints they name, definitions before their secrets), each with the grant type of its
 * resources (basic-auth grants are keyed by resource id).
 */
const GATEWAY_KINDS: [GatewayKind, string | undefined][] = [
  ["BINDING", undefined],
  ["GUARDRAIL", undefined],
  ["BUDGET", undefined],
  ["ENDPOINT", "gateway_endpoint"],
  ["MODELDEF", "gateway_model_definition"],
  ["SECRET", "gateway_secret"],
];

/** Deletes the workspace's AI Gateway configuration: grants, then the partition (items, claims). */
async function deleteGateway(db: Db, workspace: string): Promise<number> {
  let n = 0;
  for (const [kind, grantType] of GATEWAY_KINDS) {
    const items = await queryAll(db.port, {
      TableName: db.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: gatewayPk(kind, workspace) } },
      ProjectionExpression: "pk, sk",
      ConsistentRead: true,
    });
    if (grantType) {
      const ids = items.map((i) => i.sk!.S!).filter((sk) => sk.startsWith(GATEWAY_ITEM_PREFIX))
        .map((sk) => sk.slice(GATEWAY_ITEM_PREFIX.length));
      await pooledMap(ids, async (id) => {
        n += await deleteGrants(db, grantType, id);
      });
    }
    n += await deleteKeys(db, items);
  }
  return n;
}

/** One pass over everything the workspace holds. */
async function cascadeOnce(db: Db, workspace: string, c: CascadeCounts): Promise<void> {
  const hooks = await queryAll(db.port, {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": { S: webhooksPk(workspace) } },
    ProjectionExpression: "pk, sk",
    ConsistentRead: true,
  });
  c.items += await deleteKeys(db, hooks);
  c.webhooks += hooks.length;

  const gatewayItems = await deleteGateway(db, workspace);
  c.items += gatewayItems;
  c.gateway += gatewayItems;

  const models = await listing(db, registeredModelsGsi1Pk(workspace));
  const counts = await pooledMap(models, (m) => deleteRegisteredModel(db, workspace, m));
  c.registeredModels += models.length;
  c.items += counts.reduce((a, b) => a + b, 0);

  const experiments = (await listing(db, experimentsGsi1Pk(workspace))).filter(isExperimentRecord);
  for (const e of experiments) await deleteExperiment(db, workspace, e, c);

  const datasets = await listing(db, EVAL_DATASETS_GSI1_PK, { workspace });
  await pooledMap(datasets, async (d) => {
    const id = d.dataset_id!.S!;
    const key = evalDatasetKey(id);
    c.items += await deletePartition(db, evalDatasetPk(id), [key.sk]);
    await db.port.deleteItem({ TableName: db.table, Key: rawKey(key) });
    c.items++;
  });
  c.datasets += datasets.length;

  const jobs = await new JobStore(db).inWorkspace(workspace);
  c.items += await deleteKeys(db, jobs.map((j) => rawKey(JobStore.key(j.job_id))));
  c.jobs += jobs.length;
}

/**
 * Deletes the workspace's roles (with their permissions and assignments) and the direct
 * workspace-wide grants, as MLflow's auth app does after a workspace is deleted.
 */
export async function dropWorkspaceAccess(
  db: Db,
  workspace: string,
  deleteRole: (id: number) => Promise<void>,
): Promise<number> {
  const roles = await listing(db, ROLES_GSI1_PK, { workspace });
  await pooledMap(roles, (r) => deleteRole(Number(r.id!.N!)));
  await deleteGrants(db, "workspace", "*", workspace);
  return roles.length;
}

/** True when the workspace's listings hold nothing more. */
async function isEmpty(db: Db, workspace: string): Promise<boolean> {
  for (const pk of [registeredModelsGsi1Pk(workspace), experimentsGsi1Pk(workspace)]) {
    const { items } = await query(db.port, {
      TableName: db.table,
      IndexName: GSI1,
      KeyConditionExpression: "gsi1pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: pk } },
      Limit: 1,
    }, { pages: 1 });
    if (items.length > 0) return false;
  }
  return true;
}

/**
 * Hard-deletes everything `workspace` holds, then its roles; the caller deletes the workspace
 * item afterwards. Throws `INVALID_STATE` when resources keep appearing (a busy writer).
 */
export async function cascadeWorkspace(
  db: Db,
  workspace: string,
  deleteRole: (id: number) => Promise<void>,
): Promise<CascadeCounts> {
  const c: CascadeCounts = {
    webhooks: 0,
    gateway: 0,
    registeredModels: 0,
    experiments: 0,
    runs: 0,
    loggedModels: 0,
    datasets: 0,
    jobs: 0,
    roles: 0,
    items: 0,
  };
  for (let round = 0; round < ROUNDS; round++) {
    await cascadeOnce(db, workspace, c);
    if (await isEmpty(db, workspace)) {
      c.roles = await dropWorkspaceAccess(db, workspace, deleteRole);
      return c;
    }
  }
  throw new MlflowError(
    "INVALID_STATE",
    `Cannot delete workspace '${workspace}': resources are still being created in it. ` +
      "Retry once writes to the workspace have stopped.",
  );
}
