/**
 * Turns MLflow requests (GET query strings and JSON bodies) into zod-validated objects, with
 * MLflow's parsing rules and error messages.
 *
 * - GET: repeated keys are lists, booleans are `true`/`false` in any case, numbers are strings;
 *   a GET with an empty query string falls back to a JSON body, as in MLflow.
 * - POST/PUT: `Content-Type: application/json` is required; a double-encoded JSON string body is
 *   accepted; a missing body is `{}`. Field names may be snake_case or lowerCamelCase.
 *
 * @module
 */
import type { Context } from "hono";
import { z } from "zod";
import { invalidParameter, missingParameter } from "../errors.ts";

export { missingParameter };

const API_DOCS = "See the API docs for more information about request parameters.";

function pythonType(v: unknown): string {
  if (v === null) return "NoneType";
  if (Array.isArray(v)) return "list";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "string") return "str";
  return "dict";
}

/** The message MLflow gives for a value of the wrong type or out of range. */
export function invalidValue(name: string, value: unknown): string {
  return `Invalid value ${
    JSON.stringify(value)
  } for parameter '${name}' supplied: Hint: Value was of type '${pythonType(value)}'. ${API_DOCS}`;
}

// ------------------------------------------------------------------------------------------------
// Field schemas that accept both wire forms

/** A string field; the Java client may send numbers for ids, which MLflow rejects. */
export const str = z.string();

/** An int64: JSON number or decimal string (Java client). */
export const int64 = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]);

/** A double: JSON number, numeric string, or "NaN"/"Infinity"/"-Infinity". */
export const double = z.union([
  z.number(),
  z.string().trim().refine((s) =>
    s !== "" && !Number.isNaN(Number(s)) || /^(nan|[+-]?inf(inity)?)$/i.test(s)
  )
    .transform((s) => {
      const l = s.toLowerCase();
      if (l === "nan") return NaN;
      if (/^[+]?inf(inity)?$/.test(l)) return Infinity;
      if (/^-inf(inity)?$/.test(l)) return -Infinity;
      return Number(s);
    }),
]);

/** A boolean: JSON boolean or "true"/"false" in any case (query strings). */
export const bool = z.union([
  z.boolean(),
  z.string().refine((s) => /^(true|false)$/i.test(s)).transform((s) => s.toLowerCase() === "true"),
]);

/** A repeated field: a list, or a single value from a query string. */
export function list<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => (v === undefined || Array.isArray(v) ? v : [v]), z.array(item));
}

/** An enum given by name (or by proto number, as protobuf's JSON parser allows). */
export function protoEnum<const T extends readonly [string, ...string[]]>(names: T) {
  return z.preprocess(
    (
      v,
    ) => (typeof v === "number" || (typeof v === "string" && /^\d+$/.test(v))
      ? names[Number(v) - 1] ?? v
      : v),
    z.enum(names),
  );
}

// ------------------------------------------------------------------------------------------------
// Key normalisation: lowerCamelCase → snake_case (protobuf's JSON parser accepts both)

const MAP_FIELDS = new Set(["tags", "trace_metadata", "request_metadata", "assessments_metadata"]);

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
}

function normaliseKeys(value: unknown, isMap = false): unknown {
  if (Array.isArray(value)) return value.map((v) => normaliseKeys(v));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const name = isMap ? k : snake(k);
    // A proto map field is a JSON object whose keys are data, not field names.
    const childIsMap = !isMap && MAP_FIELDS.has(name) && v !== null && typeof v === "object" &&
      !Array.isArray(v);
    out[name] = normaliseKeys(v, childIsMap);
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Reading the raw request

function queryObject(c: Context): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, values] of Object.entries(c.req.queries())) {
    out[k] = values.length === 1 ? values[0]! : values;
  }
  return out;
}

async function jsonBody(c: Context, requireContentType: boolean): Promise<unknown> {
  if (requireContentType) {
    const type = c.req.header("content-type");
    if (!type) throw invalidParameter("Bad Request. Content-Type header is missing.");
    if (type.split(";")[0]!.trim().toLowerCase() !== "application/json") {
      throw invalidParameter("Bad Request. Content-Type must be one of ['application/json'].");
    }
  }
  const text = await c.req.text();
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
    // MLflow accepts a JSON document that was encoded twice.
    if (typeof parsed === "string") parsed = JSON.parse(parsed);
  } catch {
    throw invalidParameter(`Malformed JSON in request body: ${text.slice(0, 200)}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw invalidParameter("Request body must be a JSON object");
  }
  return parsed;
}

/** Reads the request message of `c`: query string for GET, JSON body otherwise. */
export async function rawMessage(c: Context): Promise<Record<string, unknown>> {
  const method = c.req.method;
  let raw: unknown;
  if (method === "GET" || method === "HEAD") {
    const q = queryObject(c);
    raw = Object.keys(q).length > 0 ? q : await jsonBody(c, false).catch(() => ({}));
  } else {
    raw = await jsonBody(c, method === "POST" || method === "PUT");
  }
  return normaliseKeys(raw) as Record<string, unknown>;
}

function pathOf(issue: z.core.$ZodIssue): string {
  let out = "";
  for (const p of issue.path) {
    out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  }
  return out;
}

function valueAt(obj: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

/** Validates `raw` against `schema`, throwing MLflow's 400 for the first problem. */
export function validate<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = pathOf(issue);
  const value = valueAt(raw, issue.path);
  if (value === undefined || value === null) throw invalidParameter(missingParameter(name));
  if (issue.code === "custom" && issue.message && issue.message !== "Invalid input") {
    throw invalidParameter(issue.message);
  }
  throw invalidParameter(invalidValue(name, value));
}

/** Reads and validates the request message of `c`. */
export async function parseRequest<T extends z.ZodType>(
  c: Context,
  schema: T,
): Promise<z.output<T>> {
  return validate(schema, await rawMessage(c));
}

/** Throws MLflow's missing-parameter error unless `value` is a non-empty string. */
export function requireString(value: string | undefined, name: string): string {
  if (value === undefined || value === "") throw invalidParameter(missingParameter(name));
  return value;
}
