/**
 * Operations keys of the key schema: webhooks and their pending deliveries, and the AI Gateway's
 * configuration (one partition per kind of resource). Part of `key_schema.ts`, which re-exports
 * it; import that, not this file.
 *
 * @module
 */
import { DEFAULT_WORKSPACE } from "../util/workspace_context.ts";
import { inWorkspace } from "./internal.ts";
import { type Key, MAX_SORT_KEY_BYTES, nameInKey, padNumber } from "./names.ts";

// Webhooks and their pending deliveries (docs/key-schema.md, "Webhooks").

/**
 * The partition holding every webhook of a workspace (one item each, sk = webhook id): `WH` for
 * `default` (the keys of a server without workspaces), `WH@<ws>` otherwise. Webhooks are few (an
 * admin registers them), so list and "who subscribes to this event" read this one partition.
 */
export const webhooksPk = (workspace = DEFAULT_WORKSPACE): string => inWorkspace("WH", workspace);
/** One webhook of a workspace. */
export const webhookKey = (webhookId: string, workspace = DEFAULT_WORKSPACE): Key => ({
  pk: webhooksPk(workspace),
  sk: webhookId,
});

/**
 * The partition of pending webhook deliveries. The sk starts with the padded due time, so one
 * Query with `sk <= due(now)` returns the deliveries that are due, oldest first.
 */
export const webhookDeliveriesPk = (): string => "WHQ";
/** A pending delivery, due at `dueMs`. */
export const webhookDeliveryKey = (dueMs: number, deliveryId: string): Key => ({
  pk: webhookDeliveriesPk(),
  sk: `${padNumber(Math.max(0, Math.trunc(dueMs)))}#${deliveryId}`,
});
/** The greatest sk of a delivery due at or before `nowMs` (`#` sorts before every id character). */
export const webhookDeliveriesDueBy = (nowMs: number): string =>
  `${padNumber(Math.max(0, Math.trunc(nowMs)))}#~`;

// ---------------------------------------------------------------------------------------------
// AI Gateway configuration (docs/key-schema.md, "AI Gateway"). One partition per kind of
// resource, built only by `gatewayPk`, so that a workspace component can be added in one place.

/** The kinds of gateway resources, each with its own partition. */
export type GatewayKind =
  | "SECRET"
  | "MODELDEF"
  | "ENDPOINT"
  | "BINDING"
  | "BUDGET"
  | "GUARDRAIL"
  | "ONLINE";
/** The partition of one kind of gateway resource. */
export const gatewayPk = (kind: GatewayKind): string => `GW#${kind}`;
/** The sk prefix of the resource items of a gateway partition (name claims use `N#`). */
export const GATEWAY_ITEM_PREFIX = "I#";
/** One gateway resource by id. */
export const gatewayItemKey = (kind: GatewayKind, id: string): Key => ({
  pk: gatewayPk(kind),
  sk: `${GATEWAY_ITEM_PREFIX}${id}`,
});
/** The claim on a unique name (secrets, model definitions, endpoints, guardrails). */
export const gatewayNameKey = (kind: GatewayKind, name: string): Key => ({
  pk: gatewayPk(kind),
  sk: `N#${nameInKey(name, MAX_SORT_KEY_BYTES, 2)}`,
});
/** An endpoint binding's id: its endpoint, resource type and resource id (length-prefixed). */
export const gatewayBindingId = (
  endpointId: string,
  resourceType: string,
  resourceId: string,
): string =>
  `${gatewayBindingPrefix(endpointId)}${resourceType.length}:${resourceType}#${
    nameInKey(resourceId, MAX_SORT_KEY_BYTES, 300)
  }`;
/** The id prefix of every binding of one endpoint. */
export const gatewayBindingPrefix = (endpointId: string): string =>
  `${endpointId.length}:${endpointId}#`;
