/**
 * AI Gateway guardrails (MLflow's `create/get/delete/list_gateway_guardrail`,
 * `add_guardrail_to_endpoint`, `update_endpoint_guardrail_config`,
 * `remove_guardrail_from_endpoint`, `list_endpoint_guardrail_configs`): a registered scorer
 * version run before or after an endpoint's calls. A guardrail is an item of `GW#GUARDRAIL`; its
 * attachments live in the endpoint's item (`guardrails`), so attaching is one conditional write.
 * The scorer is read at answer time; `@scorer` code is refused, as in MLflow (it would run in the
 * server).
 *
 * @module
 */
import { alreadyExists, invalidParameter } from "../../errors.ts";
import { type Db, nowMs } from "../db.ts";
import type { ScorerStore, ScorerWire } from "../scorers/scorer_store.ts";
import type { EndpointStore, GuardrailAttachment } from "./endpoint_store.ts";
import { GatewayItems, gatewayNotFound, newGatewayId, type Stored } from "./gateway_items.ts";

/** MLflow's `GuardrailStage` and `GuardrailAction` names. */
export const GUARDRAIL_STAGES = ["BEFORE", "AFTER"] as const;
export const GUARDRAIL_ACTIONS = ["VALIDATION", "SANITIZATION"] as const;

interface GuardrailItem extends Stored {
  name: string;
  scorer_id: string;
  scorer_version: number;
  stage: string;
  action: string;
  action_endpoint_id?: string;
  created_by?: string;
  created_at: number;
  last_updated_by?: string;
  last_updated_at: number;
}

/** MLflow's `GatewayGuardrail` message. */
export interface GuardrailWire {
  guardrail_id: string;
  name: string;
  scorer?: ScorerWire;
  stage: string;
  action: string;
  action_endpoint_id?: string;
  created_by: string;
  created_at: number;
  last_updated_by: string;
  last_updated_at: number;
}

function hasCallSource(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasCallSource);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (o.call_source !== undefined && o.call_source !== null) return true;
    return Object.values(o).some(hasCallSource);
  }
  return false;
}

/** The guardrail registry. */
export class GuardrailStore {
  readonly items: GatewayItems<GuardrailItem>;

  constructor(
    db: Db,
    private readonly scorers: ScorerStore,
    private readonly endpoints: EndpointStore,
  ) {
    this.items = new GatewayItems<GuardrailItem>(db, {
      kind: "GUARDRAIL",
      entity: "Guardrail",
      idField: "guardrail_id",
    });
  }

  private async wire(g: GuardrailItem): Promise<GuardrailWire> {
    const scorer = await this.scorers.getById(g.scorer_id, g.scorer_version).catch(() => undefined);
    const endpoint = g.action_endpoint_id
      ? await this.endpoints.items.find(g.action_endpoint_id)
      : undefined;
    return {
      guardrail_id: g.id,
      name: g.name,
      ...(scorer ? { scorer } : {}),
      stage: g.stage,
      action: g.action,
      ...(endpoint ? { action_endpoint_id: endpoint.name } : {}),
      created_by: g.created_by ?? "",
      created_at: g.created_at,
      last_updated_by: g.last_updated_by ?? "",
      last_updated_at: g.last_updated_at,
    };
  }

  /** Creates a guardrail over an existing, non-custom scorer version. */
  async create(req: {
    name: string;
    scorer_id: string;
    scorer_version: number;
    stage: string;
    action: string;
    action_endpoint_id?: string;
    created_by?: string;
  }): Promise<GuardrailWire> {
    const scorer = await this.scorers.getById(req.scorer_id, req.scorer_version);
    let data: unknown;
    try {
      data = JSON.parse(scorer.serialized_scorer);
    } catch {
      data = undefined;
    }
    if (hasCallSource(data)) {
      throw invalidParameter(
        "Gateway guardrails do not support custom scorers defined with the @scorer " +
          "decorator. Use a built-in scorer or a judge created with make_judge.",
      );
    }
    const now = nowMs();
    return this.wire(
      await this.items.create({
        id: newGatewayId("gr"),
        ...req,
        created_at: now,
        last_updated_at: now,
        last_updated_by: req.created_by,
      }),
    );
  }

  /** By id. */
  async get(id: string): Promise<GuardrailWire> {
    return this.wire(await this.items.get(id));
  }

  /** Deletes the guardrail and detaches it from every endpoint. */
  async delete(id: string): Promise<void> {
    await this.items.get(id);
    for (const e of await this.endpoints.items.list()) {
      if (e.guardrails?.some((g) => g.guardrail_id === id)) {
        await this.endpoints.items.update(e.id, (cur) => ({
          ...cur,
          guardrails: (cur.guardrails ?? []).filter((g) => g.guardrail_id !== id),
        }));
      }
    }
    await this.items.delete(id);
  }

  /** Guardrails by id, after the id `after`. */
  async page(max: number, after?: string): Promise<{ items: GuardrailWire[]; last?: string }> {
    const all = (await this.items.list()).sort((a, b) => (a.id < b.id ? -1 : 1))
      .filter((g) => after === undefined || g.id > after);
    const items = await Promise.all(all.slice(0, max).map((g) => this.wire(g)));
    return { items, last: all.length > max ? items.at(-1)!.guardrail_id : undefined };
  }

  private async configWire(endpointId: string, a: GuardrailAttachment) {
    const g = await this.items.find(a.guardrail_id);
    return {
      endpoint_id: endpointId,
      guardrail_id: a.guardrail_id,
      ...(a.execution_order != null ? { execution_order: a.execution_order } : {}),
      ...(g ? { guardrail: await this.wire(g) } : {}),
      created_by: a.created_by ?? "",
      created_at: a.created_at,
    };
  }

  /** Attaches a guardrail to an endpoint (once). */
  async add(endpointId: string, guardrailId: string, order?: number, createdBy?: string) {
    const endpoint = await this.endpoints.items.find(endpointId);
    if (!endpoint) throw gatewayNotFound("Endpoint", { endpoint_id: endpointId });
    await this.items.get(guardrailId);
    const attachment: GuardrailAttachment = {
      guardrail_id: guardrailId,
      ...(order !== undefined ? { execution_order: order } : {}),
      created_at: nowMs(),
      ...(createdBy ? { created_by: createdBy } : {}),
    };
    await this.endpoints.items.update(endpointId, (cur) => {
      if (cur.guardrails?.some((g) => g.guardrail_id === guardrailId)) {
        throw alreadyExists(
          `Guardrail '${guardrailId}' is already added to endpoint '${endpointId}'`,
        );
      }
      return { ...cur, guardrails: [...(cur.guardrails ?? []), attachment] };
    });
    return this.configWire(endpointId, attachment);
  }

  private missingConfig(endpointId: string, guardrailId: string) {
    return gatewayNotFound("GuardrailConfig", {
      endpoint_id: endpointId,
      guardrail_id: guardrailId,
    });
  }

  /** Sets (or clears) the execution order of an attachment. */
  async updateOrder(endpointId: string, guardrailId: string, order?: number) {
    const endpoint = await this.endpoints.items.find(endpointId);
    if (!endpoint?.guardrails?.some((g) => g.guardrail_id === guardrailId)) {
      throw this.missingConfig(endpointId, guardrailId);
    }
    let updated: GuardrailAttachment | undefined;
    await this.endpoints.items.update(endpointId, (cur) => ({
      ...cur,
      guardrails: (cur.guardrails ?? []).map((g) => {
        if (g.guardrail_id !== guardrailId) return g;
        const { execution_order: _old, ...rest } = g;
        updated = order === undefined ? rest : { ...rest, execution_order: order };
        return updated;
      }),
    }));
    if (!updated) throw this.missingConfig(endpointId, guardrailId);
    return this.configWire(endpointId, updated);
  }

  /** Detaches a guardrail from an endpoint. */
  async remove(endpointId: string, guardrailId: string): Promise<void> {
    const endpoint = await this.endpoints.items.find(endpointId);
    if (!endpoint?.guardrails?.some((g) => g.guardrail_id === guardrailId)) {
      throw this.missingConfig(endpointId, guardrailId);
    }
    await this.endpoints.items.update(endpointId, (cur) => ({
      ...cur,
      guardrails: (cur.guardrails ?? []).filter((g) => g.guardrail_id !== guardrailId),
    }));
  }

  /** An endpoint's attachments: ordered ones first by order, then the rest, ties by id. */
  async listForEndpoint(endpointId: string) {
    const endpoint = await this.endpoints.items.find(endpointId);
    if (!endpoint) throw gatewayNotFound("Endpoint", { endpoint_id: endpointId });
    const sorted = [...(endpoint.guardrails ?? [])].sort((a, b) => {
      const an = a.execution_order == null ? 1 : 0;
      const bn = b.execution_order == null ? 1 : 0;
      if (an !== bn) return an - bn;
      if (a.execution_order != null && b.execution_order != null) {
        if (a.execution_order !== b.execution_order) return a.execution_order - b.execution_order;
      }
      return a.guardrail_id < b.guardrail_id ? -1 : 1;
    });
    return await Promise.all(sorted.map((a) => this.configWire(endpointId, a)));
  }
}
