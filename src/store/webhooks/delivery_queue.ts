/**
 * Pending webhook deliveries, durable in the table (docs/key-schema.md, "Webhooks").
 *
 * An event write enqueues one item per subscribed webhook; a worker (`src/webhooks/worker.ts`)
 * reads the due ones, claims each with a conditional lease (so two replicas never send the same
 * attempt at once), sends it, and then deletes it (done or given up) or moves it to a later due
 * time (retry). A process that dies mid-send leaves a claimed item whose lease runs out, and the
 * next worker sends it again: delivery is at-least-once, and the `X-MLflow-Delivery-Id` header
 * stays the same across attempts so a receiver can drop repeats.
 *
 * @module
 */
import { query } from "../../dynamo/query_pages.ts";
import {
  webhookDeliveriesDueBy,
  webhookDeliveriesPk,
  webhookDeliveryKey,
} from "../../keys/key_schema.ts";
import { type Db, fromItem, isConditionFailure, rawKey, toItem } from "../db.ts";

/** One pending delivery. */
export interface PendingDelivery {
  deliveryId: string;
  webhookId: string;
  /** `entity.action`. */
  event: string;
  /** The JSON body to send (MLflow's envelope: entity, action, timestamp, data). */
  body: string;
  /** Attempts made so far. */
  attempts: number;
  /** When it is due (epoch ms; part of the key). */
  dueMs: number;
  /** Claimed by a worker until this time (epoch ms). */
  leaseUntil?: number;
  /** The webhook's workspace (absent: `default`, as deliveries queued before workspaces). */
  workspace?: string;
}

interface DeliveryItem {
  delivery_id: string;
  webhook_id: string;
  event: string;
  body: string;
  attempts: number;
  due_ms: number;
  lease_until?: number;
  workspace?: string;
}

function toItemOf(d: PendingDelivery): DeliveryItem {
  return {
    delivery_id: d.deliveryId,
    webhook_id: d.webhookId,
    event: d.event,
    body: d.body,
    attempts: d.attempts,
    due_ms: d.dueMs,
    ...(d.workspace !== undefined ? { workspace: d.workspace } : {}),
  };
}

function fromItemOf(i: DeliveryItem): PendingDelivery {
  return {
    deliveryId: i.delivery_id,
    webhookId: i.webhook_id,
    event: i.event,
    body: i.body,
    attempts: i.attempts,
    dueMs: i.due_ms,
    ...(i.lease_until !== undefined ? { leaseUntil: i.lease_until } : {}),
    ...(i.workspace !== undefined ? { workspace: i.workspace } : {}),
  };
}

/** The queue of pending deliveries. */
export class DeliveryQueue {
  constructor(private readonly db: Db) {}

  /** Adds a delivery (one PutItem). */
  async enqueue(d: Omit<PendingDelivery, "attempts">): Promise<void> {
    await this.db.port.putItem({
      TableName: this.db.table,
      Item: {
        ...toItem(toItemOf({ ...d, attempts: 0 })),
        ...rawKey(webhookDeliveryKey(d.dueMs, d.deliveryId)),
      },
    });
  }

  /** Up to `limit` deliveries due at `nowMs`, oldest first (one Query page). */
  async due(nowMs: number, limit: number): Promise<PendingDelivery[]> {
    const res = await query(this.db.port, {
      TableName: this.db.table,
      KeyConditionExpression: "pk = :pk AND sk <= :due",
      ExpressionAttributeValues: {
        ":pk": { S: webhookDeliveriesPk() },
        ":due": { S: webhookDeliveriesDueBy(nowMs) },
      },
      Limit: limit,
      ConsistentRead: true,
    }, { pages: 1 });
    return res.items.map((i) => fromItemOf(fromItem<DeliveryItem>(i)));
  }

  /** Claims `d` until `leaseUntil`; false when another worker holds it or it is gone. */
  async claim(d: PendingDelivery, nowMs: number, leaseUntil: number): Promise<boolean> {
    try {
      await this.db.port.updateItem({
        TableName: this.db.table,
        Key: rawKey(webhookDeliveryKey(d.dueMs, d.deliveryId)),
        UpdateExpression: "SET lease_until = :until",
        ConditionExpression:
          "attribute_exists(pk) AND (attribute_not_exists(lease_until) OR lease_until < :now)",
        ExpressionAttributeValues: {
          ":until": { N: String(leaseUntil) },
          ":now": { N: String(nowMs) },
        },
      });
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  /** Removes a delivery (sent, or given up). */
  async remove(d: PendingDelivery): Promise<void> {
    await this.db.port.deleteItem({
      TableName: this.db.table,
      Key: rawKey(webhookDeliveryKey(d.dueMs, d.deliveryId)),
    });
  }

  /** Moves a delivery to `dueMs` with one more attempt counted (one transaction). */
  async retryAt(d: PendingDelivery, dueMs: number): Promise<void> {
    // A new key is needed: the same due time would make both actions hit one item.
    dueMs = Math.max(dueMs, d.dueMs + 1);
    const next: PendingDelivery = { ...d, attempts: d.attempts + 1, dueMs };
    delete next.leaseUntil;
    await this.db.port.transactWriteItems({
      TransactItems: [
        {
          Delete: {
            TableName: this.db.table,
            Key: rawKey(webhookDeliveryKey(d.dueMs, d.deliveryId)),
          },
        },
        {
          Put: {
            TableName: this.db.table,
            Item: { ...toItem(toItemOf(next)), ...rawKey(webhookDeliveryKey(dueMs, d.deliveryId)) },
          },
        },
      ],
    });
  }
}
