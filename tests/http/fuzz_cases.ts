/**
 * The malformed-input generator behind `fuzz_test.ts`: a seeded PRNG, a pool of hostile values,
 * and mutations of a valid request (wrong types, nulls, huge and negative numbers, deep nesting,
 * huge strings, lone surrogates, arrays for objects, unknown fields, empty and non-JSON bodies,
 * bytes that are not UTF-8). Deterministic: the same seed gives the same cases.
 *
 * @module
 */

/** mulberry32: a small, fast, seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function nested(depth: number, leaf: unknown, asArray: boolean): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
}

/** Hostile values for any field. */
export const POOL: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1,
  1.5,
  -0.5,
  1e308,
  -1e308,
  2 ** 53 + 1,
  1e30,
  -(2 ** 63),
  2 ** 64,
  "",
  " ",
  "x",
  "-1",
  "NaN",
  "1e400",
  "9".repeat(30),
  "a".repeat(300),
  "a".repeat(10_000),
  "b".repeat(300_000),
  "\ud800",
  "x\udfffy",
  "\u0000",
  "../../../../etc/passwd",
  "file:///etc/#",
  "%2e%2e%2f%2e%2e%2f",
  "' OR 1=1 --",
  "name = 'x",
  "😀".repeat(10),
  "\u202e\u0301",
  [],
  [1, 2],
  ["a"],
  [null],
  {},
  { a: 1 },
  [{}],
  [{ key: null, value: 3 }],
  [{ key: "\ud800", value: "v" }],
  nested(150, 1, false),
  nested(150, 1, true),
];

/** A request to send: JSON text (or raw bytes) for bodies, or query pairs for GETs. */
export interface Case {
  kind: string;
  body?: string | Uint8Array;
  contentType?: string | null;
  query?: [string, string][];
  /** Appended to the encoded query as is (invalid percent-encodings). */
  rawQuery?: string;
}

type Json = Record<string, unknown>;

function pick<T>(rnd: () => number, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)]!;
}

/** Every path (list of keys/indices) to a value inside `v`, containers included. */
function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  if (v !== null && typeof v === "object") {
    for (const [k, child] of Object.entries(v)) {
      const p = [...prefix, Array.isArray(v) ? Number(k) : k];
      out.push(p);
      paths(child, p, out);
    }
  }
  return out;
}

function setAt(root: unknown, path: (string | number)[], value: unknown, remove = false): void {
  let cur = root as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) cur = cur[p] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (remove) {
    if (Array.isArray(cur)) cur.splice(Number(last), 1);
    else delete cur[last];
  } else cur[last] = value;
}

function mutateValue(rnd: () => number, base: Json): Json {
  const copy = structuredClone(base);
  const all = paths(copy);
  const r = rnd();
  if (all.length === 0 || r < 0.15) {
    // an unknown field, top level or nested
    const target = all.length > 0 && rnd() < 0.5 ? pick(rnd, all) : [];
    const holder = target.length === 0 ? copy : valueAt(copy, target);
    if (holder !== null && typeof holder === "object" && !Array.isArray(holder)) {
      (holder as Json)[`unknown_${Math.floor(rnd() * 1000)}`] = pick(rnd, POOL);
    } else copy[`unknownField`] = pick(rnd, POOL);
    return copy;
  }
  const arrays = all.filter((p) => Array.isArray(valueAt(copy, p)));
  if (r < 0.25 && arrays.length > 0) {
    // a repeated element (same key twice, same id twice), sometimes with another value
    const list = valueAt(copy, pick(rnd, arrays)) as unknown[];
    if (list.length > 0) {
      const twin = structuredClone(list[Math.floor(rnd() * list.length)]);
      if (twin !== null && typeof twin === "object" && "value" in twin && rnd() < 0.5) {
        (twin as Json).value = "other";
      }
      list.push(twin);
      return copy;
    }
  }
  const path = pick(rnd, all);
  if (r < 0.35) setAt(copy, path, undefined, true);
  else setAt(copy, path, structuredClone(pick(rnd, POOL)));
  return copy;
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  let cur = root as Record<string | number, unknown>;
  for (const p of path) cur = cur[p] as Record<string | number, unknown>;
  return cur;
}

const enc = new TextEncoder();

/** A malformed variant of the JSON body `base`. */
export function bodyCase(rnd: () => number, base: Json): Case {
  const r = rnd();
  if (r < 0.2) {
    const raw = JSON.stringify(base);
    const structural: Case[] = [
      { kind: "empty", body: "" },
      { kind: "null", body: "null" },
      { kind: "array", body: "[]" },
      { kind: "array-of-body", body: `[${raw}]` },
      { kind: "string", body: '"str"' },
      { kind: "number", body: "123" },
      { kind: "truncated", body: raw.slice(0, Math.max(1, raw.length - 3)) },
      { kind: "not-json", body: "not json at all" },
      { kind: "nul", body: "\u0000" },
      { kind: "deep-20000", body: '{"a":'.repeat(20_000) + "1" + "}".repeat(20_000) },
      { kind: "deep-array", body: `{"x":${"[".repeat(50_000)}${"]".repeat(50_000)}}` },
      { kind: "double-encoded", body: JSON.stringify(raw) },
      { kind: "bom", body: `\ufeff${raw}` },
      {
        kind: "invalid-utf8",
        body: new Uint8Array([...enc.encode(raw.slice(0, -1)), 0xc3, 0x28, 0xff, 0x7d]),
      },
      { kind: "surrogate-escape-key", body: raw.replace(/^\{"/, '{"\\ud800') },
      { kind: "no-content-type", body: raw, contentType: null },
      { kind: "text-plain", body: raw, contentType: "text/plain" },
      { kind: "huge-number-literal", body: raw.replace(/:(-?\d+)/, ":1" + "0".repeat(400)) },
    ];
    return pick(rnd, structural);
  }
  let v = mutateValue(rnd, base);
  if (r > 0.85) v = mutateValue(rnd, mutateValue(rnd, v));
  return { kind: "value", body: JSON.stringify(v) };
}

function str(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v) ?? "";
}

const RAW_ESCAPES = ["%ED%A0%80", "%zz", "%", "%C0%AE%C0%AE%2F", "%00", "%FF%FE"];

/** A malformed variant of the GET query `base`. */
export function queryCase(rnd: () => number, base: Record<string, string>): Case {
  const pairs: [string, string][] = Object.entries(base);
  const r = rnd();
  if (r < 0.15 && pairs.length > 0) {
    pairs.splice(Math.floor(rnd() * pairs.length), 1);
  } else if (r < 0.3) {
    pairs.push([`unknown_${Math.floor(rnd() * 100)}`, str(pick(rnd, POOL))]);
  } else if (r < 0.36 && pairs.length > 0) {
    const [k] = pick(rnd, pairs);
    return { kind: "query-raw", query: pairs, rawQuery: `&${k}=${pick(rnd, RAW_ESCAPES)}` };
  } else if (r < 0.45 && pairs.length > 0) {
    const [k] = pick(rnd, pairs);
    pairs.push([k, str(pick(rnd, POOL))]); // repeated key
  } else if (pairs.length > 0) {
    const i = Math.floor(rnd() * pairs.length);
    let v = str(pick(rnd, POOL));
    if (v.length > 20_000) v = v.slice(0, 20_000); // stay under the runtime's 64 KiB request line
    pairs[i] = [pairs[i]![0], v];
  }
  return { kind: "query", query: pairs };
}
