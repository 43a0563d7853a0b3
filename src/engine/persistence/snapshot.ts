/**
 * Snapshot files: every table's schema and live items, written to a temporary file, fsynced and
 * renamed into place, so a snapshot on disk is always complete.
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

/** Opens a directory and fsyncs it, so a rename or a new file in it is durable. */
export function syncDirectory(dir: string): void {
  const d = Deno.openSync(dir, { read: true });
  try {
    d.syncSync();
  } finally {
    d.close();
  }
}

function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
}

/**
 * Writes a snapshot of `tables` (skipping items expired at `nowMs`) that names `log` as its log,
 * to a temporary file, and fsyncs it. {@link installSnapshot} then puts it in place. Returns the
 * snapshot's size in bytes.
 */
export function writeSnapshotFile(
  dir: string,
  tables: Map<string, TableData>,
  log: string,
  nowMs: number,
): number {
  const file = Deno.openSync(`${dir}/${TEMP_FILE}`, { write: true, create: true, truncate: true });
  let bytes = 0;
  let count = 0;
  try {
    const header = {
      format: FORMAT,
      version: 1,
      log,
      tables: [...tables.values()].map((t) => t.schema),
    };
    let chunk: string[] = [toJson(header)];
    let chunkLength = 0;
    const flush = () => {
      const data = encoder.encode(chunk.join("\n") + "\n");
      writeAll(file, data);
      bytes += data.length;
      chunk = [];
      chunkLength = 0;
    };
    for (const [name, table] of tables) {
      for (const s of table.primary.all()) {
        if (table.isExpired(s, nowMs)) continue;
        const line = toJson([name, s.item]);
        chunk.push(line);
        chunkLength += line.length;
        count++;
        if (chunkLength > 1 << 20) flush();
      }
    }
    chunk.push(JSON.stringify({ end: count }));
    flush();
    file.syncSync();
  } finally {
    file.close();
  }
  return bytes;
}

/** Renames the temporary snapshot into place. Call {@link syncDirectory} to make it durable. */
export function installSnapshot(dir: string): void {
  Deno.renameSync(`${dir}/${TEMP_FILE}`, `${dir}/${SNAPSHOT_FILE}`);
}

/** Writes, installs and syncs a snapshot in one go (used at open). */
export function writeSnapshot(
  dir: string,
  tables: Map<string, TableData>,
  log: string,
  nowMs: number,
): number {
  const bytes = writeSnapshotFile(dir, tables, log, nowMs);
  installSnapshot(dir);
  syncDirectory(dir);
  return bytes;
}

/** Reads the snapshot, or `undefined` if there is none. Throws if it is damaged. */
export function readSnapshot(dir: string): Snapshot | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(`${dir}/${SNAPSHOT_FILE}`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
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
  return { log: header.log, tables: header.tables, items, bytes: text.length };
}

/** Removes a leftover temporary snapshot. */
export function removeTempSnapshot(dir: string): void {
  try {
    Deno.removeSync(`${dir}/${TEMP_FILE}`);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}
