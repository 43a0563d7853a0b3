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

/** Registers `experiments/search` on `app`. */
export function searchExperimentsRoute(app: Hono, stores: Stores): void {
  const handler = async (c: Context) => {
    const req = await parseRequest(
      c,
      z.object({
        max_results: int64.optional(),
        page_token: z.string().optional(),
        filter: z.string().optional(),
        order_by: list(z.string()).optional(),
        view_type: protoEnum(VIEW_TYPES).optional(),
      }),
    );
    const maxResults = req.max_results ?? 1000;
    if (maxResults < 1 || maxResults > MAX_RESULTS_CAP) {
      throw invalidParameter(
        `Invalid value ${maxResults} for parameter 'max_results' supplied. It must be at most ${MAX_RESULTS_CAP}, but got value ${maxResults}`,
      );
    }
    const viewType = req.view_type ?? "ACTIVE_ONLY";
    const compiled = compileExperimentSearch(req.filter ?? "", req.order_by ?? []);
    const fingerprint = JSON.stringify([req.filter ?? "", req.order_by ?? [], viewType]);
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
