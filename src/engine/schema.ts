/**
 * Table schemas: validating a CreateTable request, key extraction and validation of items and
 * keys against the table's and its indexes' key schemas, and DescribeTable's description.
 *
 * @module
 */
import type {
  CreateTableCommandInput,
  KeySchemaElement,
  TableDescription,
} from "@aws-sdk/client-dynamodb";
import { validationError } from "./errors.ts";
import { utf8Length } from "./item_size.ts";
import { type AV, type Item, typeOf } from "./values.ts";

/** A key attribute. */
export interface KeyAttribute {
  name: string;
  type: "S" | "N" | "B";
}

/** A secondary index. */
export interface IndexSchema {
  name: string;
  kind: "GSI" | "LSI";
  hash: KeyAttribute;
  range?: KeyAttribute;
  projection: "ALL" | "KEYS_ONLY" | "INCLUDE";
  nonKeyAttributes: string[];
}

/** TTL settings (UpdateTimeToLive). */
export interface TtlSpec {
  attributeName: string;
  enabled: boolean;
}

/** Everything the engine knows about a table's shape; serialisable as JSON. */
export interface TableSchema {
  name: string;
  hash: KeyAttribute;
  range?: KeyAttribute;
  indexes: IndexSchema[];
  /** The CreateTable request, echoed by DescribeTable. */
  definition: CreateTableCommandInput;
  createdAt: number;
  ttl?: TtlSpec;
}

/** DynamoDB's limits on a partition (hash) and a sort (range) key value, in bytes. */
export const MAX_HASH_KEY_BYTES = 2048;
export const MAX_RANGE_KEY_BYTES = 1024;
/**
 * The start of DynamoDB's message for an index key over its size limit (AWS appends the key,
 * sizes and index; DynamoDB Local stops here). A plain ValidationException, also inside a
 * transaction.
 */
export const INDEX_KEY_SIZE_ERROR =
  "One or more parameter values were invalid: Size limit exceeded";

const NAME_RE = /^[a-zA-Z0-9_.-]{3,255}$/;
const NAME_ERROR =
  "Invalid table/index name.  Table/index names must be between 3 and 255 characters long, and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'";

/** Throws DynamoDB's error for an invalid table or index name. */
export function checkName(name: unknown): string {
  if (typeof name !== "string" || !NAME_RE.test(name)) throw validationError(NAME_ERROR);
  return name;
}

function keyAttributes(
  keySchema: KeySchemaElement[] | undefined,
  types: Map<string, string>,
  what: string,
): { hash: KeyAttribute; range?: KeyAttribute } {
  if (!keySchema || keySchema.length < 1 || keySchema.length > 2) {
    throw validationError(
      `1 validation error detected: ${what} KeySchema must have 1 or 2 elements`,
    );
  }
  const [h, r] = keySchema;
  if (h?.KeyType !== "HASH" || (r && r.KeyType !== "RANGE")) {
    throw validationError(
      "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
    );
  }
  const attr = (e: KeySchemaElement): KeyAttribute => {
    const type = types.get(e.AttributeName ?? "");
    if (type === undefined) {
      throw validationError(
        "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [" +
          keySchema.map((k) => k.AttributeName).join(", ") + "], AttributeDefinitions: [" +
          [...types.keys()].join(", ") + "]",
      );
    }
    return { name: e.AttributeName!, type: type as KeyAttribute["type"] };
  };
  if (r && r.AttributeName === h.AttributeName) {
    throw validationError(
      "Invalid KeySchema: Some index key attribute have no definition or are duplicated",
    );
  }
  return r ? { hash: attr(h), range: attr(r) } : { hash: attr(h) };
}

/** Validates a CreateTable request and builds the schema. */
export function schemaFromCreateTable(input: CreateTableCommandInput, now: number): TableSchema {
  const name = checkName(input.TableName);
  const types = new Map<string, string>();
  for (const d of input.AttributeDefinitions ?? []) {
    if (!d.AttributeName || !["S", "N", "B"].includes(d.AttributeType ?? "")) {
      throw validationError(
        "One or more parameter values were invalid: Invalid AttributeDefinition type",
      );
    }
    if (types.has(d.AttributeName)) {
      throw validationError(
        "Cannot have two attributes with the same name. Attribute name: " + d.AttributeName,
      );
    }
    types.set(d.AttributeName, d.AttributeType!);
  }
  const { hash, range } = keyAttributes(input.KeySchema, types, "Table");
  const used = new Set([hash.name, ...(range ? [range.name] : [])]);
  const indexes: IndexSchema[] = [];
  const names = new Set<string>();
  const addIndex = (
    kind: "GSI" | "LSI",
    ix: {
      IndexName?: string;
      KeySchema?: KeySchemaElement[];
      Projection?: { ProjectionType?: string; NonKeyAttributes?: string[] };
    },
  ) => {
    const indexName = checkName(ix.IndexName);
    if (names.has(indexName)) {
      throw validationError(
        `One or more parameter values were invalid: Duplicate index name: ${indexName}`,
      );
    }
    names.add(indexName);
    const keys = keyAttributes(ix.KeySchema, types, "Index");
    if (kind === "LSI" && (keys.hash.name !== hash.name || !range || !keys.range)) {
      throw validationError(
        "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
      );
    }
    const projection = ix.Projection?.ProjectionType ?? "";
    if (!["ALL", "KEYS_ONLY", "INCLUDE"].includes(projection)) {
      throw validationError(
        "One or more parameter values were invalid: Unknown ProjectionType: " + projection,
      );
    }
    const nonKey = ix.Projection?.NonKeyAttributes ?? [];
    if (projection !== "INCLUDE" && nonKey.length > 0) {
      throw validationError(
        "One or more parameter values were invalid: ProjectionType is " + projection +
          ", but NonKeyAttributes is specified",
      );
    }
    used.add(keys.hash.name);
    if (keys.range) used.add(keys.range.name);
    indexes.push({
      name: indexName,
      kind,
      ...keys,
      projection: projection as IndexSchema["projection"],
      nonKeyAttributes: [...nonKey],
    });
  };
  for (const g of input.GlobalSecondaryIndexes ?? []) addIndex("GSI", g);
  for (const l of input.LocalSecondaryIndexes ?? []) addIndex("LSI", l);
  if (indexes.filter((i) => i.kind === "GSI").length > 20) {
    throw validationError(
      "One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of 20",
    );
  }
  if (indexes.filter((i) => i.kind === "LSI").length > 5) {
    throw validationError(
      "One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5",
    );
  }
  const unused = [...types.keys()].filter((k) => !used.has(k));
  if (unused.length > 0) {
    throw validationError(
      `One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [${
        [...types.keys()].join(", ")
      }], keys used: [${[...used].join(", ")}]`,
    );
  }
  const definition = structuredClone(input);
  return { name, hash, ...(range ? { range } : {}), indexes, definition, createdAt: now };
}

/** The key attributes (table and index) of a table: name → type. */
export function keyTypes(schema: TableSchema): Map<string, KeyAttribute["type"]> {
  const m = new Map<string, KeyAttribute["type"]>([[schema.hash.name, schema.hash.type]]);
  if (schema.range) m.set(schema.range.name, schema.range.type);
  return m;
}

/** The primary key of an item. */
export function keyOf(schema: TableSchema, item: Item): Item {
  const key: Item = { [schema.hash.name]: item[schema.hash.name]! };
  if (schema.range) key[schema.range.name] = item[schema.range.name]!;
  return key;
}

function checkKeyValue(
  attr: KeyAttribute,
  v: AV | undefined,
  what: "item" | "key",
  role: "hash" | "range",
): void {
  if (v === undefined) {
    throw validationError(
      what === "item"
        ? `One or more parameter values were invalid: Missing the key ${attr.name} in the item`
        : "The provided key element does not match the schema",
    );
  }
  const t = typeOf(v);
  if (t !== attr.type) {
    throw validationError(
      `One or more parameter values were invalid: Type mismatch for key ${attr.name} expected: ${attr.type} actual: ${t}`,
    );
  }
  if ((t === "S" && v.S === "") || (t === "B" && v.B!.length === 0)) {
    throw validationError(
      `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${
        t === "S" ? "string" : "binary"
      } value. Key: ${attr.name}`,
    );
  }
  const size = t === "S" ? utf8Length(v.S!) : t === "B" ? v.B!.length : 0;
  if (role === "hash" && size > MAX_HASH_KEY_BYTES) {
    throw validationError(
      "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of 2048 bytes",
    );
  }
  if (role === "range" && size > MAX_RANGE_KEY_BYTES) {
    throw validationError(
      "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes",
    );
  }
}

/** Validates a Key parameter (exactly the key attributes, of the right types). */
export function checkKey(schema: TableSchema, key: Item | undefined): Item {
  const n = schema.range ? 2 : 1;
  if (!key || Object.keys(key).length !== n) {
    throw validationError("The provided key element does not match the schema");
  }
  checkKeyValue(schema.hash, key[schema.hash.name], "key", "hash");
  if (schema.range) checkKeyValue(schema.range, key[schema.range.name], "key", "range");
  return key;
}

/**
 * Validates the key attributes of an item to be written, including index keys (`viaUpdate`
 * selects UpdateItem's wording).
 */
export function checkItemKeys(schema: TableSchema, item: Item, viaUpdate = false): void {
  checkKeyValue(schema.hash, item[schema.hash.name], "item", "hash");
  if (schema.range) checkKeyValue(schema.range, item[schema.range.name], "item", "range");
  for (const ix of schema.indexes) {
    for (const attr of [ix.hash, ix.range]) {
      if (!attr) continue;
      const v = item[attr.name];
      if (v === undefined) continue;
      const t = typeOf(v);
      if (t !== attr.type) {
        throw validationError(
          `One or more parameter values were invalid: Type mismatch for Index Key ${attr.name} Expected: ${attr.type} Actual: ${t} IndexName: ${ix.name}`,
        );
      }
      if ((t === "S" && v.S === "") || (t === "B" && v.B!.length === 0)) {
        const kind = t === "S" ? "string" : "binary";
        throw validationError(
          viaUpdate
            ? `One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty ${kind} value.`
            : `One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty ${kind} value. IndexName: ${ix.name}, IndexKey: ${attr.name}`,
        );
      }
      const size = t === "S" ? utf8Length(v.S!) : t === "B" ? v.B!.length : 0;
      const max = attr === ix.hash ? MAX_HASH_KEY_BYTES : MAX_RANGE_KEY_BYTES;
      if (size > max) {
        throw validationError(
          `${INDEX_KEY_SIZE_ERROR} for Index Key ${attr.name} Actual Size: ${size} bytes Max Size: ${max} bytes IndexName: ${ix.name}`,
        );
      }
    }
  }
}

/** True when the item has every key attribute of the index (sparse indexes). */
export function inIndex(ix: IndexSchema, item: Item): boolean {
  return item[ix.hash.name] !== undefined && (!ix.range || item[ix.range.name] !== undefined);
}

/** The attribute names an index projects, or `undefined` for ALL. */
export function projectedAttributes(schema: TableSchema, ix: IndexSchema): Set<string> | undefined {
  if (ix.projection === "ALL") return undefined;
  const names = new Set([schema.hash.name, ix.hash.name]);
  if (schema.range) names.add(schema.range.name);
  if (ix.range) names.add(ix.range.name);
  if (ix.projection === "INCLUDE") { for (const n of ix.nonKeyAttributes) names.add(n); }
  return names;
}

/** DescribeTable's view of a table. */
export function describeSchema(
  schema: TableSchema,
  stats: { itemCount: number; sizeBytes: number; indexCounts: Map<string, [number, number]> },
  status: "ACTIVE" | "DELETING" = "ACTIVE",
): TableDescription {
  const d = schema.definition;
  const created = new Date(schema.createdAt);
  const arn = `arn:aws:dynamodb:local:000000000000:table/${schema.name}`;
  const indexDescription = (kind: "GSI" | "LSI") =>
    schema.indexes.filter((i) => i.kind === kind).map((ix) => {
      const [count, size] = stats.indexCounts.get(ix.name) ?? [0, 0];
      return {
        IndexName: ix.name,
        KeySchema: [
          { AttributeName: ix.hash.name, KeyType: "HASH" as const },
          ...(ix.range ? [{ AttributeName: ix.range.name, KeyType: "RANGE" as const }] : []),
        ],
        Projection: {
          ProjectionType: ix.projection,
          ...(ix.projection === "INCLUDE" ? { NonKeyAttributes: [...ix.nonKeyAttributes] } : {}),
        },
        ...(kind === "GSI" ? { IndexStatus: "ACTIVE" as const } : {}),
        IndexSizeBytes: size,
        ItemCount: count,
        IndexArn: `${arn}/index/${ix.name}`,
      };
    });
  const gsis = indexDescription("GSI");
  const lsis = indexDescription("LSI");
  const billing = d.BillingMode ?? "PROVISIONED";
  return {
    AttributeDefinitions: structuredClone(d.AttributeDefinitions ?? []),
    TableName: schema.name,
    KeySchema: structuredClone(d.KeySchema ?? []),
    TableStatus: status,
    CreationDateTime: created,
    ProvisionedThroughput: {
      NumberOfDecreasesToday: 0,
      ReadCapacityUnits: d.ProvisionedThroughput?.ReadCapacityUnits ?? 0,
      WriteCapacityUnits: d.ProvisionedThroughput?.WriteCapacityUnits ?? 0,
    },
    TableSizeBytes: stats.sizeBytes,
    ItemCount: stats.itemCount,
    TableArn: arn,
    BillingModeSummary: {
      BillingMode: billing,
      ...(billing === "PAY_PER_REQUEST" ? { LastUpdateToPayPerRequestDateTime: created } : {}),
    },
    ...(gsis.length ? { GlobalSecondaryIndexes: gsis } : {}),
    ...(lsis.length ? { LocalSecondaryIndexes: lsis } : {}),
    DeletionProtectionEnabled: false,
  };
}
