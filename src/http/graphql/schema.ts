/**
 * The GraphQL schema `mlflow server` exposes at `/graphql` for its web UI, written here as SDL:
 * the same type, field, input and enum names (camelCase of the proto names), `LongString` for
 * int64 fields (sent as strings so JavaScript does not round them), an `apiError` field on every
 * response type, and the `@component` directive the UI's operations carry.
 *
 * @module
 */
import {
  buildSchema,
  type GraphQLScalarType,
  type GraphQLSchema,
  Kind,
  type ValueNode,
} from "graphql";

const SDL = /* GraphQL */ `
directive @component(name: String!) on QUERY | MUTATION

"int64 as a string, so JavaScript clients keep every digit"
scalar LongString

enum MlflowRunStatus { RUNNING SCHEDULED FINISHED FAILED KILLED }
enum MlflowViewType { ACTIVE_ONLY DELETED_ONLY ALL }
enum MlflowModelVersionStatus { PENDING_REGISTRATION FAILED_REGISTRATION READY }

type ErrorDetail { field: String message: String }
type ApiError {
  code: String
  message: String
  helpUrl: String
  traceId: String
  errorDetails: [ErrorDetail]
}

type MlflowExperimentTag { key: String value: String }
type MlflowExperiment {
  experimentId: String
  name: String
  artifactLocation: String
  lifecycleStage: String
  lastUpdateTime: LongString
  creationTime: LongString
  tags: [MlflowExperimentTag!]
  effectiveTraceArchivalRetention: String
  workspace: String
}
type MlflowGetExperimentResponse { experiment: MlflowExperiment apiError: ApiError }

type MlflowRunInfo {
  runId: String
  runUuid: String
  runName: String
  experimentId: String
  userId: String
  status: MlflowRunStatus
  startTime: LongString
  endTime: LongString
  artifactUri: String
  lifecycleStage: String
}
type MlflowMetric {
  key: String
  value: Float
  timestamp: LongString
  step: LongString
  datasetName: String
  datasetDigest: String
  modelId: String
  runId: String
}
type MlflowParam { key: String value: String }
type MlflowRunTag { key: String value: String }
type MlflowRunData {
  metrics: [MlflowMetric!]
  params: [MlflowParam!]
  tags: [MlflowRunTag!]
}
type MlflowDataset {
  name: String
  digest: String
  sourceType: String
  source: String
  schema: String
  profile: String
}
type MlflowInputTag { key: String value: String }
type MlflowDatasetInput { tags: [MlflowInputTag!] dataset: MlflowDataset }
type MlflowModelInput { modelId: String }
type MlflowRunInputs { datasetInputs: [MlflowDatasetInput!] modelInputs: [MlflowModelInput!] }
type MlflowModelOutput { modelId: String step: LongString }
type MlflowRunOutputs { modelOutputs: [MlflowModelOutput!] }

type MlflowModelVersionTag { key: String value: String }
type MlflowModelParam { name: String value: String }
type MlflowModelMetric {
  key: String
  value: Float
  timestamp: LongString
  step: LongString
  datasetName: String
  datasetDigest: String
  modelId: String
  runId: String
}
type MlflowModelVersion {
  name: String
  version: String
  creationTimestamp: LongString
  lastUpdatedTimestamp: LongString
  userId: String
  currentStage: String
  description: String
  source: String
  runId: String
  status: MlflowModelVersionStatus
  statusMessage: String
  tags: [MlflowModelVersionTag!]
  runLink: String
  aliases: [String]
  modelId: String
  modelParams: [MlflowModelParam!]
  modelMetrics: [MlflowModelMetric!]
}

type MlflowRun {
  info: MlflowRunInfo
  data: MlflowRunData
  inputs: MlflowRunInputs
  outputs: MlflowRunOutputs
  experiment: MlflowExperiment
  modelVersions: [MlflowModelVersion!]
}
type MlflowGetRunResponse { run: MlflowRun apiError: ApiError }
type MlflowSearchRunsResponse { runs: [MlflowRun!] nextPageToken: String apiError: ApiError }

type MlflowMetricWithRunId {
  key: String
  value: Float
  timestamp: LongString
  step: LongString
  runId: String
}
type MlflowGetMetricHistoryBulkIntervalResponse {
  metrics: [MlflowMetricWithRunId!]
  apiError: ApiError
}
type MlflowSearchModelVersionsResponse {
  modelVersions: [MlflowModelVersion!]
  nextPageToken: String
  apiError: ApiError
}

input MlflowGetExperimentInput { experimentId: String }
input MlflowGetRunInput { runId: String runUuid: String }
input MlflowSearchRunsInput {
  experimentIds: [String]
  filter: String
  runViewType: MlflowViewType
  maxResults: Int
  orderBy: [String]
  pageToken: String
}
input MlflowGetMetricHistoryBulkIntervalInput {
  runIds: [String]
  metricKey: String
  startStep: Int
  endStep: Int
  maxResults: Int
}
input MlflowSearchModelVersionsInput {
  filter: String
  maxResults: LongString
  orderBy: [String]
  pageToken: String
}

type MlflowFileInfo { path: String isDir: Boolean fileSize: LongString }
type MlflowListArtifactsResponse {
  rootUri: String
  files: [MlflowFileInfo!]
  nextPageToken: String
  apiError: ApiError
}
input MlflowListArtifactsInput { runId: String runUuid: String path: String pageToken: String }

type MlflowDatasetSummary { experimentId: String name: String digest: String context: String }
type MlflowSearchDatasetsResponse { datasetSummaries: [MlflowDatasetSummary!] apiError: ApiError }
input MlflowSearchDatasetsInput { experimentIds: [String] }

type Test { output: String }

type Query {
  mlflowGetExperiment(input: MlflowGetExperimentInput): MlflowGetExperimentResponse
  mlflowGetRun(input: MlflowGetRunInput): MlflowGetRunResponse
  mlflowSearchRuns(input: MlflowSearchRunsInput): MlflowSearchRunsResponse
  mlflowGetMetricHistoryBulkInterval(
    input: MlflowGetMetricHistoryBulkIntervalInput
  ): MlflowGetMetricHistoryBulkIntervalResponse
  mlflowSearchModelVersions(input: MlflowSearchModelVersionsInput): MlflowSearchModelVersionsResponse
  mlflowListArtifacts(input: MlflowListArtifactsInput): MlflowListArtifactsResponse
  test(inputString: String): Test
}

type Mutation {
  mlflowSearchDatasets(input: MlflowSearchDatasetsInput): MlflowSearchDatasetsResponse
  mlflowSearchRuns(input: MlflowSearchRunsInput): MlflowSearchRunsResponse
  testMutation(inputString: String): Test
}
`;

/** int64 values: out as strings, in from strings, numbers or integer literals. */
function longOut(v: unknown): string {
  return String(v);
}

function longIn(v: unknown): number {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n)) {
    throw new TypeError(`LongString cannot represent ${String(v)}`);
  }
  return n;
}

function longLiteral(node: ValueNode): number | null {
  return node.kind === Kind.INT || node.kind === Kind.STRING ? longIn(node.value) : null;
}

/** Builds the executable schema (`LongString` coercion attached; resolvers in `resolvers.ts`). */
export function mlflowSchema(): GraphQLSchema {
  const schema = buildSchema(SDL);
  const scalar = schema.getType("LongString") as GraphQLScalarType;
  // buildSchema leaves custom scalars with identity coercion; give LongString its own.
  Object.assign(scalar, {
    serialize: longOut,
    coerceOutputValue: longOut,
    parseValue: longIn,
    coerceInputValue: longIn,
    parseLiteral: longLiteral,
    coerceInputLiteral: longLiteral,
  });
  return schema;
}
