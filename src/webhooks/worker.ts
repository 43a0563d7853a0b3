/**
 * The background worker that sends pending webhook deliveries (`DeliveryQueue`), and the one
 * function that sends a single attempt (also used by the `test` endpoint).
 *
 * Retries follow MLflow's urllib3 policy: 429, 500, 502, 503 and 504 and connection failures
 * are retried up to `MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES` times with exponential backoff (base
 * doubled per attempt, capped at 60 s, `Retry-After` honoured); any other answer (2xx, 3xx,
 * other 4xx) ends the delivery. A refused address (SSRF guard) is never retried. Between
 * attempts the delivery waits in the table, so a restart loses nothing.
 *
 * @module
 */
import { MlflowError } from "../errors.ts";
import type { DeliveryQueue, PendingDelivery } from "../store/webhooks/delivery_queue.ts";
import type { Webhook, WebhookStore } from "../store/webhooks/webhook_store.ts";
import { pooledMap } from "../util/pool.ts";
import { DEFAULT_WORKSPACE } from "../util/workspace_context.ts";
import { deliveryHeaders } from "./delivery.ts";
import { BlockedAddressError, guardedPost, type PostAnswer } from "./guarded_post.ts";
import type { WebhookSettings } from "./settings.ts";

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
const MAX_BACKOFF_MS = 60_000;

/** True when MLflow's retry policy retries this answer. */
export function isRetryable(status: number): boolean {
  return RETRY_STATUSES.has(status);
}

/** The delay before retry number `attempt + 1` (0-based attempts made so far). */
export function backoffMs(settings: WebhookSettings, attempt: number, answer?: PostAnswer): number {
  const retryAfter = answer?.headers.get("retry-after");
  if (retryAfter && /^\d+$/.test(retryAfter.trim())) {
    return Math.min(MAX_BACKOFF_MS, Number(retryAfter) * 1000);
  }
  return Math.min(MAX_BACKOFF_MS, settings.backoffBaseMs * 2 ** attempt);
}

/** Sends one attempt of `body` to `webhook`. */
export async function sendAttempt(
  webhook: Webhook,
  secret: string | undefined,
  deliveryId: string,
  body: string,
  settings: WebhookSettings,
): Promise<PostAnswer> {
  const headers = await deliveryHeaders(deliveryId, body, secret, Date.now());
  return await guardedPost(
    new URL(webhook.url),
    headers,
    new TextEncoder().encode(body),
    settings.policy,
    settings.timeoutMs,
  );
}

/** Sends with MLflow's inline retries (the `test` endpoint waits for the outcome). */
export async function sendWithRetries(
  webhook: Webhook,
  secret: string | undefined,
  body: string,
  settings: WebhookSettings,
): Promise<PostAnswer> {
  const deliveryId = crypto.randomUUID();
  for (let attempt = 0;; attempt++) {
    let answer: PostAnswer | undefined;
    try {
      answer = await sendAttempt(webhook, secret, deliveryId, body, settings);
      if (!isRetryable(answer.status) || attempt >= settings.maxRetries) return answer;
    } catch (e) {
      if (e instanceof BlockedAddressError || attempt >= settings.maxRetries) throw e;
    }
    await new Promise((r) => setTimeout(r, backoffMs(settings, attempt, answer)));
  }
}

/** Delivers the queue in the background. */
export class DeliveryWorker {
  private stopped = true;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private kicked = false;

  constructor(
    private readonly queue: DeliveryQueue,
    private readonly webhooks: WebhookStore,
    private readonly settings: WebhookSettings,
    private readonly log: (line: string) => void = (l) => console.warn(l),
  ) {}

  /** Starts polling (idempotent). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Looks for due deliveries now instead of at the next poll. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /** Stops polling and waits for the sends in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      this.kicked = false;
      try {
        await this.runOnce();
      } catch (e) {
        this.log(`webhooks: reading the delivery queue failed: ${(e as Error).message}`);
      }
      if (this.stopped || this.kicked) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.settings.pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
  }

  /** Sends every delivery due now (one queue read); answers how many it handled. */
  async runOnce(): Promise<number> {
    const now = Date.now();
    const due = await this.queue.due(now, this.settings.concurrency * 4);
    // One attempt is bounded by the request timeout; the margin covers the queue writes.
    const leaseMs = this.settings.timeoutMs + 10_000;
    const done = await pooledMap(due, async (d) => {
      if (!(await this.queue.claim(d, now, Date.now() + leaseMs))) return 0;
      await this.deliver(d);
      return 1;
    }, this.settings.concurrency);
    return done.reduce((a: number, b: number) => a + b, 0);
  }

  private async deliver(d: PendingDelivery): Promise<void> {
    let webhook: Webhook;
    let secret: string | undefined;
    try {
      webhook = await this.webhooks.get(d.webhookId, d.workspace ?? DEFAULT_WORKSPACE);
    } catch (e) {
      if (e instanceof MlflowError) return await this.queue.remove(d); // webhook deleted
      throw e;
    }
    try {
      secret = await this.webhooks.secretOf(webhook);
    } catch (e) {
      if (e instanceof MlflowError) return await this.queue.remove(d);
      // Sealed under another key: sending unsigned would mislead the receiver.
      this.log(
        `webhooks: delivery ${d.deliveryId} dropped: the secret of webhook ${webhook.webhookId} ` +
          `cannot be opened (MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY changed?): ${
            (e as Error).message
          }`,
      );
      return await this.queue.remove(d);
    }
    if (webhook.status !== "ACTIVE") return await this.queue.remove(d);
    let answer: PostAnswer | undefined;
    let failure = "";
    try {
      answer = await sendAttempt(webhook, secret, d.deliveryId, d.body, this.settings);
      if (!isRetryable(answer.status)) return await this.queue.remove(d);
      failure = `HTTP ${answer.status}`;
    } catch (e) {
      if (e instanceof BlockedAddressError) {
        this.log(`webhooks: delivery ${d.deliveryId} to ${webhook.url} refused: ${e.message}`);
        return await this.queue.remove(d);
      }
      failure = (e as Error).message;
    }
    if (d.attempts >= this.settings.maxRetries) {
      this.log(
        `webhooks: delivery ${d.deliveryId} (${d.event}) to ${webhook.url} failed after ${
          d.attempts + 1
        } attempts: ${failure}`,
      );
      return await this.queue.remove(d);
    }
    await this.queue.retryAt(d, Date.now() + backoffMs(this.settings, d.attempts, answer));
    this.kick();
  }
}
