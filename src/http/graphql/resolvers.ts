/**
 * Resolvers for `/graphql`. They call the stores (through the same helpers the REST routes use),
 * build MLflow's REST JSON shapes (`../tracking/wire.ts`, `../registry/wire.ts`), and let one
 * field resolver map camelCase GraphQL fields onto those snake_case objects.
 *
 * `mlflow server` resolves fields on protobuf messages, so an unset field reads as the proto
 * default: `""` for strings, `"0"` for int64, an empty list, an empty message. {@link fieldResolver}
 * does the same; only `apiError` stays null (MLflow never fills it: errors go to `errors`).
 * Non-finite metric values are null (MLflow nulls NaN; ±Infinity would fail the whole list).
 *
 * @module
 */
import {
  getNamedType,
  GraphQLEnumType,
  type GraphQLFieldResolver,
  GraphQLList,
  GraphQLNonNull,
  type GraphQLOutputType,
  GraphQLScalarType,
} from "graphql";
import type { Stores } from "../../store/stores.ts";
import type { ArtifactLocations } from "../../artifacts/locations.ts";
import { listRunArtifacts } from "../artifacts/run_routes.ts";
import { datasetSummaries } from "../ui_routes/data_routes.ts";
import type { RegistryStore } from "../../store/registry/registry_store.ts";
import type { Run } from "../../store/entities.ts";
import { modelVersionMatcher } from "../../search/evaluate.ts";
import { modelVersionComparator, parseModelVersionOrderBy } from "../../search/order_registry.ts";
import { isQueryingPrompts, parseModelVersionFilter } from "../../search/registry_filter.ts";
import { invalidParameter } from "../../errors.ts";
import { experimentJson, runJson } from "../tracking/wire.ts";
import { searchRunsPage } from "../tracking/search_runs.ts";
import { bulkIntervalMetrics } from "../tracking/metrics.ts";
import { modelVersionJson } from "../registry/wire.ts";
import type { VisibleExperiments } from "../../store/visible_experiments.ts";

/** What the resolvers read. */
export interface GraphqlDeps {
  stores: Stores;
  registry: RegistryStore;
  /** Where run artifacts live (`mlflowListArtifacts`). */
  locations: ArtifactLocations;
}

type Obj = Record<string, unknown>;
type Input = Record<string, unknown> | null | undefined;

/** Per request: the experiments the searches may read (`src/http/visibility.ts`). */
export interface GraphqlContext {
  visible?: VisibleExperiments;
}

/** MLflow's default page size for `search_model_versions` requests without `max_results`. */
const MODEL_VERSIONS_MAX = 10_000;

const snake = (s: string) => s.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);

function unwrap(t: GraphQLOutputType): GraphQLOutputType {
  return t instanceof GraphQLNonNull ? t.ofType : t;
}

/** The proto default for an unset field of GraphQL type `t`. */
function protoDefault(t: GraphQLOutputType, fieldName: string): unknown {
  if (fieldName === "apiError") return null;
  const type = unwrap(t);
  if (type instanceof GraphQLList) return [];
  if (type instanceof GraphQLEnumType) return type.getValues()[0]?.value ?? null;
  if (type instanceof GraphQLScalarType) {
    switch (type.name) {
      case "String":
        return "";
      case "LongString":
      case "Int":
      case "Float":
        return 0;
      case "Boolean":
        return false;
    }
    return null;
  }
  return {};
}

/** Reads `fieldName` (or its snake_case form) from the source object; calls it if a function. */
export const fieldResolver: GraphQLFieldResolver<unknown, unknown> = (source, args, ctx, info) => {
  const src = (source ?? {}) as Obj;
  let v = src[info.fieldName];
  if (v === undefined) v = src[snake(info.fieldName)];
  if (typeof v === "function") return v(args, ctx, info);
  if (v === undefined || v === null) return protoDefault(info.returnType, info.fieldName);
  if (
    typeof v === "number" && !Number.isFinite(v) && getNamedType(info.returnType).name === "Float"
  ) {
    return null;
  }
  return v;
};

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function strList(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined;
}

function int(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

/** The root value: one function per Query/Mutation field. */
export function rootValue(deps: GraphqlDeps): Obj {
  const { stores, registry, locations } = deps;

  const searchVersions = async (
    filter: string,
    maxResults = MODEL_VERSIONS_MAX,
    orderBy: string[] = [],
  ) => {
    const clauses = parseModelVersionFilter(filter);
    const page = await registry.searchModelVersions({
      predicate: modelVersionMatcher(clauses),
      compare: modelVersionComparator(parseModelVersionOrderBy(orderBy)),
      includePrompts: isQueryingPrompts(clauses),
      maxResults,
    });
    return page.items.map(modelVersionJson);
  };

  const experimentOf = async (experimentId: string) =>
    experimentJson(await stores.experiments.get(experimentId));

  /** A run as `MlflowRunExtension`: the REST shape plus `experiment` and `modelVersions`. */
  const runObject = (json: Obj) => {
    const info = json.info as { run_id: string; experiment_id: string };
    return {
      ...json,
      experiment: () => experimentOf(info.experiment_id),
      modelVersions: () => searchVersions(`run_id='${info.run_id}'`),
    };
  };

  const searchRuns = async ({ input }: { input?: Input }, context?: GraphqlContext) => {
    const runViewType = str(input?.runViewType) as
      | "ACTIVE_ONLY"
      | "DELETED_ONLY"
      | "ALL"
      | undefined;
    const page = await searchRunsPage(stores, {
      experiment_ids: strList(input?.experimentIds),
      filter: str(input?.filter),
      run_view_type: runViewType,
      max_results: int(input?.maxResults),
      order_by: strList(input?.orderBy),
      page_token: str(input?.pageToken),
    }, context?.visible);
    return {
      runs: (page.runs ?? []).map((r) => runObject(r as unknown as Obj)),
      next_page_token: page.next_page_token,
    };
  };

  return {
    mlflowGetExperiment: async ({ input }: { input?: Input }) => ({
      experiment: await experimentOf(str(input?.experimentId) ?? ""),
    }),
    mlflowGetRun: async ({ input }: { input?: Input }) => {
      const runId = str(input?.runId) || str(input?.runUuid) || "";
      const run: Run = await stores.runs.get(runId);
      return { run: runObject(runJson(run) as unknown as Obj) };
    },
    mlflowSearchRuns: searchRuns,
    mlflowGetMetricHistoryBulkInterval: async ({ input }: { input?: Input }) => ({
      metrics: await bulkIntervalMetrics(stores, {
        run_ids: strList(input?.runIds),
        metric_key: str(input?.metricKey),
        start_step: int(input?.startStep),
        end_step: int(input?.endStep),
        max_results: int(input?.maxResults),
      }),
    }),
    mlflowSearchModelVersions: async ({ input }: { input?: Input }) => {
      if (str(input?.pageToken)) {
        throw invalidParameter("mlflowSearchModelVersions does not take a page token here");
      }
      const max = int(input?.maxResults) ?? MODEL_VERSIONS_MAX;
      if (max < 1 || max > 200_000) {
        throw invalidParameter(
          `Invalid value for max_results. It must be a positive integer, but got ${max}`,
        );
      }
      return {
        model_versions: await searchVersions(
          str(input?.filter) ?? "",
          max,
          strList(input?.orderBy),
        ),
      };
    },
    mlflowListArtifacts: async ({ input }: { input?: Input }) => {
      const runId = str(input?.runId) || str(input?.runUuid) || "";
      const listed = await listRunArtifacts(stores.runs, locations, runId, str(input?.path));
      return { root_uri: listed.rootUri, files: listed.files };
    },
    mlflowSearchDatasets: async ({ input }: { input?: Input }, context?: GraphqlContext) => ({
      dataset_summaries: await datasetSummaries(
        stores,
        strList(input?.experimentIds) ?? [],
        context?.visible,
      ),
    }),
    test: ({ inputString }: { inputString?: string }) => ({ output: inputString }),
    testMutation: ({ inputString }: { inputString?: string }) => ({ output: inputString }),
  };
}
