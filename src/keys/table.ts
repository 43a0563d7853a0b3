/**
 * Table-level names and items of the key schema: the key attribute names, the schema version and
 * its item, atomic counters and search snapshots. Part of `key_schema.ts`, which re-exports it;
 * import that, not this file.
 *
 * @module
 */
import { type Key, padNumber } from "./names.ts";

/** Attribute names of the table's keys. */
export const PK = "pk";
export const SK = "sk";
export const GSI1 = "gsi1";
export const GSI1_PK = "gsi1pk";
export const GSI1_SK = "gsi1sk";
/** Epoch-seconds attribute that DynamoDB's TTL deletes for free (search snapshots). */
export const TTL_ATTRIBUTE = "expires_at";

/** Bumped when the layout changes incompatibly; the server refuses a table with another version. */
export const SCHEMA_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// Table metadata and counters

/** The schema-version item written by the table command. */
export const schemaKey = (): Key => ({ pk: "META", sk: "SCHEMA" });

/** Atomic counters (`UpdateItem ADD`), e.g. `experiment` for sequential experiment ids. */
export const counterKey = (name: string): Key => ({ pk: `SEQ#${name}`, sk: "SEQ" });

// ---------------------------------------------------------------------------------------------
// Search snapshots: the ordered result ids of a search, so later pages never re-read earlier ones

export const searchSnapshotKey = (snapshotId: string, chunk: number): Key => ({
  pk: `SNAP#${snapshotId}`,
  sk: padNumber(chunk),
});
