/**
 * Registered GenAI scorers (MLflow's `register_scorer`, `list_scorers`, `list_scorer_versions`,
 * `get_scorer`, `delete_scorer`). One partition per experiment: a head item per scorer name (its
 * `scorer_id`) and one item per version; the serialized scorer is stored exactly as sent.
 * A new version is a conditional put, retried when another register took the number.
 *
 * @module
 */
import { queryAll } from "../../dynamo/batch.ts";
import { query } from "../../dynamo/query_pages.ts";
import { invalidParameter, notFound } from "../../errors.ts";
import {
  SCORER_PREFIX,
  scorerHeadKey,
  scorerIdKey,
  scorerNamePrefix,
  scorerPk,
  scorerVersionKey,
} from "../../keys/key_schema.ts";
import { type Db, fromItem, isConditionFailure, nowMs, rawKey, toItem } from "../db.ts";
import type { ExperimentStore } from "../experiments/experiment_store.ts";
import { searchExperiments } from "../experiments/search_experiments.ts";
import { pooledMap } from "../../util/pool.ts";

/** MLflow's `Scorer` message. */
export interface ScorerWire {
  experiment_id: number;
  scorer_name: string;
  scorer_version: number;
  serialized_scorer: string;
  creation_time: number;
  scorer_id?: string;
}

interface VersionItem {
  sk: string;
  experiment_id: string;
  scorer_name: string;
  scorer_version: number;
  serialized_scorer: string;
  creation_time: number;
  scorer_id: string;
}

const MAX_REGISTER_ATTEMPTS = 10;

function wire(v: VersionItem): ScorerWire {
  return {
    experiment_id: Number(v.experiment_id),
    scorer_name: v.scorer_name,
    scorer_version: Number(v.scorer_version),
    serialized_scorer: v.serialized_scorer,
    creation_time: v.creation_time,
    scorer_id: v.scorer_id,
  };
}

function scorerNotFound(experimentId: string, name: string, version?: number) {
  return notFound(
    version === undefined
      ? `Scorer with name '${name}' not found for experiment ${experimentId}.`
      : `Scorer with name '${name}' and version ${version} not found for experiment ${experimentId}.`,
  );
}

/** The scorer registry. */
export class ScorerStore {
  constructor(readonly db: Db, readonly experiments: ExperimentStore) {}

  private async activeExperiment(experimentId: string): Promise<void> {
    const e = await this.experiments.get(experimentId);
    if (e.lifecycleStage !== "active") {
      throw invalidParameter(
        `The experiment ${experimentId} must be in the 'active' state. Current state is ${e.lifecycleStage}.`,
      );
    }
  }

  private async versions(experimentId: string, name: string, newestFirst = false, limit?: number) {
    const res = await query(this.db.port, {
      TableName: this.db.table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
      ExpressionAttributeValues: {
        ":pk": { S: scorerPk(experimentId) },
        ":p": { S: scorerNamePrefix(name) },
      },
      ScanIndexForward: !newestFirst,
      ConsistentRead: true,
      ...(limit ? { Limit: limit } : {}),
    }, limit ? { pages: 1 } : { pages: "all" });
    return res.items.map((i) => fromItem<VersionItem>(i));
  }

  /** Registers the next version of `name` in the experiment. */
  async register(experimentId: string, name: string, serialized: string): Promise<ScorerWire> {
    if (!name.trim()) {
      throw invalidParameter("Scorer name cannot be empty or contain only whitespace.");
    }
    await this.activeExperiment(experimentId);
    const head = await this.db.port.getItem({
      TableName: this.db.table,
      Key: rawKey(scorerHeadKey(experimentId, name)),
      ConsistentRead: true,
    });
    let scorerId = head.Item?.scorer_id?.S;
    if (!scorerId) {
      scorerId = crypto.randomUUID();
      try {
        await this.db.port.transactWriteItems({
          TransactItems: [{
            Put: {
              TableName: this.db.table,
              Item: toItem({
                ...scorerHeadKey(experimentId, name),
                scorer_id: scorerId,
                scorer_name: name,
              }),
              ConditionExpression: "attribute_not_exists(sk)",
            },
          }, {
            Put: {
              TableName: this.db.table,
              Item: toItem({
                ...scorerIdKey(scorerId),
                experiment_id: experimentId,
                scorer_name: name,
              }),
            },
          }],
        });
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
        return this.register(experimentId, name, serialized);
      }
    }
    for (let attempt = 0; attempt < MAX_REGISTER_ATTEMPTS; attempt++) {
      const [latest] = await this.versions(experimentId, name, true, 1);
      const version = (latest?.scorer_version ?? 0) + 1;
      const item: Omit<VersionItem, "sk"> = {
        experiment_id: experimentId,
        scorer_name: name,
        scorer_version: version,
        serialized_scorer: serialized,
        creation_time: nowMs(),
        scorer_id: scorerId,
      };
      try {
        await this.db.port.putItem({
          TableName: this.db.table,
          Item: toItem({ ...scorerVersionKey(experimentId, name, version), ...item }),
          ConditionExpression: "attribute_not_exists(sk)",
        });
        return wire({ ...item, sk: "" });
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
    }
    throw new Error(
      `could not register a version of scorer '${name}': too many concurrent writers`,
    );
  }

  /** The latest version of every scorer name of the experiment, by name. */
  async list(experimentId: string): Promise<ScorerWire[]> {
    await this.experiments.get(experimentId);
    return await this.latestIn(experimentId);
  }

  /** `experiment_ids`: the latest versions in each active experiment of the list (others skipped). */
  async listAcross(experimentIds: string[]): Promise<ScorerWire[]> {
    const ids = [...new Set(experimentIds)].sort((a, b) => Number(a) - Number(b));
    const active = await pooledMap(ids, async (id) => {
      const e = await this.experiments.find(id).catch(() => undefined);
      return e?.lifecycleStage === "active" ? id : undefined;
    });
    return await this.latestInEach(active.filter((id): id is string => id !== undefined));
  }

  /**
   * The latest version of every scorer of every active experiment (MLflow's `scorers/list`
   * without an experiment): one read of the experiments' index, then one Query per experiment.
   */
  async listAll(): Promise<ScorerWire[]> {
    const { experiments } = await searchExperiments(this.db, {
      viewType: "ACTIVE_ONLY",
      maxResults: Number.MAX_SAFE_INTEGER,
      predicate: () => true,
      compare: (a, b) => Number(a.experimentId) - Number(b.experimentId),
    });
    return await this.latestInEach(experiments.map((e) => e.experimentId));
  }

  private async latestInEach(experimentIds: string[]): Promise<ScorerWire[]> {
    return (await pooledMap(experimentIds, (id) => this.latestIn(id))).flat();
  }

  private async latestIn(experimentId: string): Promise<ScorerWire[]> {
    const items = (await queryAll(this.db.port, {
      TableName: this.db.table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
      ExpressionAttributeValues: {
        ":pk": { S: scorerPk(experimentId) },
        ":p": { S: SCORER_PREFIX },
      },
      ConsistentRead: true,
    })).map((i) => fromItem<VersionItem>(i)).filter((i) => i.scorer_version !== undefined);
    const latest = new Map<string, VersionItem>();
    for (const v of items) {
      const prev = latest.get(v.scorer_name);
      if (!prev || prev.scorer_version < v.scorer_version) latest.set(v.scorer_name, v);
    }
    return [...latest.values()]
      .sort((a, b) => (a.scorer_name < b.scorer_name ? -1 : a.scorer_name > b.scorer_name ? 1 : 0))
      .map(wire);
  }

  /** Every version of `name`, oldest first. */
  async listVersions(experimentId: string, name: string): Promise<ScorerWire[]> {
    await this.experiments.get(experimentId);
    const versions = await this.versions(experimentId, name);
    if (versions.length === 0) throw scorerNotFound(experimentId, name);
    return versions.map(wire);
  }

  /** One version, or the latest when `version` is undefined. */
  async get(experimentId: string, name: string, version?: number): Promise<ScorerWire> {
    await this.experiments.get(experimentId);
    if (version === undefined) {
      const [latest] = await this.versions(experimentId, name, true, 1);
      if (!latest) throw scorerNotFound(experimentId, name);
      return wire(latest);
    }
    const res = await this.db.port.getItem({
      TableName: this.db.table,
      Key: rawKey(scorerVersionKey(experimentId, name, version)),
      ConsistentRead: true,
    });
    if (!res.Item) throw scorerNotFound(experimentId, name, version);
    return wire(fromItem<VersionItem>(res.Item));
  }

  /** Deletes one version, or every version and the name's head item. */
  async delete(experimentId: string, name: string, version?: number): Promise<void> {
    await this.activeExperiment(experimentId);
    const versions = await this.versions(experimentId, name);
    const doomed = version === undefined
      ? versions
      : versions.filter((v) => Number(v.scorer_version) === version);
    if (doomed.length === 0) throw scorerNotFound(experimentId, name, version);
    for (const v of doomed) {
      await this.db.port.deleteItem({
        TableName: this.db.table,
        Key: rawKey(scorerVersionKey(experimentId, name, Number(v.scorer_version))),
      });
    }
    if (version === undefined) {
      await this.db.port.deleteItem({
        TableName: this.db.table,
        Key: rawKey(scorerHeadKey(experimentId, name)),
      });
      const id = doomed[0]!.scorer_id;
      if (id) {
        await this.db.port.deleteItem({ TableName: this.db.table, Key: rawKey(scorerIdKey(id)) });
      }
    }
  }

  /**
   * A version by the scorer's id (the latest when `version` is undefined), MLflow's
   * `_get_scorer_version`; scorers registered before the id pointer existed are not found.
   */
  async getById(scorerId: string, version?: number): Promise<ScorerWire> {
    const res = await this.db.port.getItem({
      TableName: this.db.table,
      Key: rawKey(scorerIdKey(scorerId)),
      ConsistentRead: true,
    });
    const ptr = res.Item && fromItem<{ experiment_id: string; scorer_name: string }>(res.Item);
    if (!ptr) throw notFound(`Scorer with ID '${scorerId}' not found.`);
    const found = await this.versions(ptr.experiment_id, ptr.scorer_name);
    const v = version === undefined
      ? found.at(-1)
      : found.find((x) => Number(x.scorer_version) === version);
    if (!v) {
      throw notFound(
        version === undefined
          ? `Scorer with ID '${scorerId}' not found.`
          : `Scorer with ID '${scorerId}' and version ${version} not found.`,
      );
    }
    return wire(v);
  }
}
