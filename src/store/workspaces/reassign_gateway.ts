/**
 * `SET_DEFAULT` for AI Gateway configuration: MLflow 3.17.2 reassigns a deleted workspace's
 * secrets, model definitions, endpoints, budgets and guardrails to the default workspace (its
 * `_WORKSPACE_ROOT_MODELS`). Here each lives in its workspace's partition `GW#<kind>@<ws>`, so a
 * move re-keys every item (resource and name claim) into `GW#<kind>`: one transaction per item
 * (put on the condition that the default key is free, delete the old one). Names the default
 * workspace already holds are found first and reported with the other conflicts (nothing moved).
 * Ids and grants are global, so nothing else changes.
 *
 * @module
 */
import { queryAll } from "../../dynamo/batch.ts";
import { GATEWAY_ITEM_PREFIX, type GatewayKind, gatewayPk } from "../../keys/key_schema.ts";
import { DEFAULT_WORKSPACE } from "../../util/workspace_context.ts";
import { pooledMap } from "../../util/pool.ts";
import { type Db, isConditionFailure, type RawItem } from "../db.ts";

/** The kinds a workspace holds, with MLflow's table names (for its conflict messages). */
const KINDS: [GatewayKind, string][] = [
  ["SECRET", "secrets"],
  ["ENDPOINT", "endpoints"],
  ["MODELDEF", "model_definitions"],
  ["BUDGET", "budget_policies"],
  ["GUARDRAIL", "guardrails"],
  ["BINDING", "endpoint_bindings"],
];

async function partition(db: Db, kind: GatewayKind, workspace: string): Promise<RawItem[]> {
  return await queryAll(db.port, {
    TableName: db.table,
    KeyConditionExpression: "pk = :pk",
    ExpressionAttributeValues: { ":pk": { S: gatewayPk(kind, workspace) } },
    ConsistentRead: true,
  });
}

function nameOf(resource: RawItem | undefined): string {
  try {
    const doc = JSON.parse(resource?.doc?.S ?? "{}");
    return String(doc.name ?? doc.secret_name ?? "");
  } catch {
    return "";
  }
}

/** `  - <table>: '<name>'` for every gateway name of `workspace` the default one holds too. */
export async function gatewayNameConflicts(db: Db, workspace: string): Promise<string[]> {
  const out: string[] = [];
  for (const [kind, table] of KINDS) {
    const items = await partition(db, kind, workspace);
    const claims = items.filter((i) => !i.sk!.S!.startsWith(GATEWAY_ITEM_PREFIX));
    const taken = await pooledMap(claims, async (claim) => {
      const { Item } = await db.port.getItem({
        TableName: db.table,
        Key: { pk: { S: gatewayPk(kind, DEFAULT_WORKSPACE) }, sk: claim.sk! },
        ConsistentRead: true,
      });
      return Item !== undefined;
    });
    claims.forEach((claim, i) => {
      if (!taken[i]) return;
      const resource = items.find((r) => r.sk!.S === `${GATEWAY_ITEM_PREFIX}${claim.id?.S}`);
      out.push(`  - ${table}: '${nameOf(resource)}'`);
    });
  }
  return out;
}

/**
 * Moves every gateway item of `workspace` to the default workspace; `onConflict` builds the
 * error for a name taken in between (after the preflight).
 */
export async function moveGatewayToDefault(
  db: Db,
  workspace: string,
  onConflict: (line: string) => Error,
): Promise<void> {
  for (const [kind, table] of KINDS) {
    const items = await partition(db, kind, workspace);
    // Claims first: a name taken concurrently stops the move before its resource leaves.
    items.sort((a, b) =>
      Number(a.sk!.S!.startsWith(GATEWAY_ITEM_PREFIX)) -
      Number(b.sk!.S!.startsWith(GATEWAY_ITEM_PREFIX))
    );
    for (const item of items) {
      try {
        await db.port.transactWriteItems({
          TransactItems: [
            {
              Put: {
                TableName: db.table,
                Item: { ...item, pk: { S: gatewayPk(kind, DEFAULT_WORKSPACE) } },
                ConditionExpression: "attribute_not_exists(sk)",
              },
            },
            { Delete: { TableName: db.table, Key: { pk: item.pk!, sk: item.sk! } } },
          ],
        });
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
        const resource = items.find((r) => r.sk!.S === `${GATEWAY_ITEM_PREFIX}${item.id?.S}`);
        throw onConflict(`  - ${table}: '${nameOf(resource ?? item)}'`);
      }
    }
  }
}
