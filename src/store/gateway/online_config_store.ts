/**
 * Online scoring configurations (MLflow's `upsert_online_scoring_config` and
 * `get_online_scoring_configs`): how often a registered scorer judges new traces of its
 * experiment, and which ones. One configuration per scorer (an upsert replaces it), an item in
 * the `GW#ONLINE` partition keyed by the scorer's id. A positive sample rate needs a scorer whose
 * judge model is an AI Gateway endpoint (`gateway:/<endpoint>`) and that needs no expectations,
 * as in MLflow.
 *
 * @module
 */
import { invalidParameter } from "../../errors.ts";
import { batchGetAll } from "../../dynamo/batch.ts";
import { gatewayItemKey } from "../../keys/key_schema.ts";
import { parseTraceFilter } from "../../search/traces_filter.ts";
import { type Db, isConditionFailure, rawKey } from "../db.ts";
import type { ExperimentStore } from "../experiments/experiment_store.ts";
import type { ScorerStore } from "../scorers/scorer_store.ts";
import { decodeResource, GatewayItems, type Stored } from "./gateway_items.ts";

/** MLflow's `OnlineScoringConfig.to_dict()`. */
export interface OnlineConfigWire {
  online_scoring_config_id: string;
  scorer_id: string;
  sample_rate: number;
  experiment_id: string;
  filter_string?: string;
}

interface OnlineItem extends Stored, OnlineConfigWire {}

function wire(i: OnlineItem): OnlineConfigWire {
  return {
    online_scoring_config_id: i.online_scoring_config_id,
    scorer_id: i.scorer_id,
    sample_rate: i.sample_rate,
    experiment_id: i.experiment_id,
    ...(i.filter_string != null ? { filter_string: i.filter_string } : {}),
  };
}

/** MLflow's `extract_model_from_serialized_scorer`. */
export function scorerModel(data: Record<string, unknown>): string | undefined {
  const get = (k: string) => data[k] as Record<string, unknown> | undefined;
  const ij = get("instructions_judge_pydantic_data");
  if (ij) return ij.model as string | undefined;
  const bs = get("builtin_scorer_pydantic_data");
  if (bs) return bs.model as string | undefined;
  const mem = get("memory_augmented_judge_data");
  if (mem) return scorerModel((mem.base_judge ?? {}) as Record<string, unknown>);
  const tp = get("third_party_scorer_data");
  if (tp) return tp.model as string | undefined;
  return undefined;
}

/** MLflow's `is_gateway_model`: `gateway:/<endpoint>`. */
export function isGatewayModel(model: string | undefined): boolean {
  if (typeof model !== "string") return false;
  const i = model.indexOf(":/");
  return i > 0 && model.slice(0, i) === "gateway" && model.slice(i + 2).replace(/^\/+/, "") !== "";
}

/** The online scoring configuration registry. */
export class OnlineConfigStore {
  readonly items: GatewayItems<OnlineItem>;

  constructor(
    private readonly db: Db,
    private readonly experiments: ExperimentStore,
    private readonly scorers: ScorerStore,
  ) {
    this.items = new GatewayItems<OnlineItem>(db, {
      kind: "ONLINE",
      entity: "OnlineScoringConfig",
      idField: "scorer_id",
    });
  }

  /** The configurations of the given scorers (scorers without one are left out). */
  async get(scorerIds: string[]): Promise<OnlineConfigWire[]> {
    const ids = [...new Set(scorerIds)];
    if (ids.length === 0) return [];
    const items = await batchGetAll(
      this.db.port,
      this.db.table,
      ids.map((id) => rawKey(gatewayItemKey("ONLINE", id))),
      true,
    );
    const byId = new Map(
      items.map((i) => decodeResource<OnlineItem>(i)).map((i) => [i.scorer_id, i]),
    );
    return ids.flatMap((id) => (byId.has(id) ? [wire(byId.get(id)!)] : []));
  }

  /** Creates or replaces the configuration of the scorer `name` of the experiment. */
  async upsert(
    experimentId: string,
    name: string,
    sampleRate: number,
    filterString: string | undefined,
  ): Promise<OnlineConfigWire> {
    if (!(sampleRate >= 0 && sampleRate <= 1)) {
      throw invalidParameter(`sample_rate must be between 0.0 and 1.0, got ${pyFloat(sampleRate)}`);
    }
    if (filterString) parseTraceFilter(filterString);
    const e = await this.experiments.get(experimentId);
    if (e.lifecycleStage !== "active") {
      throw invalidParameter(
        `The experiment ${experimentId} must be in the 'active' state. ` +
          `Current state is ${e.lifecycleStage}.`,
      );
    }
    const scorer = await this.scorers.get(experimentId, name);
    if (sampleRate > 0) {
      let data: Record<string, unknown> = {};
      try {
        data = JSON.parse(scorer.serialized_scorer);
      } catch { /* stored scorers are valid JSON */ }
      if (!isGatewayModel(scorerModel(data))) {
        throw invalidParameter(
          `Scorer '${name}' does not use a gateway model. Automatic evaluation is only ` +
            "supported for scorers that use gateway models.",
        );
      }
      const ij = data.instructions_judge_pydantic_data as { instructions?: unknown } | undefined;
      if (
        ij && typeof ij.instructions === "string" &&
        /\{\{\s*expectations\s*\}\}/.test(ij.instructions)
      ) {
        throw invalidParameter(
          `Scorer '${name}' requires expectations, but scorers with expectations are not ` +
            "currently supported for automatic evaluation.",
        );
      }
    }
    const scorerId = scorer.scorer_id!;
    const value: OnlineConfigWire = {
      online_scoring_config_id: crypto.randomUUID().replaceAll("-", ""),
      scorer_id: scorerId,
      sample_rate: sampleRate,
      experiment_id: experimentId,
      ...(filterString != null ? { filter_string: filterString } : {}),
    };
    const replace = () => this.items.update(scorerId, () => ({ ...value, id: scorerId, rev: 0 }));
    if (await this.items.find(scorerId)) await replace();
    else {
      try {
        await this.items.create({ id: scorerId, ...value });
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
        await replace();
      }
    }
    return value;
  }
}

function pyFloat(n: number): string {
  return Number.isInteger(n) ? `${n}.0` : String(n);
}
