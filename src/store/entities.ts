/**
 * The tracking entities as the store returns them (camelCase); `src/http/tracking/wire.ts`
 * turns them into MLflow's snake_case JSON.
 *
 * @module
 */

export type LifecycleStage = "active" | "deleted";
export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";
export type ViewType = "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL";

export interface Tag {
  key: string;
  value: string;
}

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number;
  lastUpdateTime: number;
  tags: Record<string, string>;
  /** When the experiment was last restored: runs deleted before then count as active again. */
  restoredAt?: number;
  /** Its workspace (`--enable-workspaces`); absent: `default`. */
  workspace?: string;
}

export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  modelId?: string;
  datasetName?: string;
  datasetDigest?: string;
  runId?: string;
}

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime?: number;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
}

export interface Dataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string;
  profile?: string;
}

export interface DatasetInput {
  dataset: Dataset;
  tags: Tag[];
}

export interface ModelInput {
  modelId: string;
}

export interface ModelOutput {
  modelId: string;
  step: number;
}

export interface Run {
  info: RunInfo;
  metrics: Metric[];
  params: Record<string, string>;
  tags: Record<string, string>;
  datasetInputs: DatasetInput[];
  modelInputs: ModelInput[];
  modelOutputs: ModelOutput[];
}
