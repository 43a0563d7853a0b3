/**
 * MLflow-compatible search: filter parsing and evaluation, `order_by` parsing and
 * comparators, page tokens. See each module for the rules it copies from MLflow.
 *
 * @module
 */

export type { Clause, ClauseType, ClauseValue, Comparator, ParsedClause } from "./ast.ts";
export type {
  ExperimentRecord,
  LoggedModelMetricRecord,
  LoggedModelRecord,
  ModelVersionRecord,
  RegisteredModelRecord,
  RunDatasetRecord,
  RunRecord,
} from "./records.ts";
export { parseRunFilter, parseRunFilterRaw } from "./runs_filter.ts";
export { parseExperimentFilter, parseExperimentFilterRaw } from "./experiments_filter.ts";
export {
  IS_PROMPT_TAG_KEY,
  isQueryingPrompts,
  parseModelVersionFilter,
  parseModelVersionFilterRaw,
  parseRegisteredModelFilter,
  parseRegisteredModelFilterRaw,
} from "./registry_filter.ts";
export { parseLoggedModelFilter } from "./logged_models_filter.ts";
export {
  experimentMatcher,
  type LoggedModelDatasetFilter,
  loggedModelMatcher,
  type Matcher,
  modelVersionMatcher,
  registeredModelMatcher,
  runMatcher,
} from "./evaluate.ts";
export { compareBy, type SortKey, type SortValue } from "./compare.ts";
export {
  DEFAULT_EXPERIMENT_ORDER_BY,
  experimentComparator,
  type ExperimentOrderKey,
  parseExperimentOrderBy,
  parseRunOrderBy,
  runComparator,
  type RunOrderKey,
} from "./order_by.ts";
export {
  DEFAULT_MODEL_VERSION_ORDER_BY,
  loggedModelComparator,
  type LoggedModelOrderBy,
  type LoggedModelOrderKey,
  modelVersionComparator,
  type ModelVersionOrderKey,
  parseLoggedModelOrderBy,
  parseModelVersionOrderBy,
  parseRegisteredModelOrderBy,
  registeredModelComparator,
  type RegisteredModelOrderKey,
} from "./order_registry.ts";
export {
  type PreparedSearch,
  prepareExperimentSearch,
  prepareLoggedModelSearch,
  prepareModelVersionSearch,
  prepareRegisteredModelSearch,
  prepareRunSearch,
} from "./prepare.ts";
export {
  canonicalJson,
  decodeOptionalPageToken,
  decodePageToken,
  encodePageToken,
  queryFingerprint,
} from "./page_token.ts";
export { likeRegExp, sqlCompare, sqlILike, sqlLike } from "./comparators.ts";
