/**
 * Store-level helpers shared by the logged-model tests: a logged-model store over a fresh table of
 * one test backend (with the port's calls counted by operation), MLflow error matchers, and a
 * search over experiment 0.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { DynamoPort } from "../../src/dynamo/port.ts";
import { retryingPort } from "../../src/dynamo/retry.ts";
import { MlflowError } from "../../src/errors.ts";
import { LoggedModelStore } from "../../src/store/logged_models/logged_model_store.ts";
import {
  searchLoggedModels,
  type SearchLoggedModelsInput,
} from "../../src/store/logged_models/search_logged_models.ts";
import { createStores, type Stores } from "../../src/store/stores.ts";
import type { TestBackend } from "./backends.ts";

export function code(e: unknown): string | undefined {
  return e instanceof MlflowError ? e.code : undefined;
}

export function rejectsWith(codeName: string, message?: RegExp) {
  return (e: unknown) => {
    assert.equal(code(e), codeName, String(e));
    if (message) assert.match((e as Error).message, message);
    return true;
  };
}

/** Counts the port's calls by operation name. */
export function countingPort(port: DynamoPort): { port: DynamoPort; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const wrapped = new Proxy(port, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        return v.apply(target, args);
      };
    },
  });
  return { port: wrapped, calls };
}

export interface Ctx {
  s: Stores;
  lm: LoggedModelStore;
  calls: Map<string, number>;
}

export async function withCtx(backend: TestBackend, fn: (c: Ctx) => Promise<void>): Promise<void> {
  const { port, tableName, cleanup } = await backend.makePort();
  try {
    const counted = countingPort(retryingPort(port));
    const s = await createStores({ port: counted.port, table: tableName }, "mlflow-artifacts:/");
    await fn({ s, lm: new LoggedModelStore(s.db, s.experiments), calls: counted.calls });
  } finally {
    await cleanup();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function search(
  c: Ctx,
  input: Partial<SearchLoggedModelsInput> & { filterText?: string },
) {
  const { filterText, ...rest } = input;
  return await searchLoggedModels(c.s.db, {
    experimentIds: ["0"],
    ...(filterText ? { filter: filterText } : {}),
    ...rest,
  });
}
