/**
 * AI Gateway endpoints (MLflow's `create/get/update/delete/list_gateway_endpoint`,
 * `attach_model_to_endpoint`, `detach_model_from_endpoint`, `set/delete_gateway_endpoint_tag`).
 * One item per endpoint holds its model mappings, tags, fallback configuration and guardrail
 * attachments (all small and bounded), so every change is one conditional write. Model
 * definitions are joined at answer time. With usage tracking on and no experiment given, the
 * endpoint gets MLflow's `gateway/<name>` experiment with its gateway tags.
 *
 * @module
 */
import { alreadyExists, invalidParameter, notFound } from "../../errors.ts";
import { type Db, nowMs } from "../db.ts";
import type { ExperimentStore } from "../experiments/experiment_store.ts";
import { GatewayItems, gatewayNotFound, newGatewayId, type Stored } from "./gateway_items.ts";
import {
  type ModelDefinitionStore,
  type ModelDefinitionWire,
  modelDefinitionWire,
} from "./model_definition_store.ts";

/** How a model is attached (MLflow's `GatewayEndpointModelConfig`). */
export interface ModelConfig {
  model_definition_id: string;
  linkage_type: "PRIMARY" | "FALLBACK";
  weight?: number;
  fallback_order?: number;
}

/** MLflow's `FallbackConfig`. */
export interface FallbackConfig {
  strategy?: "SEQUENTIAL";
  max_attempts?: number;
}

interface Mapping {
  mapping_id: string;
  model_definition_id: string;
  weight: number;
  linkage_type: "PRIMARY" | "FALLBACK";
  fallback_order?: number;
  created_at: number;
  created_by?: string;
}

/** A guardrail attached to an endpoint (`guardrail_store.ts` answers for it). */
export interface GuardrailAttachment {
  guardrail_id: string;
  execution_order?: number;
  created_at: number;
  created_by?: string;
}

/** A stored endpoint. */
export interface EndpointItem extends Stored {
  name: string;
  created_at: number;
  last_updated_at: number;
  created_by?: string;
  last_updated_by?: string;
  routing_strategy?: string;
  fallback?: FallbackConfig & { model_definition_ids: string[] };
  experiment_id?: string;
  usage_tracking: boolean;
  mappings: Mapping[];
  tags: Record<string, string | null>;
  guardrails?: GuardrailAttachment[];
}

/** MLflow's `GatewayEndpointModelMapping` message. */
export interface MappingWire {
  mapping_id: string;
  endpoint_id: string;
  model_definition_id: string;
  model_definition?: ModelDefinitionWire;
  weight: number;
  linkage_type: string;
  fallback_order?: number;
  created_at: number;
  created_by?: string;
}

type DefLookup = (id: string) => ModelDefinitionWire | undefined;

function mappingWire(endpointId: string, m: Mapping, defs: DefLookup): MappingWire {
  const def = defs(m.model_definition_id);
  return {
    mapping_id: m.mapping_id,
    endpoint_id: endpointId,
    model_definition_id: m.model_definition_id,
    ...(def ? { model_definition: def } : {}),
    weight: m.weight,
    linkage_type: m.linkage_type,
    ...(m.fallback_order !== undefined ? { fallback_order: m.fallback_order } : {}),
    created_at: m.created_at,
    ...(m.created_by !== undefined ? { created_by: m.created_by } : {}),
  };
}

function endpointWire(e: EndpointItem, defs: DefLookup) {
  const fallback = e.fallback && (e.fallback.strategy || e.fallback.max_attempts !== undefined)
    ? {
      ...(e.fallback.strategy ? { strategy: e.fallback.strategy } : {}),
      ...(e.fallback.max_attempts != null ? { max_attempts: e.fallback.max_attempts } : {}),
    }
    : e.fallback
    ? {}
    : undefined;
  return {
    endpoint_id: e.id,
    name: e.name,
    created_at: e.created_at,
    last_updated_at: e.last_updated_at,
    model_mappings: e.mappings.map((m) => mappingWire(e.id, m, defs)),
    tags: Object.entries(e.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => (value === null ? { key } : { key, value })),
    created_by: e.created_by ?? "",
    last_updated_by: e.last_updated_by ?? "",
    ...(e.routing_strategy ? { routing_strategy: e.routing_strategy } : {}),
    ...(fallback ? { fallback_config: fallback } : {}),
    ...(e.experiment_id !== undefined ? { experiment_id: e.experiment_id } : {}),
    usage_tracking: e.usage_tracking,
  };
}

/** MLflow's `GatewayEndpoint` message. */
export type EndpointWire = ReturnType<typeof endpointWire>;

function fallbackOf(configs: ModelConfig[], fallback?: FallbackConfig) {
  return {
    ...(fallback?.strategy ? { strategy: fallback.strategy } : {}),
    ...(fallback?.max_attempts !== undefined ? { max_attempts: fallback.max_attempts } : {}),
    model_definition_ids: configs.filter((c) => c.linkage_type === "FALLBACK")
      .map((c) => c.model_definition_id),
  };
}

function mappingsOf(configs: ModelConfig[], now: number, by?: string): Mapping[] {
  return configs.map((c) => ({
    mapping_id: newGatewayId("m"),
    model_definition_id: c.model_definition_id,
    weight: c.weight ?? 1,
    linkage_type: c.linkage_type,
    ...(c.fallback_order !== undefined ? { fallback_order: c.fallback_order } : {}),
    created_at: now,
    ...(by !== undefined ? { created_by: by } : {}),
  }));
}

/** The endpoint registry. */
export class EndpointStore {
  readonly items: GatewayItems<EndpointItem>;

  constructor(
    db: Db,
    readonly defs: ModelDefinitionStore,
    private readonly experiments: ExperimentStore,
  ) {
    this.items = new GatewayItems<EndpointItem>(db, {
      kind: "ENDPOINT",
      entity: "GatewayEndpoint",
      idField: "endpoint_id",
      nameTaken: (name) => `Endpoint with name '${name}' already exists`,
    });
    defs.inUse = async (id) =>
      (await this.items.list()).some((e) => e.mappings.some((m) => m.model_definition_id === id));
  }

  private async defLookup(): Promise<DefLookup> {
    const all = new Map((await this.defs.list()).map((d) => [d.model_definition_id, d]));
    return (id) => all.get(id);
  }

  /** The answer for one stored endpoint. */
  async wire(e: EndpointItem): Promise<EndpointWire> {
    return endpointWire(e, await this.defLookup());
  }

  private async gatewayExperiment(name: string, endpointId: string): Promise<string> {
    const expName = `gateway/${name}`;
    try {
      return await this.experiments.create({
        name: expName,
        tags: {
          "mlflow.experiment.sourceType": "GATEWAY",
          "mlflow.experiment.sourceId": endpointId,
          "mlflow.experiment.isGateway": "true",
        },
      });
    } catch (e) {
      if ((e as { code?: string }).code !== "RESOURCE_ALREADY_EXISTS") throw e;
      return (await this.experiments.getByName(expName)).experimentId;
    }
  }

  private async checkExperiment(experimentId: string): Promise<string> {
    if (!/^\d+$/.test(experimentId)) {
      throw invalidParameter(`Invalid experiment_id '${experimentId}': must be an integer.`);
    }
    await this.experiments.get(experimentId);
    return experimentId;
  }

  /** Creates an endpoint over existing model definitions. */
  async create(req: {
    name: string;
    model_configs: ModelConfig[];
    created_by?: string;
    routing_strategy?: string;
    fallback_config?: FallbackConfig;
    experiment_id?: string;
    usage_tracking: boolean;
  }): Promise<EndpointWire> {
    if (req.model_configs.length === 0) {
      throw invalidParameter("Endpoint must have at least one model configuration");
    }
    const ids = [...new Set(req.model_configs.map((c) => c.model_definition_id))];
    const found = await Promise.all(ids.map((id) => this.defs.items.find(id)));
    const missing = ids.filter((_, i) => !found[i]);
    if (missing.length) notFoundDefs(missing);
    const id = newGatewayId("e");
    const now = nowMs();
    let experimentId = req.experiment_id;
    if (experimentId !== undefined) await this.checkExperiment(experimentId);
    else if (req.usage_tracking) experimentId = await this.gatewayExperiment(req.name, id);
    const hasFallback = req.fallback_config !== undefined ||
      req.model_configs.some((c) => c.linkage_type === "FALLBACK");
    const item = await this.items.create({
      id,
      name: req.name,
      created_at: now,
      last_updated_at: now,
      created_by: req.created_by,
      last_updated_by: req.created_by,
      routing_strategy: req.routing_strategy,
      fallback: hasFallback ? fallbackOf(req.model_configs, req.fallback_config) : undefined,
      experiment_id: experimentId,
      usage_tracking: req.usage_tracking,
      mappings: mappingsOf(req.model_configs, now, req.created_by),
      tags: {},
    });
    return this.wire(item);
  }

  /** By id or by name (exactly one). */
  async get(endpointId?: string, name?: string): Promise<EndpointWire> {
    if (!endpointId === !name) {
      throw invalidParameter("Exactly one of endpoint_id or name must be provided");
    }
    return this.wire(
      endpointId ? await this.items.get(endpointId) : await this.items.getByName(name!),
    );
  }

  /** Changes the given fields; new model configs replace every mapping. */
  async update(req: {
    endpoint_id: string;
    name?: string;
    updated_by?: string;
    routing_strategy?: string;
    fallback_config?: FallbackConfig;
    model_configs?: ModelConfig[];
    experiment_id?: string;
    usage_tracking?: boolean;
  }): Promise<EndpointWire> {
    const current = await this.items.get(req.endpoint_id);
    for (const id of new Set(req.model_configs?.map((c) => c.model_definition_id) ?? [])) {
      await this.defs.items.get(id);
    }
    let experimentId = req.experiment_id;
    if (experimentId !== undefined) await this.checkExperiment(experimentId);
    else if (req.usage_tracking && current.experiment_id === undefined) {
      experimentId = await this.gatewayExperiment(req.name ?? current.name, current.id);
    }
    const item = await this.items.update(req.endpoint_id, (cur) => {
      const next: EndpointItem = { ...cur, last_updated_at: nowMs() };
      if (req.name !== undefined) next.name = req.name;
      if (req.usage_tracking !== undefined) next.usage_tracking = req.usage_tracking;
      if (experimentId !== undefined) next.experiment_id = experimentId;
      if (req.routing_strategy !== undefined) next.routing_strategy = req.routing_strategy;
      if (req.model_configs !== undefined) {
        next.mappings = mappingsOf(req.model_configs, nowMs(), req.updated_by);
        next.fallback = fallbackOf(req.model_configs, req.fallback_config);
      } else if (req.fallback_config !== undefined) {
        next.fallback = {
          ...fallbackOf([], req.fallback_config),
          model_definition_ids: cur.fallback?.model_definition_ids ?? [],
        };
      }
      if (req.updated_by) next.last_updated_by = req.updated_by;
      return next;
    });
    return this.wire(item);
  }

  /** Deletes the endpoint (its mappings, tags and guardrail attachments with it). */
  async delete(endpointId: string): Promise<EndpointItem> {
    return await this.items.delete(endpointId);
  }

  /**
   * Endpoints with at least one model (MLflow's inner join), optionally only those with a model
   * of `provider` and/or over `secret_id`.
   */
  async list(filter: { provider?: string; secret_id?: string } = {}): Promise<EndpointWire[]> {
    const defs = await this.defLookup();
    return (await this.items.list())
      .filter((e) =>
        e.mappings.some((m) => {
          if (filter.provider === undefined && filter.secret_id === undefined) return true;
          const d = defs(m.model_definition_id);
          return d !== undefined &&
            (filter.provider === undefined || d.provider === filter.provider) &&
            (filter.secret_id === undefined || d.secret_id === filter.secret_id);
        })
      )
      .map((e) => endpointWire(e, defs));
  }

  /** Attaches one more model; the same definition twice with one linkage type is refused. */
  async attach(endpointId: string, config: ModelConfig, createdBy?: string): Promise<MappingWire> {
    await this.items.get(endpointId);
    await this.defs.items.get(config.model_definition_id);
    const now = nowMs();
    const [mapping] = mappingsOf([config], now, createdBy);
    await this.items.update(endpointId, (cur) => {
      if (
        cur.mappings.some((m) =>
          m.model_definition_id === config.model_definition_id &&
          m.linkage_type === config.linkage_type
        )
      ) {
        throw alreadyExists(
          `Model definition '${config.model_definition_id}' is already attached to ` +
            `endpoint '${endpointId}'`,
        );
      }
      return {
        ...cur,
        mappings: [...cur.mappings, mapping!],
        last_updated_at: now,
        ...(createdBy ? { last_updated_by: createdBy } : {}),
      };
    });
    const def = await this.defs.items.find(config.model_definition_id);
    const secrets = await this.defs.secretLookup();
    return mappingWire(
      endpointId,
      mapping!,
      (id) => (def && id === def.id ? modelDefinitionWire(def, secrets) : undefined),
    );
  }

  /** Detaches the first mapping of the definition. */
  async detach(endpointId: string, modelDefinitionId: string): Promise<void> {
    await this.items.update(endpointId, (cur) => {
      const i = cur.mappings.findIndex((m) => m.model_definition_id === modelDefinitionId);
      if (i < 0) {
        throw notFound(
          `Model definition '${modelDefinitionId}' is not attached to endpoint '${endpointId}'`,
        );
      }
      return { ...cur, mappings: cur.mappings.filter((_, j) => j !== i) };
    });
  }

  /** Sets (or overwrites) a tag (MLflow's columns: key ≤ 250, value ≤ 5000 characters). */
  async setTag(endpointId: string, key: string, value: string | undefined): Promise<void> {
    if (key.length > 250) {
      throw invalidParameter(`Tag key '${key.slice(0, 32)}...' is longer than 250 characters.`);
    }
    if ((value ?? "").length > 5000) {
      throw invalidParameter(`Value for tag '${key}' is longer than 5000 characters.`);
    }
    await this.items.update(endpointId, (cur) => ({
      ...cur,
      tags: { ...cur.tags, [key]: value ?? null },
    }));
  }

  /** Deletes a tag (absent keys are fine, as in MLflow). */
  async deleteTag(endpointId: string, key: string): Promise<void> {
    await this.items.update(endpointId, (cur) => {
      const tags = { ...cur.tags };
      delete tags[key];
      return { ...cur, tags };
    });
  }

  /** The endpoint item, or MLflow's not-found error. */
  async item(endpointId: string): Promise<EndpointItem> {
    return await this.items.get(endpointId);
  }
}

function notFoundDefs(missing: string[]): never {
  throw notFound(`Model definitions not found: ${missing.join(", ")}`);
}

export { gatewayNotFound };
