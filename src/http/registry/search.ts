/**
 * `registered-models/search` and `model-versions/search`: MLflow's filter and order_by
 * (`src/search/`), the handler's `max_results` caps, and opaque page tokens bound to the query.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import { z } from "zod";
import { modelVersionMatcher, registeredModelMatcher } from "../../search/evaluate.ts";
import {
  modelVersionComparator,
  parseModelVersionOrderBy,
  parseRegisteredModelOrderBy,
  registeredModelComparator,
} from "../../search/order_registry.ts";
import {
  isQueryingPrompts,
  parseModelVersionFilter,
  parseRegisteredModelFilter,
} from "../../search/registry_filter.ts";
import type { RegistryStore, SearchCursor } from "../../store/registry/registry_store.ts";
import { invalidParameter } from "../../errors.ts";
import { mlflowJson, nonEmpty } from "../json.ts";
import {
  decodePageToken as decodeToken,
  encodePageToken as encodeToken,
} from "../../search/page_token.ts";
import { int64, list, rawMessage, validate } from "../request.ts";
import { modelVersionJson, registeredModelJson } from "./wire.ts";

const SearchSchema = z.object({
  filter: z.string().optional(),
  max_results: int64.optional(),
  order_by: list(z.string()).optional(),
  page_token: z.string().optional(),
});

function pyTypeName(v: unknown): string {
  if (typeof v === "string") return "str";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  return typeof v === "boolean" ? "bool" : "NoneType";
}

/** The handler's `_assert_less_than_or_equal(int(x), cap)` failure, worded as MLflow's. */
function checkCap(raw: unknown, value: number, cap: number): void {
  if (value <= cap) return;
  throw invalidParameter(
    `Invalid value ${
      JSON.stringify(raw)
    } for parameter 'max_results' supplied:  Hint: Value was of type ` +
      `'${pyTypeName(raw)}'. See the API docs for more information about request parameters.`,
  );
}

async function readSearch(c: Context) {
  const raw = await rawMessage(c);
  return { raw, req: validate(SearchSchema, raw) };
}

function cursorOf(token: string | undefined, fingerprint: string): SearchCursor | undefined {
  return token ? decodeToken<SearchCursor>(token, fingerprint) : undefined;
}

/** Registers both search routes on `app`. */
export function registrySearchRoutes(app: Hono, registry: RegistryStore): void {
  const searchModels = async (c: Context) => {
    const { raw, req } = await readSearch(c);
    const maxResults = req.max_results ?? 100;
    checkCap(raw.max_results, maxResults, 1000);
    const clauses = parseRegisteredModelFilter(req.filter);
    const orderKeys = parseRegisteredModelOrderBy(req.order_by ?? []);
    const fingerprint = JSON.stringify(["rm", req.filter ?? "", req.order_by ?? []]);
    const after = cursorOf(req.page_token, fingerprint);
    const result = await registry.searchRegisteredModels({
      predicate: registeredModelMatcher(clauses),
      compare: registeredModelComparator(orderKeys),
      includePrompts: isQueryingPrompts(clauses),
      maxResults: Math.max(0, maxResults),
      ...(after ? { after } : {}),
    });
    return mlflowJson({
      registered_models: nonEmpty(result.items.map(registeredModelJson)),
      next_page_token: result.next ? encodeToken(result.next, fingerprint) : undefined,
    });
  };
  app.get("/registered-models/search", searchModels);
  app.post("/registered-models/search", searchModels);

  const searchVersions = async (c: Context) => {
    const { raw, req } = await readSearch(c);
    const maxResults = req.max_results ?? 200_000;
    checkCap(raw.max_results, maxResults, 200_000);
    if (maxResults < 1) {
      throw invalidParameter(
        `Invalid value for max_results. It must be a positive integer, but got ${maxResults}`,
      );
    }
    const clauses = parseModelVersionFilter(req.filter);
    const orderKeys = parseModelVersionOrderBy(req.order_by ?? []);
    const fingerprint = JSON.stringify(["mv", req.filter ?? "", req.order_by ?? []]);
    const after = cursorOf(req.page_token, fingerprint);
    // `name = 'x'` pins the models: read their partitions instead of every version.
    const names = clauses
      .filter((cl) => cl.type === "attribute" && cl.key === "name" && cl.comparator === "=")
      .map((cl) => String(cl.value));
    const result = await registry.searchModelVersions({
      predicate: modelVersionMatcher(clauses),
      compare: modelVersionComparator(orderKeys),
      includePrompts: isQueryingPrompts(clauses),
      maxResults,
      ...(after ? { after } : {}),
      ...(names.length > 0 ? { names: names.slice(0, 1) } : {}),
    });
    return mlflowJson({
      model_versions: nonEmpty(result.items.map(modelVersionJson)),
      next_page_token: result.next ? encodeToken(result.next, fingerprint) : undefined,
    });
  };
  app.get("/model-versions/search", searchVersions);
  app.post("/model-versions/search", searchVersions);
}
