/**
 * AI Gateway endpoint bindings (MLflow's `create_endpoint_binding`, `delete_endpoint_binding`,
 * `list_endpoint_bindings`): which MLflow resource (today only a scorer) uses which endpoint.
 * One item per (endpoint, resource type, resource id); deleting an endpoint deletes its bindings.
 *
 * @module
 */
import { alreadyExists, invalidParameter } from "../../errors.ts";
import { gatewayBindingId } from "../../keys/key_schema.ts";
import { type Db, isConditionFailure, nowMs } from "../db.ts";
import { GatewayItems, gatewayNotFound, type Stored } from "./gateway_items.ts";
import type { EndpointStore } from "./endpoint_store.ts";

/** MLflow's `GatewayResourceType` values. */
export const GATEWAY_RESOURCE_TYPES = ["scorer"];

/** MLflow's `GatewayEndpointBinding` message. */
export interface BindingWire {
  endpoint_id: string;
  resource_type: string;
  resource_id: string;
  created_at: number;
  last_updated_at: number;
  created_by?: string;
  last_updated_by?: string;
}

interface BindingItem extends Stored, BindingWire {}

function wire(b: BindingItem): BindingWire {
  const { id: _id, rev: _rev, ...rest } = b;
  return rest;
}

/** The binding registry. */
export class BindingStore {
  readonly items: GatewayItems<BindingItem>;

  constructor(db: Db, private readonly endpoints: EndpointStore) {
    this.items = new GatewayItems<BindingItem>(db, {
      kind: "BINDING",
      entity: "GatewayEndpointBinding",
      idField: "binding_id",
    });
  }

  /** Binds a resource to an existing endpoint. */
  async create(req: {
    endpoint_id: string;
    resource_type: string;
    resource_id: string;
    created_by?: string;
  }): Promise<BindingWire> {
    if (!GATEWAY_RESOURCE_TYPES.includes(req.resource_type)) {
      throw invalidParameter(
        `'${req.resource_type}' is not a valid GatewayResourceType. ` +
          `Valid values: ${GATEWAY_RESOURCE_TYPES.join(", ")}.`,
      );
    }
    await this.endpoints.item(req.endpoint_id);
    const now = nowMs();
    try {
      return wire(
        await this.items.create({
          id: gatewayBindingId(req.endpoint_id, req.resource_type, req.resource_id),
          endpoint_id: req.endpoint_id,
          resource_type: req.resource_type,
          resource_id: req.resource_id,
          created_at: now,
          last_updated_at: now,
          created_by: req.created_by,
          last_updated_by: req.created_by,
        }),
      );
    } catch (e) {
      if (isConditionFailure(e)) {
        throw alreadyExists(
          `Endpoint '${req.endpoint_id}' is already bound to ${req.resource_type} ` +
            `'${req.resource_id}'`,
        );
      }
      throw e;
    }
  }

  /** Deletes one binding; MLflow's not-found error when there is none. */
  async delete(endpointId: string, resourceType: string, resourceId: string): Promise<void> {
    const id = gatewayBindingId(endpointId, resourceType, resourceId);
    if (!await this.items.find(id)) {
      throw gatewayNotFound("GatewayEndpointBinding", {
        endpoint_id: endpointId,
        resource_type: resourceType,
        resource_id: resourceId,
      });
    }
    await this.items.delete(id);
  }

  /** Every binding matching the given filters, oldest first. */
  async list(filter: { endpoint_id?: string; resource_type?: string; resource_id?: string }) {
    return (await this.items.list())
      .filter((b) =>
        (filter.endpoint_id === undefined || b.endpoint_id === filter.endpoint_id) &&
        (filter.resource_type === undefined || b.resource_type === filter.resource_type) &&
        (filter.resource_id === undefined || b.resource_id === filter.resource_id)
      )
      .map(wire);
  }

  /** Deletes every binding of an endpoint (endpoint deletion). */
  async deleteForEndpoint(endpointId: string): Promise<void> {
    for (const b of await this.items.list()) {
      if (b.endpoint_id === endpointId) await this.items.delete(b.id);
    }
  }
}
