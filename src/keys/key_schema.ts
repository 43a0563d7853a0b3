/**
 * The key schema: the only module that builds or parses DynamoDB key strings, and the one entry
 * every caller imports.
 *
 * One table, string keys `pk`/`sk`, and one overloaded global secondary index `gsi1`
 * (`gsi1pk`/`gsi1sk`, projection ALL). No local secondary index, so no item collection is capped
 * at 10 GB. `docs/key-schema.md` documents every pattern and the cost of each operation.
 *
 * Numbers inside keys are zero-padded to a fixed width so that string order equals numeric order;
 * "inverted" numbers (`MAX - n`) make a forward index scan return newest first.
 *
 * The formats live in small modules of `src/keys/` by area, re-exported here; nothing outside
 * `src/keys/` imports them directly (`tests/unit/layers_test.ts` checks). `internal.ts` holds
 * helpers shared by those modules only and is not re-exported.
 *
 * @module
 */
export * from "./names.ts";
export * from "./table.ts";
export * from "./tracking.ts";
export * from "./metrics.ts";
export * from "./registry.ts";
export * from "./traces.ts";
export * from "./auth.ts";
export * from "./genai.ts";
export * from "./operations.ts";
export * from "./jobs.ts";
export * from "./metric_index.ts";
