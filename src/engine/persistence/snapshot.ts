/**
 * Snapshot files: every table's schema and live items, written to a temporary file, fsynced and
 * renamed into place (then the directory is fsynced), so a snapshot on disk is always complete.
 * Compaction writes one asynchronously from a point-in-time {@link SnapshotView}.
 *
 * Format (JSON lines): a header `{format, version, log, tables}`, one `[table, item]` line per
 * item, and a trailer `{end: <item count>}`.
 *
 * @module
 */
import type { TableSchema } from "../schema.ts";
import type { TableData } from "../table_data.ts";
import type { Item } from "../values.ts";
import { decodeItem, toJson } from "./codec.ts";
import { denoFs, type EngineFs } from "./fs.ts";

export const SNAPSHOT_FILE = "snapshot.jsonl";
const TEMP_FILE = "snapshot.jsonl.tmp";
const FORMAT = "dynamo-engine-snapshot";

/** A snapshot read back. */
export interface Snapshot {
  /** The log file holding the changes made after this snapshot. */
  log: string;
  tables: TableSchema[];
  items: [string, Item][];
  bytes: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CHUNK_BYTES = 1 << 20;

/**
 * A point-in-time view of the tables: their schemas and live items. Taking it is one pass over
 * references (stored items are never mutated in place, only replaced), so it is cheap and
 * synchronous; writing it out can then take its time while the engine keeps serving.
 */
export interface SnapshotView {
  tables: TableSchema[];
  items: [string, Item][];
}

/** Captures the live (not expired at `nowMs`) items of `tables`. */
export function captureSnapshot(tables: Map<string, TableData>, nowMs: number): SnapshotView {
  const items: [string, Item][] = [];
  for (const [name, table] of tables) {
    for (const s of table.primary.all()) {
      if (!table.isExpired(s, nowMs)) items.push([name, s.item]);
    }
  }
  return { tables: [...tables.values()].map((t) => t.schema), items };
}

/** The snapshot file's bytes, in chunks of about 1 MiB, encoded lazily. */
function* snapshotChunks(view: SnapshotView, log: string): Generator<Uint8Array> {
  let chunk: string[] = [toJson({ format: FORMAT, version: 1, log, tables: view.tables })];
  let length = 0;
  for (const entry of view.items) {
    const line = toJson(entry);
    chunk.push(line);
    length += line.length;
    if (length > CHUNK_BYTES) {
      yield encoder.encode(chunk.join("\n") + "\n");
      chunk = [];
      length = 0;
    }
  }
  chunk.push(JSON.stringify({ end: view.items.length }));
  yield encoder.encode(chunk.join("\n") + "\n");
}

/**
 * Writes `view` as a snapshot naming `log` to the temporary file and fsyncs it, without blocking
 * the event loop for more than one chunk. {@link installSnapshotAsync} then puts it in place.
 * Returns its size in bytes.
 */
export async function writeSnapshotFileAsync(
  fs: EngineFs,
  dir: string,
  view: SnapshotView,
  log: string,
): Promise<number> {
  const file = await fs.open(`${dir}/${TEMP_FILE}`, "truncate");
  let bytes = 0;
  try {
    for (const data of snapshotChunks(view, log)) {
      let off = 0;
      while (off < data.length) off += await file.write(data.subarray(off));
      bytes += data.length;
    }
    await file.sync();
  } finally {
    file.close();
  }
  return bytes;
}

/** Renames the temporary snapshot into place and makes the rename durable. */
export async function installSnapshotAsync(fs: EngineFs, dir: string): Promise<void> {
  await fs.rename(`${dir}/${TEMP_FILE}`, `${dir}/${SNAPSHOT_FILE}`);
  await fs.syncDir(dir);
}

/**
 * Writes, installs and syncs a snapshot of `tables` (skipping items expired at `nowMs`) naming
 * `log`, synchronously (used while opening). Returns its size in bytes.
 */
export function writeSnapshot(
  dir: string,
  tables: Map<string, TableData>,
  log: string,
  nowMs: number,
  fs: EngineFs = denoFs,
): number {
  const { file } = fs.openSync(`${dir}/${TEMP_FILE}`, "truncate");
  let bytes = 0;
  try {
    for (const data of snapshotChunks(captureSnapshot(tables, nowMs), log)) {
      let off = 0;
      while (off < data.length) off += file.writeSync(data.subarray(off));
      bytes += data.length;
    }
    file.syncSync();
  } finally {
    file.close();
  }
  fs.renameSync(`${dir}/${TEMP_FILE}`, `${dir}/${SNAPSHOT_FILE}`);
  fs.syncDirSync(dir);
  return bytes;
}

/** Reads the snapshot, or `undefined` if there is none. Throws if it is damaged. */
export function readSnapshot(dir: string, fs: EngineFs = denoFs): Snapshot | undefined {
  const data = fs.readFileSync(`${dir}/${SNAPSHOT_FILE}`);
  if (data === undefined) return undefined;
  const text = decoder.decode(data);
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const damaged = (why: string) =>
    new Error(`The engine snapshot ${dir}/${SNAPSHOT_FILE} is damaged: ${why}`);
  let header: { format?: string; version?: number; log?: string; tables?: TableSchema[] };
  let trailer: { end?: number };
  try {
    header = JSON.parse(lines[0] ?? "");
    trailer = JSON.parse(lines[lines.length - 1] ?? "");
  } catch {
    throw damaged("unreadable header or trailer");
  }
  if (header.format !== FORMAT || header.version !== 1 || !header.log || !header.tables) {
    throw damaged("unknown format");
  }
  const items: [string, Item][] = [];
  for (let i = 1; i < lines.length - 1; i++) {
    const [table, item] = JSON.parse(lines[i]!) as [string, Item];
    items.push([table, decodeItem(item)]);
  }
  if (trailer.end !== items.length) throw damaged("item count does not match the trailer");
  return { log: header.log, tables: header.tables, items, bytes: data.length };
}

/** Removes a leftover temporary snapshot. */
export function removeTempSnapshot(dir: string, fs: EngineFs = denoFs): void {
  fs.removeSync(`${dir}/${TEMP_FILE}`);
}
