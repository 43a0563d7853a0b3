/**
 * On-disk encoding: items as DynamoDB JSON (binary as base64), log lines as
 * `<crc32 hex> <json>\n` so a torn or corrupted line is recognised.
 *
 * @module
 */
import type { LogRecord } from "../state.ts";
import type { AV, Item } from "../values.ts";
import { crc32 } from "./crc32.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toBase64(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) {
    s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** JSON replacer turning binary into base64 strings. */
function replacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? toBase64(value) : value;
}

function decodeValue(v: AV): AV {
  const raw = v as unknown as Record<string, unknown>;
  if (typeof raw.B === "string") return { B: fromBase64(raw.B) };
  if (Array.isArray(raw.BS)) return { BS: (raw.BS as string[]).map(fromBase64) };
  if (v.L !== undefined) return { L: v.L.map(decodeValue) };
  if (v.M !== undefined) return { M: decodeItem(v.M) };
  return v;
}

/** Restores binary values of an item parsed from JSON. */
export function decodeItem(item: Item): Item {
  for (const k in item) item[k] = decodeValue(item[k]!);
  return item;
}

/** True when `value` holds a byte array anywhere. */
function containsBinary(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  if (value instanceof Uint8Array) return true;
  if (Array.isArray(value)) {
    for (const e of value) if (containsBinary(e)) return true;
    return false;
  }
  for (const k in value) {
    if (containsBinary((value as Record<string, unknown>)[k])) return true;
  }
  return false;
}

/**
 * JSON text of a value with binary as base64. The replacer (a callback per value) runs only for
 * values that hold binary; everything else takes JSON.stringify's native path.
 */
export function toJson(value: unknown): string {
  return containsBinary(value) ? JSON.stringify(value, replacer) : JSON.stringify(value);
}

function decodeRecord(r: LogRecord): LogRecord {
  if (r.op === "put") decodeItem(r.item);
  if (r.op === "delete") decodeItem(r.key);
  return r;
}

/** One log line holding the records of one commit. */
export function encodeLine(records: LogRecord[]): Uint8Array {
  const body = encoder.encode(toJson(records));
  const head = encoder.encode(crc32(body).toString(16).padStart(8, "0") + " ");
  const line = new Uint8Array(head.length + body.length + 1);
  line.set(head);
  line.set(body, head.length);
  line[line.length - 1] = 10;
  return line;
}

/** The records of a line (without its newline), or `undefined` if it is torn or corrupt. */
export function decodeLine(line: Uint8Array): LogRecord[] | undefined {
  if (line.length < 10 || line[8] !== 32) return undefined;
  const crc = parseInt(decoder.decode(line.subarray(0, 8)), 16);
  const body = line.subarray(9);
  if (!Number.isFinite(crc) || crc32(body) !== crc) return undefined;
  try {
    return (JSON.parse(decoder.decode(body)) as LogRecord[]).map(decodeRecord);
  } catch {
    return undefined;
  }
}
