/**
 * OTLP attribute values (`AnyValue`) as stored: the protobuf JSON form (camelCase, int64 as
 * strings, bytes as base64). MLflow turns each value into Python and back into JSON with
 * `json.dumps` (`dump_span_attribute_value`); {@link pyJsonOfAnyValue} writes the same text,
 * so previews, span dicts and filters see what the reference server sees.
 *
 * @module
 */

/** An OTLP `AnyValue` in protobuf JSON form. */
export interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
}

/** An OTLP `KeyValue`. */
export interface KeyValue {
  key: string;
  value?: AnyValue;
}

/** The plain value of an AnyValue (`_decode_otel_proto_anyvalue`); undefined when unset. */
export function decodeAnyValue(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.bytesValue !== undefined) return v.bytesValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(decodeAnyValue);
  if (v.kvlistValue !== undefined) {
    const out: Record<string, unknown> = {};
    for (const kv of v.kvlistValue.values ?? []) out[kv.key] = decodeAnyValue(kv.value);
    return out;
  }
  return undefined;
}

/** Python's `repr(float)` as `json.dumps` writes it. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  const abs = Math.abs(x);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    return x.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  }
  const s = String(x);
  return Number.isInteger(x) ? `${s}.0` : s;
}

/** `json.dumps(s, ensure_ascii=False)`. */
function pyString(s: string): string {
  return JSON.stringify(s);
}

/** `json.dumps` of a plain JSON-like JS value (numbers: integers as ints, others as floats). */
export function pyJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return pyString(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : pyFloat(value);
  if (Array.isArray(value)) return `[${value.map(pyJson).join(", ")}]`;
  if (typeof value === "object") {
    const parts = Object.entries(value as Record<string, unknown>).map(([k, v]) =>
      `${pyString(k)}: ${pyJson(v)}`
    );
    return `{${parts.join(", ")}}`;
  }
  return pyString(String(value));
}

/** `json.dumps(_decode_otel_proto_anyvalue(v))`, keeping ints and floats apart as Python does. */
export function pyJsonOfAnyValue(v: AnyValue | undefined): string {
  if (!v) return "null";
  if (v.stringValue !== undefined) return pyString(v.stringValue);
  if (v.boolValue !== undefined) return v.boolValue ? "true" : "false";
  if (v.intValue !== undefined) return String(v.intValue);
  if (v.doubleValue !== undefined) return pyFloat(Number(v.doubleValue));
  if (v.bytesValue !== undefined) return pyString(v.bytesValue);
  if (v.arrayValue !== undefined) {
    return `[${(v.arrayValue.values ?? []).map(pyJsonOfAnyValue).join(", ")}]`;
  }
  if (v.kvlistValue !== undefined) {
    const parts = (v.kvlistValue.values ?? []).map((kv) =>
      `${pyString(kv.key)}: ${pyJsonOfAnyValue(kv.value)}`
    );
    return `{${parts.join(", ")}}`;
  }
  return "null";
}

/** `json.loads` that gives back the text itself when it is not JSON (`_try_parse_json_string`). */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
