/**
 * Turns a registry write into pending deliveries: after the write succeeded, the registry
 * routes call {@link WebhookEmitter.emit} with MLflow's event and payload; one queue item per
 * active subscribed webhook of the request's workspace is written and the worker is woken. Emitting never fails the
 * request (MLflow logs delivery problems too). With no subscribed webhook it costs nothing but
 * the cached subscription read, so the prompt-or-model lookup some events need is skipped.
 *
 * @module
 */
import type { DeliveryQueue } from "../store/webhooks/delivery_queue.ts";
import type { WebhookStore } from "../store/webhooks/webhook_store.ts";
import { currentWorkspace, workspacesActive } from "../util/workspace_context.ts";
import { envelope } from "./delivery.ts";
import type { WebhookEventName, WebhookPayload } from "./events.ts";

/** Emits webhook events. */
export class WebhookEmitter {
  constructor(
    private readonly webhooks: WebhookStore,
    private readonly queue: DeliveryQueue,
    private readonly wake: () => void = () => {},
    private readonly log: (line: string) => void = (l) => console.warn(l),
  ) {}

  /** Enqueues `event` for every active webhook subscribed to it. */
  async emit(event: WebhookEventName, data: WebhookPayload): Promise<void> {
    try {
      const subscribers = await this.webhooks.subscribers(event);
      if (subscribers.length === 0) return;
      const now = Date.now();
      // With workspaces on, MLflow adds the webhook's workspace to the envelope.
      const workspace = workspacesActive() ? currentWorkspace() : undefined;
      const body = envelope(event, data, now, workspace);
      for (const w of subscribers) {
        await this.queue.enqueue({
          deliveryId: crypto.randomUUID(),
          webhookId: w.webhookId,
          event,
          body,
          dueMs: now,
          ...(workspace !== undefined ? { workspace } : {}),
        });
      }
      this.wake();
    } catch (e) {
      this.log(`webhooks: could not enqueue ${event}: ${(e as Error).message}`);
    }
  }

  /**
   * Emits the prompt or the model variant of an event, as MLflow decides with `_is_prompt(name)`;
   * `isPrompt` is called only when a webhook subscribes to either.
   */
  async emitEither(
    isPrompt: () => Promise<boolean>,
    prompt: [WebhookEventName, WebhookPayload],
    model?: [WebhookEventName, WebhookPayload],
  ): Promise<void> {
    try {
      const [p, m] = await Promise.all([
        this.webhooks.subscribers(prompt[0]),
        model ? this.webhooks.subscribers(model[0]) : [],
      ]);
      if (p.length === 0 && m.length === 0) return;
      const chosen = await isPrompt() ? prompt : model;
      if (chosen) await this.emit(chosen[0], chosen[1]);
    } catch (e) {
      this.log(`webhooks: could not enqueue ${prompt[0]}: ${(e as Error).message}`);
    }
  }
}
