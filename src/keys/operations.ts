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
// resource and workspace, built only by `gatewayPk`: `GW#<kind>` in the default workspace (the
// keys of a server without workspaces), `GW#<kind>@<ws>` in another one, as MLflow 3.17.2 keeps
// secrets, model definitions, endpoints (with their bindings), budgets and guardrails per
// workspace, names unique within one.

/** The kinds of gateway resources, each with its own partition. */
export type GatewayKind =
  | "SECRET"
  | "MODELDEF"
  | "ENDPOINT"
  | "BINDING"
  | "BUDGET"
  | "GUARDRAIL"
  | "ONLINE";
/**
 * The partition of one kind of gateway resource in a workspace. `ONLINE` (online scoring
 * configurations, keyed by scorer id) is server-wide: its scorer's experiment carries the
 * workspace.
 */
export const gatewayPk = (kind: GatewayKind, workspace = DEFAULT_WORKSPACE): string =>
  inWorkspace(`GW#${kind}`, kind === "ONLINE" ? DEFAULT_WORKSPACE : workspace);
/** The sk prefix of the resource items of a gateway partition (name claims use `N#`). */
export const GATEWAY_ITEM_PREFIX = "I#";
/** One gateway resource by id, in a workspace. */
export const gatewayItemKey = (
  kind: GatewayKind,
  id: string,
  workspace = DEFAULT_WORKSPACE,
): Key => ({
  pk: gatewayPk(kind, workspace),
  sk: `${GATEWAY_ITEM_PREFIX}${id}`,
});
/** The claim on a unique name (secrets, model definitions, endpoints, guardrails) in a workspace. */
export const gatewayNameKey = (
  kind: GatewayKind,
  name: string,
  workspace = DEFAULT_WORKSPACE,
): Key => ({
  pk: gatewayPk(kind, workspace),
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
