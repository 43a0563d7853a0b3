/**
 * `json.dumps` as Python writes it (", " and ": " separators, ASCII escapes), for tag values
 * that MLflow clients compare byte for byte (`mlflow.log-model.history`, `mlflow.modelVersions`).
 *
 * @module
 */

function dumpString(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    (ch) => "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

function dumpNumber(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "Infinity" : "-Infinity";
  return String(n);
}

/** Serialises `value` exactly as Python's `json.dumps(value)` with default arguments. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return dumpNumber(value);
  if (typeof value === "string") return dumpString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) =>
    v !== undefined
  );
  return `{${entries.map(([k, v]) => `${dumpString(k)}: ${pythonJsonDumps(v)}`).join(", ")}}`;
}
