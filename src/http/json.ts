/**
 * JSON encoding as MLflow's `message_to_json`: NaN and ±Infinity as strings, unset fields omitted.
 *
 * @module
 */

/** Serialises `value`, writing non-finite numbers as MLflow does ("NaN", "Infinity", "-Infinity"). */
export function toMlflowJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (typeof v === "number" && !Number.isFinite(v)) {
      return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
    }
    return v;
  });
}

/** A 200 JSON response in MLflow's encoding. */
export function mlflowJson(value: unknown, status = 200): Response {
  return new Response(toMlflowJson(value), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** Returns `list` unless it is empty (MLflow omits empty repeated fields). */
export function nonEmpty<T>(list: T[] | undefined): T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}
