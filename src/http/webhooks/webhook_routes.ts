/**
 * WebhookService (`mlflow/protos/webhooks.proto`, MLflow ≥ 3.3): create, list, get, update,
 * delete and test webhooks at `/mlflow/webhooks[/<id>[/test]]`, with the handlers' request
 * schemas and field semantics (`mlflow/server/handlers.py`). Answers never carry the secret.
 *
 * @module
 */
import { Hono } from "hono";
import { z } from "zod";
import { type Webhook, type WebhookStatus } from "../../store/webhooks/webhook_store.ts";
import { eventJson, examplePayload, parseEvent, parseEvents } from "../../webhooks/events.ts";
import { envelope } from "../../webhooks/delivery.ts";
import { workspacesActive } from "../../util/workspace_context.ts";
import type { WebhookService } from "../../webhooks/service.ts";
import { sendWithRetries } from "../../webhooks/worker.ts";
import { mlflowJson, nonEmpty } from "../json.ts";
import { int64, parseRequest, protoEnum, requireString } from "../request.ts";
import { invalidParameter, missingParameter } from "../../errors.ts";

const Status = protoEnum(["ACTIVE", "DISABLED"] as const);

/** The wire form of a webhook (MLflow's `Webhook.to_proto`). */
export function webhookJson(w: Webhook): Record<string, unknown> {
  return {
    webhook_id: w.webhookId,
    name: w.name,
    ...(w.description ? { description: w.description } : {}),
    url: w.url,
    events: w.events.map(eventJson),
    status: w.status,
    creation_timestamp: w.creationTimestamp,
    last_updated_timestamp: w.lastUpdatedTimestamp,
  };
}

/** The webhook routes (relative to `/api/2.0/mlflow`). */
export function webhookRoutes(service: WebhookService): Hono {
  const app = new Hono();
  const store = service.store;

  app.post("/webhooks", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        name: z.string().optional(),
        url: z.string().optional(),
        events: z.array(z.unknown()).optional(),
        description: z.string().optional(),
        secret: z.string().optional(),
        status: Status.optional(),
      }),
    );
    const name = requireString(req.name, "name");
    const url = requireString(req.url, "url");
    if (req.events === undefined) throw invalidParameter(missingParameter("events"));
    const webhook = await store.create({
      name,
      url,
      events: parseEvents(req.events),
      ...(req.description ? { description: req.description } : {}),
      ...(req.secret ? { secret: req.secret } : {}),
      ...(req.status ? { status: req.status as WebhookStatus } : {}),
    });
    return mlflowJson({ webhook: webhookJson(webhook) });
  });

  app.get("/webhooks", async (c) => {
    const req = await parseRequest(
      c,
      z.object({ max_results: int64.optional(), page_token: z.string().optional() }),
    );
    const page = await store.list(req.max_results, req.page_token || undefined);
    return mlflowJson({
      webhooks: nonEmpty(page.webhooks.map(webhookJson)),
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    });
  });

  app.get("/webhooks/:webhook_id", async (c) => {
    const webhook = await store.get(c.req.param("webhook_id"));
    return mlflowJson({ webhook: webhookJson(webhook) });
  });

  app.patch("/webhooks/:webhook_id", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        name: z.string().optional(),
        description: z.string().optional(),
        url: z.string().optional(),
        events: z.array(z.unknown()).optional(),
        secret: z.string().optional(),
        status: Status.optional(),
      }),
    );
    // As MLflow: an empty name, url or event list leaves the field; description and secret
    // are set whenever present (an empty secret removes the signature).
    const webhook = await store.update(c.req.param("webhook_id"), {
      ...(req.name ? { name: req.name } : {}),
      ...(req.url ? { url: req.url } : {}),
      ...(req.events && req.events.length > 0 ? { events: parseEvents(req.events) } : {}),
      ...(req.description !== undefined ? { description: req.description } : {}),
      ...(req.secret !== undefined ? { secret: req.secret } : {}),
      ...(req.status ? { status: req.status as WebhookStatus } : {}),
    });
    return mlflowJson({ webhook: webhookJson(webhook) });
  });

  app.delete("/webhooks/:webhook_id", async (c) => {
    await store.delete(c.req.param("webhook_id"));
    return mlflowJson({});
  });

  app.post("/webhooks/:webhook_id/test", async (c) => {
    const req = await parseRequest(c, z.object({ event: z.unknown().optional() }));
    const event = req.event !== undefined && req.event !== null ? parseEvent(req.event) : undefined;
    const webhook = await store.get(c.req.param("webhook_id"));
    const testEvent = event ?? webhook.events[0]!;
    try {
      const secret = await store.secretOf(webhook);
      const body = envelope(
        testEvent,
        examplePayload(testEvent),
        Date.now(),
        workspacesActive() ? webhook.workspace : undefined,
      );
      const answer = await sendWithRetries(webhook, secret, body, service.settings);
      return mlflowJson({
        result: {
          success: answer.status < 400,
          response_status: answer.status,
          ...(answer.body ? { response_body: answer.body } : {}),
        },
      });
    } catch (e) {
      return mlflowJson({
        result: {
          success: false,
          error_message: `Failed to test webhook: ${(e as Error).message}`,
        },
      });
    }
  });

  return app;
}
