/**
 * Mounts the webhook routes under `/api/2.0/mlflow` and `/ajax-api/2.0/mlflow`.
 *
 * @module
 */
import type { Hono } from "hono";
import type { WebhookService } from "../../webhooks/service.ts";
import { mountMlflow } from "../mount.ts";
import { webhookRoutes } from "./webhook_routes.ts";

/** The mount function `src/server/extra_routes.ts` adds. */
export function mountWebhooks(service: WebhookService): (app: Hono) => void {
  const routes = webhookRoutes(service);
  return (app) => mountMlflow(app, routes);
}
