/**
 * Trace search ordering (`order_by` of `traces/search`), as MLflow 3.17.2's SQL store sorts:
 * parsing and validation with MLflow's messages, the comparator, and what a page token must keep.
 * The filter side is `traces_filter.ts`.
 *
 * @module
 */
import { invalidParameter } from "../errors.ts";
import { parseOrderByString } from "./order_syntax.ts";
import { reprStr, reprStrSet } from "./py_repr.ts";
import { compareText } from "./sql_values.ts";
import {
  ALIAS,
  attributeOf,
  identifier,
  ORDER_KEYS,
  type TraceSearchRecord,
} from "./traces_filter.ts";

/** One parsed `order_by` entry: an attribute, or a tag/metadata value. */
export interface TraceOrder {
  kind: "attribute" | "tag" | "metadata";
  key: string;
  ascending: boolean;
}

const RESERVED_METADATA = new Set(["mlflow.trace.tokenUsage", "mlflow.trace.cost"]);

/**
 * Parses `order_by` as the SQL store reads it, adding the default tie-breakers (newest first,
 * then trace id): attributes, `name` (the trace name), `run_id` (metadata `mlflow.sourceRun`),
 * `tags.k` and `metadata.k`.
 */
export function parseTraceOrderBy(orderBy: string[]): TraceOrder[] {
  const out: TraceOrder[] = [];
  const seen = new Set<string>();
  for (const text of orderBy) {
    const { field, ascending } = parseOrderByString(text);
    const id = identifier(field.trim());
    let kind: TraceOrder["kind"];
    let key = id.key;
    if (id.kind === "attribute") {
      if (!ORDER_KEYS.has(id.key)) {
        throw invalidParameter(
          `Invalid attribute key '${id.key}' specified. Valid keys are '${reprStrSet(ORDER_KEYS)}'`,
        );
      }
      const lower = id.key.toLowerCase();
      if (lower === "name") [kind, key] = ["tag", "mlflow.traceName"];
      else if (lower === "run_id") [kind, key] = ["metadata", "mlflow.sourceRun"];
      else [kind, key] = ["attribute", ALIAS[id.key] ?? id.key];
    } else if (id.kind === "tag" || id.kind === "metadata") {
      kind = id.kind;
    } else {
      throw invalidParameter(`Invalid identifier type '${id.kind}'`);
    }
    if (kind === "metadata" && RESERVED_METADATA.has(key)) {
      throw invalidParameter(
        `Ordering by reserved metadata '${key}' is not supported because it is ` +
          "represented by multiple columns.",
      );
    }
    if (seen.has(`${kind}:${key}`)) {
      throw invalidParameter(
        `\`order_by\` contains duplicate fields: [${orderBy.map(reprStr).join(", ")}]`,
      );
    }
    seen.add(`${kind}:${key}`);
    out.push({ kind, key, ascending });
  }
  const has = (key: string) => out.some((o) => o.kind === "attribute" && o.key === key);
  if (!has("timestamp_ms")) out.push({ kind: "attribute", key: "timestamp_ms", ascending: false });
  if (!has("request_id")) out.push({ kind: "attribute", key: "request_id", ascending: true });
  return out;
}

/**
 * Whether a trace takes part in an ordered search: ordering by a tag or metadata key joins on
 * it in MLflow's SQL store, which drops traces without it (the trace name and session keep them).
 */
export function orderKeeps(order: TraceOrder[]): (r: TraceSearchRecord) => boolean {
  const required = order.filter((o) =>
    (o.kind === "tag" && o.key !== "mlflow.traceName") ||
    (o.kind === "metadata" && o.key !== "mlflow.trace.session")
  );
  return (r) =>
    required.every((o) => (o.kind === "tag" ? r.tags : r.metadata)[o.key] !== undefined);
}

/** True for the order the listing index serves directly (newest first). */
export function isDefaultOrder(order: TraceOrder[]): boolean {
  return order[0]?.kind === "attribute" && order[0].key === "timestamp_ms" &&
    order[0].ascending === false;
}

/** A comparator for `order`, with NULLs last as the SQL store sorts them. */
export function traceComparator(
  order: TraceOrder[],
  experimentOf: (r: TraceSearchRecord) => string,
): (a: TraceSearchRecord, b: TraceSearchRecord) => number {
  const get = (r: TraceSearchRecord, o: TraceOrder): string | number | null => {
    if (o.kind === "tag") return r.tags[o.key] ?? null;
    if (o.kind === "metadata") return r.metadata[o.key] ?? null;
    return o.key === "experiment_id" ? Number(experimentOf(r)) : attributeOf(r, o.key);
  };
  return (a, b) => {
    for (const o of order) {
      const { ascending } = o;
      const va = get(a, o);
      const vb = get(b, o);
      if (va === vb) continue;
      if (va === null) return 1;
      if (vb === null) return -1;
      const c = typeof va === "number" && typeof vb === "number"
        ? va - vb
        : compareText(String(va), String(vb));
      if (c !== 0) return ascending ? c : -c;
    }
    return 0;
  };
}
