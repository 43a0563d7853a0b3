/**
 * Builds the webhook parts over one table: the store, the delivery queue, the worker and the
 * emitter the registry routes call. `main.ts` starts the worker and stops it at shutdown.
 *
 * @module
 */
import type { Db } from "../store/db.ts";
import { DeliveryQueue } from "../store/webhooks/delivery_queue.ts";
import { WebhookStore } from "../store/webhooks/webhook_store.ts";
import { WebhookEmitter } from "./emitter.ts";
import { SecretBox } from "./secret_box.ts";
import type { WebhookSettings } from "./settings.ts";
import { DeliveryWorker } from "./worker.ts";

/** The webhook parts of one server. */
export interface WebhookService {
  settings: WebhookSettings;
  store: WebhookStore;
  queue: DeliveryQueue;
  worker: DeliveryWorker;
  emitter: WebhookEmitter;
}

/** Builds the service (the worker is not started). */
export async function webhookService(db: Db, settings: WebhookSettings): Promise<WebhookService> {
  const box = await SecretBox.create(settings.encryptionKey);
  const store = new WebhookStore(db, box, settings.policy, settings.cacheTtlMs);
  const queue = new DeliveryQueue(db);
  const worker = new DeliveryWorker(queue, store, settings);
  const emitter = new WebhookEmitter(store, queue, () => worker.kick());
  return { settings, store, queue, worker, emitter };
}
