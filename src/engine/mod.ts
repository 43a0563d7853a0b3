/**
 * The in-process DynamoDB engine: the fast fake for tests and the server's embedded database.
 *
 * @example
 * ```ts
 * import { createEngine } from "./mod.ts";
 * const memory = createEngine();
 * const durable = createEngine({ path: "./.data" });
 * ```
 *
 * @module
 */
export { createEngine, type Engine, type EngineOptions } from "./engine.ts";
export { EngineStats, type UnitCounter } from "./capacity.ts";
export { Faults, type FaultSpec, type OperationName, type UnprocessedSpec } from "./faults.ts";
export { DirectoryLockedError, type StoreOptions } from "./persistence/store.ts";
