/**
 * Webhooks in the table (MLflow's `create/get/list/update/delete_webhook` of the registry store):
 * one item per webhook in its workspace's partition (`webhooksPk(ws)`), with MLflow's validation
 * and messages. Every operation acts in the request's workspace (`currentWorkspace()`), so a
 * webhook of another workspace is not found, as in MLflow's workspace-aware registry store; the
 * delivery worker, which runs outside requests, names the workspace a delivery was queued in.
 * The secret is sealed with {@link SecretBox} before it is written and is never part of
 * {@link Webhook}; only {@link WebhookStore.secretOf} opens it, for delivery.
 *
 * Listing reads the whole partition and sorts newest first, as MLflow orders (webhooks are an
 * admin's handful; see docs/key-schema.md, "Webhooks"). {@link WebhookStore.subscribers} caches
 * that read per workspace for `cacheTtlMs` (MLflow's `MLFLOW_WEBHOOK_CACHE_TTL`); this process's
 * own writes clear the cache.
 *
 * @module
 */
import { invalidParameter, MlflowError, notFound } from "../../errors.ts";
import { queryAll } from "../../dynamo/batch.ts";
import { webhookKey, webhooksPk } from "../../keys/key_schema.ts";
import { decodeOptionalPageToken, encodePageToken } from "../../search/page_token.ts";
import { type AddressPolicy, validateWebhookUrl } from "../../webhooks/address_policy.ts";
import type { WebhookEventName } from "../../webhooks/events.ts";
import type { SecretBox } from "../../webhooks/secret_box.ts";
import { currentWorkspace } from "../../util/workspace_context.ts";
import { type Db, fromItem, isConditionFailure, nowMs, rawKey, toItem } from "../db.ts";

/** `ACTIVE` or `DISABLED`. */
export type WebhookStatus = "ACTIVE" | "DISABLED";

/** A webhook as the API shows it (never its secret). */
export interface Webhook {
  webhookId: string;
  name: string;
  url: string;
  description?: string;
  events: WebhookEventName[];
  status: WebhookStatus;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  /** True when a secret is set (deliveries are signed). */
  hasSecret: boolean;
  /** The workspace the webhook belongs to (its partition). */
  workspace: string;
}

/** Fields of a new webhook. */
export interface NewWebhook {
  name: string;
  url: string;
  events: WebhookEventName[];
  description?: string;
  secret?: string;
  status?: WebhookStatus;
}

/** Fields an update may change (absent = unchanged). */
export type WebhookChanges = Partial<NewWebhook>;

interface WebhookItem {
  webhook_id: string;
  name: string;
  url: string;
  description?: string;
  events: string[];
  status: WebhookStatus;
  secret_sealed?: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  /** Bumped by every update (optimistic concurrency). */
  rev: number;
}

const NAME = /^(?=.{1,63}$)[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/i;

/** MLflow's `_validate_webhook_name`. */
export function validateWebhookName(name: string): void {
  if (!NAME.test(name)) {
    throw invalidParameter(
      `Webhook name '${name}' is invalid. It must start and end with a letter or digit, ` +
        "be less than 63 characters long, and contain only letters, digits, dots (.), " +
        "underscores (_), and hyphens (-).",
    );
  }
}

function toWebhook(item: WebhookItem, workspace: string): Webhook {
  return {
    webhookId: item.webhook_id,
    name: item.name,
    url: item.url,
    ...(item.description ? { description: item.description } : {}),
    events: item.events as WebhookEventName[],
    status: item.status,
    creationTimestamp: item.creation_timestamp,
    lastUpdatedTimestamp: item.last_updated_timestamp,
    hasSecret: item.secret_sealed !== undefined,
    workspace,
  };
}

const LIST_QUERY = { api: "list_webhooks" };

/** A page of webhooks. */
export interface WebhookPage {
  webhooks: Webhook[];
  nextPageToken?: string;
}

/** The store of webhooks. */
export class WebhookStore {
  /** Per workspace: the webhooks read at `at`. */
  private readonly cache = new Map<string, { at: number; items: WebhookItem[] }>();

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly policy: AddressPolicy,
    private readonly cacheTtlMs = 60_000,
  ) {}

  /** Creates a webhook (MLflow's `create_webhook`). */
  async create(input: NewWebhook): Promise<Webhook> {
    const ws = currentWorkspace();
    validateWebhookName(input.name);
    await validateWebhookUrl(input.url, this.policy);
    const webhookId = crypto.randomUUID();
    const now = nowMs();
    const item: WebhookItem = {
      webhook_id: webhookId,
      name: input.name,
      url: input.url,
      ...(input.description ? { description: input.description } : {}),
      events: input.events,
      status: input.status ?? "ACTIVE",
      ...(input.secret ? { secret_sealed: await this.box.seal(input.secret, webhookId) } : {}),
      creation_timestamp: now,
      last_updated_timestamp: now,
      rev: 0,
    };
    await this.db.port.putItem({
      TableName: this.db.table,
      Item: { ...toItem(item), ...rawKey(webhookKey(webhookId, ws)) },
      ConditionExpression: "attribute_not_exists(pk)",
    });
    this.cache.delete(ws);
    return toWebhook(item, ws);
  }

  private async item(webhookId: string, ws: string): Promise<WebhookItem> {
    const res = await this.db.port.getItem({
      TableName: this.db.table,
      Key: rawKey(webhookKey(webhookId, ws)),
      ConsistentRead: true,
    });
    if (!res.Item) throw notFound(`Webhook with ID ${webhookId} not found.`);
    return fromItem<WebhookItem>(res.Item);
  }

  /** One webhook of `ws` (MLflow's `get_webhook`; the request's workspace by default). */
  async get(webhookId: string, ws = currentWorkspace()): Promise<Webhook> {
    return toWebhook(await this.item(webhookId, ws), ws);
  }

  /** The plain secret of a webhook, or undefined when it has none. */
  async secretOf(webhook: Webhook): Promise<string | undefined> {
    const item = await this.item(webhook.webhookId, webhook.workspace);
    return item.secret_sealed
      ? await this.box.open(item.secret_sealed, item.webhook_id)
      : undefined;
  }

  private async all(ws: string): Promise<WebhookItem[]> {
    const items = await queryAll(this.db.port, {
      TableName: this.db.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: webhooksPk(ws) } },
    });
    return items.map((i) => fromItem<WebhookItem>(i)).sort((a, b) =>
      b.creation_timestamp - a.creation_timestamp || a.webhook_id.localeCompare(b.webhook_id)
    );
  }

  /** A page of webhooks, newest first (MLflow's `list_webhooks`: 1..1000 per page, default 100). */
  async list(maxResults: number | undefined, pageToken: string | undefined): Promise<WebhookPage> {
    const max = maxResults || 100;
    if (max < 1 || max > 1000) {
      throw new MlflowError("INVALID_PARAMETER_VALUE", "max_results must be between 1 and 1000.");
    }
    const offset = decodeOptionalPageToken<number>(pageToken, LIST_QUERY) ?? 0;
    if (!Number.isInteger(offset) || offset < 0) {
      throw invalidParameter("Invalid page token, it is not a token of this server");
    }
    const ws = currentWorkspace();
    const all = await this.all(ws);
    const page = all.slice(offset, offset + max).map((i) => toWebhook(i, ws));
    return {
      webhooks: page,
      ...(offset + max < all.length
        ? { nextPageToken: encodePageToken(offset + max, LIST_QUERY) }
        : {}),
    };
  }

  /** Updates a webhook (MLflow's `update_webhook`); absent fields stay. */
  async update(webhookId: string, changes: WebhookChanges): Promise<Webhook> {
    const ws = currentWorkspace();
    const old = await this.item(webhookId, ws);
    if (changes.name !== undefined) validateWebhookName(changes.name);
    if (changes.url !== undefined) await validateWebhookUrl(changes.url, this.policy);
    const next: WebhookItem = {
      ...old,
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.url !== undefined ? { url: changes.url } : {}),
      ...(changes.events !== undefined ? { events: changes.events } : {}),
      ...(changes.description !== undefined ? { description: changes.description } : {}),
      ...(changes.status !== undefined ? { status: changes.status } : {}),
      last_updated_timestamp: Math.max(nowMs(), old.last_updated_timestamp),
      rev: (old.rev ?? 0) + 1,
    };
    if (changes.secret !== undefined) {
      if (changes.secret === "") delete next.secret_sealed;
      else next.secret_sealed = await this.box.seal(changes.secret, webhookId);
    }
    if (next.description === "") delete next.description;
    try {
      await this.db.port.putItem({
        TableName: this.db.table,
        Item: { ...toItem(next), ...rawKey(webhookKey(webhookId, ws)) },
        ConditionExpression: "attribute_exists(pk) AND rev = :rev",
        ExpressionAttributeValues: { ":rev": { N: String(old.rev ?? 0) } },
      });
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      // Deleted meanwhile (404) or updated by another request (retry against the new state).
      await this.item(webhookId, ws);
      return await this.update(webhookId, changes);
    }
    this.cache.delete(ws);
    return toWebhook(next, ws);
  }

  /** Deletes a webhook (MLflow's `delete_webhook`); its pending deliveries are dropped when due. */
  async delete(webhookId: string): Promise<void> {
    const ws = currentWorkspace();
    try {
      await this.db.port.deleteItem({
        TableName: this.db.table,
        Key: rawKey(webhookKey(webhookId, ws)),
        ConditionExpression: "attribute_exists(pk)",
      });
    } catch (e) {
      if (isConditionFailure(e)) throw notFound(`Webhook with ID ${webhookId} not found.`);
      throw e;
    }
    this.cache.delete(ws);
  }

  /**
   * The active webhooks of the request's workspace subscribed to `event` (cached per workspace
   * for the TTL): an event fires only the webhooks of the workspace it happens in.
   */
  async subscribers(event: WebhookEventName): Promise<Webhook[]> {
    const ws = currentWorkspace();
    const now = Date.now();
    let cached = this.cache.get(ws);
    if (!cached || now - cached.at >= this.cacheTtlMs) {
      cached = { at: now, items: await this.all(ws) };
      this.cache.set(ws, cached);
    }
    return cached.items
      .filter((w) => w.status === "ACTIVE" && w.events.includes(event))
      .map((i) => toWebhook(i, ws));
  }

  /** Forgets the cached webhooks of `ws` (after a workspace's webhooks were deleted). */
  forget(ws: string): void {
    this.cache.delete(ws);
  }
}
