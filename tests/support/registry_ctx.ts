/**
 * Store-level helpers shared by the registry tests: a registry over a fresh table of one test
 * backend, MLflow error matchers, and searches with MLflow's filter and order grammar.
 *
 * @module
 */
import assert from "node:assert/strict";
import { retryingPort } from "../../src/dynamo/retry.ts";
import { MlflowError } from "../../src/errors.ts";
import {
  modelVersionComparator,
  parseModelVersionOrderBy,
  parseRegisteredModelOrderBy,
  registeredModelComparator,
} from "../../src/search/order_registry.ts";
import { modelVersionMatcher, registeredModelMatcher } from "../../src/search/evaluate.ts";
import {
  isQueryingPrompts,
  parseModelVersionFilter,
  parseRegisteredModelFilter,
} from "../../src/search/registry_filter.ts";
import { RegistryStore, type SearchCursor } from "../../src/store/registry/registry_store.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import type { TestBackend } from "./backends.ts";

export interface Ctx {
  s: Stores;
  r: RegistryStore;
}

export async function withCtx(backend: TestBackend, fn: (c: Ctx) => Promise<void>): Promise<void> {
  const { port, tableName, cleanup } = await backend.makePort();
  try {
    const s = await createStores(
      { port: retryingPort(port), table: tableName },
      "mlflow-artifacts:/",
    );
    await fn({ s, r: new RegistryStore(s.db) });
  } finally {
    await cleanup();
  }
}

export function rejectsWith(code: string, message?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof MlflowError, String(e));
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  };
}

export async function searchModels(
  r: RegistryStore,
  filter = "",
  orderBy: string[] = [],
  maxResults = 100,
  after?: SearchCursor,
) {
  const clauses = parseRegisteredModelFilter(filter);
  return await r.searchRegisteredModels({
    predicate: registeredModelMatcher(clauses),
    compare: registeredModelComparator(parseRegisteredModelOrderBy(orderBy)),
    includePrompts: isQueryingPrompts(clauses),
    maxResults,
    ...(after ? { after } : {}),
  });
}

export async function searchVersions(
  r: RegistryStore,
  filter = "",
  orderBy: string[] = [],
  maxResults = 1000,
  after?: SearchCursor,
  names?: string[],
) {
  const clauses = parseModelVersionFilter(filter);
  return await r.searchModelVersions({
    predicate: modelVersionMatcher(clauses),
    compare: modelVersionComparator(parseModelVersionOrderBy(orderBy)),
    includePrompts: isQueryingPrompts(clauses),
    maxResults,
    ...(after ? { after } : {}),
    ...(names ? { names } : {}),
  });
}
