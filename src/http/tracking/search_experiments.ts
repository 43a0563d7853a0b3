/**
 * `experiments/search` (POST and GET).
 *
 * @module
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { searchExperiments } from "../../store/experiments/search_experiments.ts";
import type { Stores } from "../../store/stores.ts";
import { invalidParameter } from "../../errors.ts";
import { mlflowJson, nonEmpty } from "../json.ts";
import {
  decodePageToken as decodeToken,
  encodePageToken as encodeToken,
} from "../../search/page_token.ts";
import { int64, list, parseRequest, protoEnum } from "../request.ts";
import { compileExperimentSearch } from "./search_compile.ts";
import { experimentJson } from "./wire.ts";

const MAX_RESULTS_CAP = 50000;
const VIEW_TYPES = ["ACTIVE_ONLY", "DELETED_ONLY", "ALL"] as const;

// Request schemas are built once: a zod object built per request is compiled again each time.
const SearchExperimentsRequest = z.object({
  max_results: int64.optional(),
  page_token: z.string().optional(),
  filter: z.string().optional(),
  order_by: list(z.string()).optional(),
  view_type: protoEnum(VIEW_TYPES).optional(),
});

// Compiled filters and orders by their text: the UI and clients repeat the same few searches.
const COMPILED_LIMIT = 100;
const compiledSearches = new Map<string, ReturnType<typeof compileExperimentSearch>>();

function compiledSearch(filter: string, orderBy: string[]) {
  const key = JSON.stringify([filter, orderBy]);
  let compiled = compiledSearches.get(key);
  if (!compiled) {
    compiled = compileExperimentSearch(filter, orderBy); // throws on a bad filter: not cached
    if (compiledSearches.size >= COMPILED_LIMIT) {
      compiledSearches.delete(compiledSearches.keys().next().value!);
    }
    compiledSearches.set(key, compiled);
  }
  return compiled;
}

/** Registers `experiments/search` on `app`. */
export function searchExperimentsRoute(app: Hono, stores: Stores): void {
  const handler = async (c: Context) => {
    const req = await parseRequest(
      c,
      SearchExperimentsRequest,
    );
    const maxResults = req.max_results ?? 1000;
    if (maxResults < 1 || maxResults > MAX_RESULTS_CAP) {
      throw invalidParameter(
        `Invalid value ${maxResults} for parameter 'max_results' supplied. It must be at most ${MAX_RESULTS_CAP}, but got value ${maxResults}`,
      );
    }
    const viewType = req.view_type ?? "ACTIVE_ONLY";
    const fingerprint = JSON.stringify([req.filter ?? "", req.order_by ?? [], viewType]);
    const compiled = compiledSearch(req.filter ?? "", req.order_by ?? []);
    const after = req.page_token
      ? decodeToken<{ id: string; offset: number }>(req.page_token, fingerprint)
      : undefined;
    const result = await searchExperiments(stores.db, {
      viewType,
      maxResults,
      ...compiled,
      ...(after ? { after } : {}),
    });
    const last = result.experiments.at(-1);
    const offset = (after?.offset ?? 0) + result.experiments.length;
    return mlflowJson({
      experiments: nonEmpty(result.experiments.map(experimentJson)),
      next_page_token: result.hasMore && last
        ? encodeToken({ id: last.experimentId, offset }, fingerprint)
        : undefined,
    });
  };
  app.post("/experiments/search", handler);
  app.get("/experiments/search", handler);
}
