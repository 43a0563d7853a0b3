/**
 * GenAI evaluation datasets (MLflow's `create_dataset`, `get_dataset`, `search_datasets`, tags,
 * experiment links, delete). One partition per dataset holds its metadata item, its experiment
 * links, its records and their input-hash pointers (`docs/key-schema.md`). Records live in
 * `dataset_records.ts`.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { batchWriteAll, queryAll } from "../../dynamo/batch.ts";
import { queryPages } from "../../dynamo/query_pages.ts";
import { invalidParameter, notFound } from "../../errors.ts";
import {
  EVAL_DATASET_LINK_PREFIX,
  EVAL_DATASETS_GSI1_PK,
  evalDatasetGsi1,
  evalDatasetKey,
  evalDatasetLinkGsi1,
  evalDatasetLinkKey,
  evalDatasetPk,
  experimentIdFromLinkSk,
  GSI1,
} from "../../keys/key_schema.ts";
import {
  matchDataset,
  parseDatasetFilter,
  parseDatasetOrderBy,
} from "../../search/datasets_filter.ts";
import { pythonJsonDumps } from "../../util/python_json.ts";
import { type Db, fromItem, nowMs, rawKey, toItem } from "../db.ts";
import { keepVisible, type VisibleExperiments } from "../visible_experiments.ts";
import {
  currentWorkspace,
  DEFAULT_WORKSPACE,
  isDefaultWorkspace,
} from "../../util/workspace_context.ts";
import type { ExperimentStore } from "../experiments/experiment_store.ts";

/** The stored metadata of a dataset. */
export interface DatasetItem {
  dataset_id: string;
  name: string;
  digest: string;
  created_time: number;
  last_update_time: number;
  tags: Record<string, string>;
  schema?: string;
  profile?: string;
  created_by?: string;
  last_updated_by?: string;
  num_records?: number;
  /** Its workspace (`--enable-workspaces`); absent: `default`. */
  workspace?: string;
}

/** True when the dataset belongs to the request's workspace. */
function inCurrentWorkspace(d: DatasetItem): boolean {
  return (d.workspace ?? DEFAULT_WORKSPACE) === currentWorkspace();
}

/** MLflow's `Dataset` message. */
export interface DatasetWire {
  dataset_id: string;
  name: string;
  tags: string;
  schema?: string;
  profile?: string;
  digest: string;
  created_time: number;
  last_update_time: number;
  created_by?: string;
  last_updated_by?: string;
  experiment_ids?: string[];
}

const MLFLOW_USER = "mlflow.user";
const DEFAULT_MAX_RESULTS = 1000;
const MAX_RESULTS_LIMIT = 50000;

/** `sha256("name:time")[:8]`, MLflow's dataset digest. */
export function datasetDigest(name: string, timeMs: number): string {
  return createHash("sha256").update(`${name}:${timeMs}`).digest("hex").slice(0, 8);
}

/** The wire form of a stored dataset. */
export function datasetWire(d: DatasetItem, experimentIds?: string[]): DatasetWire {
  return {
    dataset_id: d.dataset_id,
    name: d.name,
    tags: pythonJsonDumps(d.tags ?? {}),
    schema: d.schema,
    profile: d.profile,
    digest: d.digest,
    created_time: d.created_time,
    last_update_time: d.last_update_time,
    created_by: d.created_by,
    last_updated_by: d.last_updated_by,
    experiment_ids: experimentIds && experimentIds.length > 0 ? experimentIds : undefined,
  };
}

function tagString(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "True" : "False";
  return typeof v === "number" ? String(v) : pythonJsonDumps(v);
}

/** The dataset metadata and links. */
export class DatasetStore {
  constructor(readonly db: Db, readonly experiments: ExperimentStore) {}

  /** Creates a dataset (tags and experiment links in the same write batch). */
  async create(
    name: string,
    tags: Record<string, unknown> | undefined,
    experimentIds: string[] | undefined,
  ): Promise<DatasetWire> {
    const now = nowMs();
    const stringTags: Record<string, string> = {};
    for (const [k, v] of Object.entries(tags ?? {})) stringTags[k] = tagString(v);
    const user = stringTags[MLFLOW_USER];
    const item: DatasetItem = {
      dataset_id: `d-${crypto.randomUUID().replaceAll("-", "")}`,
      name,
      digest: datasetDigest(name, now),
      created_time: now,
      last_update_time: now,
      tags: stringTags,
      created_by: user,
      last_updated_by: user,
      ...(isDefaultWorkspace(currentWorkspace()) ? {} : { workspace: currentWorkspace() }),
    };
    const ids = [...new Set((experimentIds ?? []).map(String))];
    await batchWriteAll(this.db.port, this.db.table, [
      {
        PutRequest: {
          Item: toItem({
            ...evalDatasetKey(item.dataset_id),
            ...evalDatasetGsi1(item.dataset_id),
            ...item,
          }),
        },
      },
      ...ids.map((e) => ({ PutRequest: { Item: this.linkItem(item.dataset_id, e, now) } })),
    ]);
    return datasetWire(item, experimentIds ?? []);
  }

  private linkItem(datasetId: string, experimentId: string, now: number) {
    return toItem({
      ...evalDatasetLinkKey(datasetId, experimentId),
      ...evalDatasetLinkGsi1(experimentId, datasetId),
      created_time: now,
    });
  }

  /** The stored dataset, or undefined. */
  async find(datasetId: string): Promise<DatasetItem | undefined> {
    const res = await this.db.port.getItem({
      TableName: this.db.table,
      Key: rawKey(evalDatasetKey(datasetId)),
      ConsistentRead: true,
    });
    const d = res.Item ? fromItem<DatasetItem>(res.Item) : undefined;
    return d && inCurrentWorkspace(d) ? d : undefined;
  }

  /** The stored dataset, or MLflow's not-found error. */
  async get(datasetId: string, message?: string): Promise<DatasetItem> {
    const d = await this.find(datasetId);
    if (!d) throw notFound(message ?? `Evaluation dataset with id '${datasetId}' not found`);
    return d;
  }

  /** Replaces fields of the metadata item (conditional on it existing). */
  async update(datasetId: string, fields: Partial<DatasetItem>): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    const removes: string[] = [];
    for (const [i, [k, v]] of Object.entries(fields).entries()) {
      names[`#f${i}`] = k;
      if (v === undefined) removes.push(`#f${i}`);
      else {
        values[`:v${i}`] = v;
        sets.push(`#f${i} = :v${i}`);
      }
    }
    const expr = [
      sets.length ? `SET ${sets.join(", ")}` : "",
      removes.length ? `REMOVE ${removes.join(", ")}` : "",
    ]
      .filter(Boolean).join(" ");
    await this.db.port.updateItem({
      TableName: this.db.table,
      Key: rawKey(evalDatasetKey(datasetId)),
      UpdateExpression: expr,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: sets.length ? toItem(values) : undefined,
    });
  }

  /** Deletes the dataset, its links and its records (no error when it does not exist). */
  async delete(datasetId: string): Promise<void> {
    if (!(await this.find(datasetId))) return;
    await this.db.port.deleteItem({
      TableName: this.db.table,
      Key: rawKey(evalDatasetKey(datasetId)),
    });
    const input = {
      TableName: this.db.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: evalDatasetPk(datasetId) } },
      ProjectionExpression: "pk, sk",
      ConsistentRead: true,
    };
    for await (const page of queryPages(this.db.port, input, { pages: "all" })) {
      await batchWriteAll(
        this.db.port,
        this.db.table,
        page.items.map((k) => ({ DeleteRequest: { Key: { pk: k.pk!, sk: k.sk! } } })),
      );
    }
  }

  /** Merges tags into the dataset's tags (null values skipped, values stringified). */
  async setTags(datasetId: string, tags: Record<string, unknown>): Promise<void> {
    const d = await this.get(datasetId, `Could not find evaluation dataset with ID ${datasetId}`);
    const merged = { ...d.tags };
    for (const [k, v] of Object.entries(tags)) {
      if (v !== null && v !== undefined) merged[k] = tagString(v);
    }
    await this.update(datasetId, { tags: merged });
  }

  /** Deletes one tag; a missing dataset or tag is a no-op. */
  async deleteTag(datasetId: string, key: string): Promise<void> {
    const d = await this.find(datasetId);
    if (!d || !Object.hasOwn(d.tags, key)) return;
    const rest = { ...d.tags };
    delete rest[key];
    await this.update(datasetId, { tags: rest });
  }

  /** The experiments the dataset is linked to. */
  async experimentIds(datasetId: string): Promise<string[]> {
    const items = await queryAll(this.db.port, {
      TableName: this.db.table,
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
      ExpressionAttributeValues: {
        ":pk": { S: evalDatasetPk(datasetId) },
        ":p": { S: EVAL_DATASET_LINK_PREFIX },
      },
      ConsistentRead: true,
    });
    return items.map((i) => experimentIdFromLinkSk(i.sk!.S!));
  }

  /** Links the dataset to experiments that must exist. */
  async addExperiments(datasetId: string, experimentIds: string[]): Promise<DatasetWire> {
    const d = await this.get(datasetId, `Dataset '${datasetId}' not found`);
    const ids = [...new Set(experimentIds.map(String))];
    for (const e of ids) {
      await this.experiments.get(e).catch(() => {
        throw notFound(`No Experiment with id=${e}`);
      });
    }
    const now = nowMs();
    await batchWriteAll(
      this.db.port,
      this.db.table,
      ids.map((e) => ({ PutRequest: { Item: this.linkItem(datasetId, e, now) } })),
    );
    await this.update(datasetId, { last_update_time: now });
    return datasetWire({ ...d, last_update_time: now });
  }

  /** Unlinks the dataset from experiments (idempotent). */
  async removeExperiments(datasetId: string, experimentIds: string[]): Promise<DatasetWire> {
    const d = await this.get(datasetId, `Dataset '${datasetId}' not found`);
    const linked = new Set(await this.experimentIds(datasetId));
    const gone = [...new Set(experimentIds.map(String))].filter((e) => linked.has(e));
    if (gone.length === 0) return datasetWire(d);
    await batchWriteAll(
      this.db.port,
      this.db.table,
      gone.map((e) => ({ DeleteRequest: { Key: rawKey(evalDatasetLinkKey(datasetId, e)) } })),
    );
    const now = nowMs();
    await this.update(datasetId, { last_update_time: now });
    return datasetWire({ ...d, last_update_time: now });
  }

  /** Search with MLflow's filter, order and offset page tokens. */
  async search(opts: {
    experimentIds?: string[];
    filter?: string;
    maxResults?: number;
    orderBy?: string[];
    pageToken?: string;
    /** The experiments the request may read: the others are skipped unread. */
    visible?: VisibleExperiments;
  }): Promise<{ datasets: DatasetWire[]; nextPageToken?: string }> {
    const max = opts.maxResults ?? DEFAULT_MAX_RESULTS;
    if (!Number.isInteger(max) || max <= 0 || max > MAX_RESULTS_LIMIT) {
      throw invalidMax(max);
    }
    const offset = parseOffset(opts.pageToken);
    const clauses = parseDatasetFilter(opts.filter);
    const order = parseDatasetOrderBy(opts.orderBy);
    let ids: Set<string> | undefined;
    if (opts.experimentIds && opts.experimentIds.length > 0) {
      // Every named experiment invisible: an empty answer, never "no experiment named".
      ids = new Set();
      for (const e of await keepVisible(opts.visible, opts.experimentIds)) {
        const links = await queryAll(this.db.port, {
          TableName: this.db.table,
          IndexName: GSI1,
          KeyConditionExpression: "gsi1pk = :pk",
          ExpressionAttributeValues: { ":pk": { S: evalDatasetLinkGsi1(String(e), "").gsi1pk } },
        });
        for (const l of links) ids.add(l.gsi1sk!.S!);
      }
    }
    const all = (await queryAll(this.db.port, {
      TableName: this.db.table,
      IndexName: GSI1,
      KeyConditionExpression: "gsi1pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: EVAL_DATASETS_GSI1_PK } },
    })).map((i) => fromItem<DatasetItem>(i))
      .filter((d) => inCurrentWorkspace(d) && (!ids || ids.has(d.dataset_id)))
      .filter((d) => matchDataset(clauses, d));
    all.sort((a, b) => {
      for (const o of order) {
        const x = a[o.key], y = b[o.key];
        if (x !== y) return (x < y ? -1 : 1) * (o.ascending ? 1 : -1);
      }
      return a.dataset_id < b.dataset_id ? 1 : a.dataset_id > b.dataset_id ? -1 : 0;
    });
    const page = all.slice(offset, offset + max);
    const more = all.length > offset + max;
    return {
      datasets: page.map((d) => datasetWire(d)),
      nextPageToken: more ? btoa(String(offset + max)) : undefined,
    };
  }
}

function invalidMax(max: number) {
  return invalidParameter(
    `Invalid value ${max} for parameter 'max_results' supplied. It must be ` +
      `a positive integer less than or equal to ${MAX_RESULTS_LIMIT}`,
  );
}

function parseOffset(token: string | undefined): number {
  if (!token) return 0;
  let n = NaN;
  try {
    n = Number(atob(token));
  } catch { /* fall through */ }
  if (!Number.isInteger(n) || n < 0) throw invalidParameter("Invalid page token");
  return n;
}
