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
import { readJsonText } from "./middleware/body_limit.ts";
import { parseKeepingNumbers, pyJsonDumps, pyTypeName, SourceNumber } from "./py_json.ts";

export { missingParameter };

const API_DOCS = "See the API docs for more information about request parameters.";

/**
 * The message MLflow gives for a value of the wrong type or out of range (the value as Python's
 * `json.dumps` writes it; pass a {@link SourceNumber} to keep a float's `.0`).
 */
export function invalidValue(name: string, value: unknown): string {
  return `Invalid value ${
    pyJsonDumps(value)
  } for parameter '${name}' supplied: Hint: Value was of type '${pyTypeName(value)}'. ${API_DOCS}`;
}

// ------------------------------------------------------------------------------------------------
// Field schemas that accept both wire forms

/** A string field; the Java client may send numbers for ids, which MLflow rejects. */
export const str = z.string();

/**
 * A required string field (MLflow's `_assert_required, _assert_string`): absent or `""` is
 * "Missing value", a non-string is "Invalid value". Fields are checked in the schema's order,
 * as MLflow checks them in its handler's schema order.
 */
export const requiredString = z.string().min(1);

/**
 * `run_id` first, then `fields`, with MLflow's fallback: a missing `run_id` is taken from the
 * deprecated `run_uuid`.
 */
export function withRunId<T extends z.ZodRawShape>(fields: T) {
  return z.preprocess(
    (raw) => {
      if (raw === null || typeof raw !== "object") return raw;
      const r = raw as Record<string, unknown>;
      return r.run_id === undefined || r.run_id === null ? { ...r, run_id: r.run_uuid } : r;
    },
    z.object({ run_id: requiredString, run_uuid: z.string().optional(), ...fields }),
  );
}

const INT64_MIN = -(2 ** 63);
const INT64_MAX = 2 ** 63 - 1;

/**
 * An int64: JSON number or decimal string (Java client), within int64's range as protobuf
 * requires (a larger value is MLflow's 400, never a key that cannot be built).
 */
export const int64 = z.union([
  z.number().int(),
  z.string().regex(/^-?\d+$/).transform(Number),
]).refine((n) => n >= INT64_MIN && n <= INT64_MAX);

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

const MAP_FIELDS = new Set([
  "tags",
  "trace_metadata",
  "request_metadata",
  "assessments_metadata",
  "secret_value",
  "auth_config",
]);

function snake(key: string): string {
  // Nearly every field name is snake_case already: skip the regex unless there is an upper case.
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 65 && c <= 90) return key.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
  }
  return key;
}

/**
 * Deepest nesting a request may have. protobuf's JSON parser, which MLflow uses, refuses messages
 * deeper than 100 levels; no MLflow message comes close.
 */
export const MAX_JSON_DEPTH = 100;

/**
 * Fields whose string values are data MLflow stores as given even with a lone UTF-16 surrogate
 * (tag and param values; both backends round-trip them). Everywhere else (names, keys, ids, map
 * keys) a lone surrogate is refused: DynamoDB cannot read an item back whose attribute name has
 * one, and no client can type one on purpose.
 */
const SURROGATE_TOLERANT_FIELDS = new Set(["value"]);

function badString(where: string): never {
  throw invalidParameter(
    `Invalid value for '${where}': the string is not valid Unicode (lone UTF-16 surrogate).`,
  );
}

interface Pending {
  src: unknown;
  parent: Record<string, unknown> | unknown[];
  slot: string | number;
  field: string;
  isMap: boolean;
  depth: number;
}

/**
 * Renames lowerCamelCase fields to snake_case (map fields keep their keys), refuses nesting
 * deeper than {@link MAX_JSON_DEPTH} and strings that are not valid Unicode. Iterative: a
 * 20,000-level document cannot exhaust the stack.
 */
export function normaliseMessage(value: unknown): unknown {
  const holder: unknown[] = [undefined];
  const stack: Pending[] = [{
    src: value,
    parent: holder,
    slot: 0,
    field: "",
    isMap: false,
    depth: 0,
  }];
  while (stack.length > 0) {
    const { src, parent, slot, field, isMap, depth } = stack.pop()!;
    const into = parent as Record<string | number, unknown>;
    if (typeof src === "string") {
      if (!src.isWellFormed() && !SURROGATE_TOLERANT_FIELDS.has(field)) badString(field);
      into[slot] = src;
      continue;
    }
    if (src === null || typeof src !== "object" || src instanceof SourceNumber) {
      into[slot] = src;
      continue;
    }
    if (depth >= MAX_JSON_DEPTH) {
      throw invalidParameter(`Request message is nested more than ${MAX_JSON_DEPTH} levels deep.`);
    }
    if (Array.isArray(src)) {
      const out: unknown[] = new Array(src.length);
      into[slot] = out;
      for (let i = src.length - 1; i >= 0; i--) {
        stack.push({ src: src[i], parent: out, slot: i, field, isMap: false, depth: depth + 1 });
      }
      continue;
    }
    const out: Record<string, unknown> = {};
    into[slot] = out;
    const entries = Object.entries(src);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, v] = entries[i]!;
      if (!k.isWellFormed()) badString(field === "" ? "<key>" : `${field}.<key>`);
      const name = isMap ? k : snake(k);
      // A proto map field is a JSON object whose keys are data, not field names.
      const childIsMap = !isMap && MAP_FIELDS.has(name) && v !== null && typeof v === "object" &&
        !Array.isArray(v);
      out[name] = undefined; // keep the field order of the request
      stack.push({
        src: v,
        parent: out,
        slot: name,
        field: name,
        isMap: childIsMap,
        depth: depth + 1,
      });
    }
  }
  return holder[0];
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

/** The text of the JSON body each parsed message came from (read again for error messages). */
const BODY_TEXT = new WeakMap<object, string>();

/** The JSON object body of `c`, keys untouched (MLflow's Content-Type and parsing rules). */
export async function jsonBody(
  c: Context,
  requireContentType: boolean,
): Promise<Record<string, unknown>> {
  return (await readBody(c, requireContentType)).body;
}

async function readBody(
  c: Context,
  requireContentType: boolean,
): Promise<{ body: Record<string, unknown>; text: string }> {
  if (requireContentType) {
    const type = c.req.header("content-type");
    if (!type) throw invalidParameter("Bad Request. Content-Type header is missing.");
    if (type.split(";")[0]!.trim().toLowerCase() !== "application/json") {
      throw invalidParameter("Bad Request. Content-Type must be one of ['application/json'].");
    }
  }
  const text = await readJsonText(c);
  if (text.trim() === "") return { body: {}, text };
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
  return { body: parsed as Record<string, unknown>, text };
}

/** Reads the request message of `c`: query string for GET, JSON body otherwise. */
export async function rawMessage(c: Context): Promise<Record<string, unknown>> {
  const method = c.req.method;
  let raw: unknown;
  let text: string | undefined;
  if (method === "GET" || method === "HEAD") {
    const q = queryObject(c);
    if (Object.keys(q).length > 0) raw = q;
    else {
      ({ body: raw, text } = await readBody(c, false).catch(() => ({ body: {}, text: undefined })));
    }
  } else {
    ({ body: raw, text } = await readBody(c, method === "POST" || method === "PUT"));
  }
  const message = normaliseMessage(raw) as Record<string, unknown>;
  if (text !== undefined) BODY_TEXT.set(message, text);
  return message;
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

/**
 * The value at `path` as the client wrote it (numbers keep their source text), when `raw` came
 * from a JSON body and the value holds a number; otherwise undefined.
 */
function asWritten(raw: unknown, path: PropertyKey[]): unknown {
  const text = raw !== null && typeof raw === "object" ? BODY_TEXT.get(raw) : undefined;
  if (text === undefined || !JSON.stringify(valueAt(raw, path) ?? null).match(/\d/)) return;
  try {
    return valueAt(normaliseMessage(parseKeepingNumbers(text)), path);
  } catch {
    return undefined;
  }
}

/** Validates `raw` against `schema`, throwing MLflow's 400 for the first problem. */
export function validate<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = pathOf(issue);
  const value = valueAt(raw, issue.path);
  if (value === undefined || value === null || (value === "" && issue.code === "too_small")) {
    throw invalidParameter(missingParameter(name));
  }
  if (issue.code === "custom" && issue.message && issue.message !== "Invalid input") {
    throw invalidParameter(issue.message);
  }
  throw invalidParameter(invalidValue(name, asWritten(raw, issue.path) ?? value));
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
