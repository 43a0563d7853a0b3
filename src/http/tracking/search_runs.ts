/**
 * `runs/search`.
 *
 * @module
 */
import type { Hono } from "hono";
import { z } from "zod";
import { type RunSearchCursor, searchRuns } from "../../store/runs/search_runs.ts";
import type { Stores } from "../../store/stores.ts";
import { invalidParameter } from "../../errors.ts";
import { mlflowJson, nonEmpty } from "../json.ts";
import {
  decodePageToken as decodeToken,
  encodePageToken as encodeToken,
} from "../../search/page_token.ts";
import { int64, invalidValue, list, parseRequest, protoEnum } from "../request.ts";
import { compileRunSearch } from "./search_compile.ts";
import { runJson } from "./wire.ts";
import { visibleExperiments } from "../visibility.ts";
import type { VisibleExperiments } from "../../store/visible_experiments.ts";

const MAX_RESULTS_CAP = 50000;
const VIEW_TYPES = ["ACTIVE_ONLY", "DELETED_ONLY", "ALL"] as const;

/** Registers `runs/search` on `app`. */
export function searchRunsRoute(app: Hono, stores: Stores): void {
  app.post("/runs/search", async (c) => {
    const req = await parseRequest(
      c,
      z.object({
        experiment_ids: list(z.string()).optional(),
        filter: z.string().optional(),
        run_view_type: protoEnum(VIEW_TYPES).optional(),
        max_results: int64.optional(),
        order_by: list(z.string()).optional(),
        page_token: z.string().optional(),
      }),
    );
    return mlflowJson(await searchRunsPage(stores, req, visibleExperiments(c)));
  });
}

/** A `runs/search` request, as parsed from JSON (GraphQL's `mlflowSearchRuns` reuses it). */
export interface SearchRunsRequest {
  experiment_ids?: string[];
  filter?: string;
  run_view_type?: typeof VIEW_TYPES[number];
  max_results?: number;
  order_by?: string[];
  page_token?: string;
}

/**
 * One page of `runs/search` in MLflow's JSON shape; `visible` (the request's, see
 * `src/http/visibility.ts`) narrows the experiments searched.
 */
export async function searchRunsPage(
  stores: Stores,
  req: SearchRunsRequest,
  visible?: VisibleExperiments,
) {
  const maxResults = req.max_results ?? 1000;
  if (maxResults < 0 || maxResults > MAX_RESULTS_CAP) {
    throw invalidParameter(invalidValue("max_results", maxResults));
  }
  // MLflow accepts a repeated id (SQL `IN`); a key list for BatchGetItem must not repeat.
  const experimentIds = [...new Set(req.experiment_ids ?? [])];
  const viewType = req.run_view_type ?? "ACTIVE_ONLY";
  const compiled = compileRunSearch(req.filter ?? "", req.order_by ?? []);
  const fingerprint = JSON.stringify([
    experimentIds,
    req.filter ?? "",
    req.order_by ?? [],
    viewType,
  ]);
  const after = req.page_token
    ? decodeToken<RunSearchCursor>(req.page_token, fingerprint)
    : undefined;
  if (experimentIds.length === 0 || maxResults === 0) return {};
  const result = await searchRuns(stores.runs, {
    experimentIds,
    ...(visible ? { visible } : {}),
    viewType,
    maxResults,
    ...compiled,
    ...(after ? { after } : {}),
  });
  return {
    runs: nonEmpty(result.runs.map((r) => runJson(r, { includeModelInputs: false }))),
    next_page_token: result.hasMore && result.next
      ? encodeToken(result.next, fingerprint)
      : undefined,
  };
}
