/**
 * The storage primitives every AI Gateway resource shares: one item per resource in its kind's
 * partition, an optional claim item per unique name (created, moved and released in the same
 * transaction as the resource, so two writers never both win a name), optimistic updates guarded
 * by a revision counter, and whole-partition listing (gateway configuration is small: tens to
 * hundreds of items per kind). Every key is built in the request's workspace
 * (`--enable-workspaces`): another workspace's resources are not found, and names are unique per
 * workspace, as in MLflow 3.17.2; the default workspace has the keys of a server without
 * workspaces.
 *
 * @module
 */
import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { queryAll } from "../../dynamo/batch.ts";
import { alreadyExists, invalidParameter, notFound } from "../../errors.ts";
import {
  GATEWAY_ITEM_PREFIX,
  gatewayItemKey,
  type GatewayKind,
  gatewayNameKey,
  gatewayPk,
} from "../../keys/key_schema.ts";
import {
  type Db,
  failedConditions,
  fromItem,
  isConditionFailure,
  type RawItem,
  rawKey,
  toItem,
} from "../db.ts";
import { currentWorkspace } from "../../util/workspace_context.ts";

/** Every stored resource carries its id and a revision for optimistic updates. */
export interface Stored {
  id: string;
  rev: number;
}

/** How a kind is named in MLflow's not-found messages (`GatewaySecret not found (...)`). */
export interface KindInfo {
  kind: GatewayKind;
  /** MLflow's entity name, e.g. `GatewaySecret`. */
  entity: string;
  /** MLflow's id field, e.g. `secret_id`. */
  idField: string;
  /** MLflow's message for a taken name; unset: names are not unique. */
  nameTaken?: (name: string) => string;
}

const MAX_UPDATE_ATTEMPTS = 10;
/** Room for a resource's JSON in one item (DynamoDB: 400 KB per item, UTF-8 up to 3 bytes). */
const MAX_DOC_CHARS = 120_000;

/**
 * The stored form of a resource: its key, `id`, `rev` and the rest as one JSON document `doc`
 * (numbers of any size and non-finite doubles survive; DynamoDB numbers would not take them).
 */
export function encodeResource(key: { pk: string; sk: string }, value: Stored): RawItem {
  const doc = JSON.stringify(
    value,
    (_k, v) =>
      typeof v === "number" && !Number.isFinite(v)
        ? (Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity")
        : v,
  );
  if (doc.length > MAX_DOC_CHARS) {
    throw invalidParameter(
      `The gateway resource is too large to store (${doc.length} characters of JSON; at most ` +
        `${MAX_DOC_CHARS}): use fewer or shorter values, tags or models.`,
    );
  }
  return toItem({ ...key, id: value.id, rev: value.rev, doc });
}

/** A resource back from its stored form. */
export function decodeResource<T>(item: RawItem): T {
  const { doc, rev } = fromItem<{ doc: string; rev: number }>(item);
  return { ...JSON.parse(doc), rev } as T;
}

/** A new MLflow-style id: `<prefix>-` and 32 hex digits. */
export function newGatewayId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().replaceAll("-", "")}`;
}

/** MLflow's `_get_entity_or_raise` message. */
export function gatewayNotFound(entity: string, filters: Record<string, string>) {
  const f = Object.entries(filters).map(([k, v]) => `${k}='${v}'`).join(", ");
  return notFound(`${entity} not found (${f})`);
}

/** The items of one kind, with typed access. */
export class GatewayItems<T extends Stored & { name?: string }> {
  constructor(readonly db: Db, readonly info: KindInfo) {}

  private claim(name: string, id: string): TransactWriteItem {
    return {
      Put: {
        TableName: this.db.table,
        Item: toItem({ ...gatewayNameKey(this.info.kind, name, currentWorkspace()), id }),
        ConditionExpression: "attribute_not_exists(sk)",
      },
    };
  }

  private release(name: string): TransactWriteItem {
    return {
      Delete: {
        TableName: this.db.table,
        Key: rawKey(gatewayNameKey(this.info.kind, name, currentWorkspace())),
      },
    };
  }

  private taken(name: string) {
    return alreadyExists(this.info.nameTaken!(name));
  }

  /** Stores a new resource; a unique name is claimed in the same transaction. */
  async create(value: Omit<T, "rev">): Promise<T> {
    const item = { ...value, rev: 1 } as T;
    const put: TransactWriteItem = {
      Put: {
        TableName: this.db.table,
        Item: encodeResource(gatewayItemKey(this.info.kind, item.id, currentWorkspace()), item),
        ConditionExpression: "attribute_not_exists(sk)",
      },
    };
    if (!this.info.nameTaken || item.name === undefined) {
      await this.db.port.putItem(put.Put!);
      return item;
    }
    try {
      await this.db.port.transactWriteItems({
        TransactItems: [this.claim(item.name, item.id), put],
      });
    } catch (e) {
      if (isConditionFailure(e)) throw this.taken(item.name);
      throw e;
    }
    return item;
  }

  /** The resource, or undefined. */
  async find(id: string): Promise<T | undefined> {
    const res = await this.db.port.getItem({
      TableName: this.db.table,
      Key: rawKey(gatewayItemKey(this.info.kind, id, currentWorkspace())),
      ConsistentRead: true,
    });
    return res.Item ? decodeResource<T>(res.Item) : undefined;
  }

  /** The resource, or MLflow's not-found error. */
  async get(id: string): Promise<T> {
    const found = await this.find(id);
    if (!found) throw gatewayNotFound(this.info.entity, { [this.info.idField]: id });
    return found;
  }

  /** The resource holding a unique name, or MLflow's not-found error. */
  async getByName(name: string): Promise<T> {
    const res = await this.db.port.getItem({
      TableName: this.db.table,
      Key: rawKey(gatewayNameKey(this.info.kind, name, currentWorkspace())),
      ConsistentRead: true,
    });
    const id = res.Item?.id?.S;
    const found = id === undefined ? undefined : await this.find(id);
    if (!found || found.name !== name) throw gatewayNotFound(this.info.entity, { name });
    return found;
  }

  /** Every resource of the kind, oldest first (MLflow lists in insertion order). */
  async list(): Promise<T[]> {
    const items = await queryAll(this.db.port, {
      TableName: this.db.table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
      ExpressionAttributeValues: {
        ":pk": { S: gatewayPk(this.info.kind, currentWorkspace()) },
        ":p": { S: GATEWAY_ITEM_PREFIX },
      },
      ConsistentRead: true,
    });
    return items.map((i) => decodeResource<T>(i))
      .sort((a, b) => order(a) - order(b) || (a.id < b.id ? -1 : 1));
  }

  /**
   * Applies `change` to the current resource and writes it if nobody else wrote in between
   * (retried otherwise). A changed unique name moves its claim in the same transaction.
   */
  async update(id: string, change: (current: T) => T | Promise<T>): Promise<T> {
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const current = await this.get(id);
      const next = { ...await change(structuredClone(current)), id, rev: current.rev + 1 } as T;
      const put: TransactWriteItem = {
        Put: {
          TableName: this.db.table,
          Item: encodeResource(gatewayItemKey(this.info.kind, id, currentWorkspace()), next),
          ConditionExpression: "rev = :rev",
          ExpressionAttributeValues: { ":rev": { N: String(current.rev) } },
        },
      };
      const renamed = this.info.nameTaken && next.name !== undefined &&
        next.name !== current.name;
      try {
        if (renamed) {
          const actions = [put, this.claim(next.name!, id)];
          if (current.name !== undefined) actions.push(this.release(current.name));
          await this.db.port.transactWriteItems({ TransactItems: actions });
        } else {
          await this.db.port.putItem(put.Put!);
        }
        return next;
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
        if (renamed && failedConditions(e)[1]) throw this.taken(next.name!);
      }
    }
    throw new Error(`could not update ${this.info.entity} ${id}: too many concurrent writers`);
  }

  /** Deletes the resource and releases its name; MLflow's not-found error when absent. */
  async delete(id: string): Promise<T> {
    const current = await this.get(id);
    const del: TransactWriteItem = {
      Delete: {
        TableName: this.db.table,
        Key: rawKey(gatewayItemKey(this.info.kind, id, currentWorkspace())),
        ConditionExpression: "attribute_exists(sk)",
      },
    };
    try {
      if (this.info.nameTaken && current.name !== undefined) {
        await this.db.port.transactWriteItems({ TransactItems: [del, this.release(current.name)] });
      } else {
        await this.db.port.deleteItem(del.Delete!);
      }
    } catch (e) {
      if (isConditionFailure(e)) {
        throw gatewayNotFound(this.info.entity, { [this.info.idField]: id });
      }
      throw e;
    }
    return current;
  }
}

function order(v: object): number {
  return Number((v as { created_at?: number }).created_at ?? 0);
}
