/**
 * Plain record shapes the search evaluators and comparators read. Stores map their items
 * to these; nothing here knows about DynamoDB.
 *
 * @module
 */

/** One dataset input of a run. */
export interface RunDatasetRecord {
  readonly name: string;
  readonly digest: string;
  /** The input tag `mlflow.data.context` (e.g. "train"), if any. */
  readonly context?: string;
}

/** A run, with its latest metric values. */
export interface RunRecord {
  readonly runId: string;
  readonly runName: string;
  readonly userId: string;
  readonly status: string;
  readonly startTime: number;
  readonly endTime?: number;
  readonly artifactUri: string;
  readonly lifecycleStage: string;
  /** Latest value per metric key (NaN and ±Infinity allowed). */
  readonly metrics: Readonly<Record<string, number>>;
  readonly params: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly datasets: readonly RunDatasetRecord[];
}

/** An experiment. */
export interface ExperimentRecord {
  /** Sequential integer ids serialized as strings ("0", "1", ...). */
  readonly experimentId: string;
  readonly name: string;
  readonly creationTime: number;
  readonly lastUpdateTime: number;
  readonly tags: Readonly<Record<string, string>>;
}

/** A registered model. */
export interface RegisteredModelRecord {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly creationTimestamp: number;
  readonly lastUpdatedTimestamp: number;
}

/** A model version (deleted versions should be dropped before searching). */
export interface ModelVersionRecord {
  readonly name: string;
  readonly version: number;
  readonly runId?: string;
  readonly source: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly creationTimestamp: number;
  readonly lastUpdatedTimestamp: number;
}

/** One logged value of a logged model's metric. */
export interface LoggedModelMetricRecord {
  readonly key: string;
  readonly value: number;
  readonly timestamp: number;
  readonly step: number;
  readonly datasetName?: string;
  readonly datasetDigest?: string;
}

/** A logged model (MLflow 3). */
export interface LoggedModelRecord {
  readonly modelId: string;
  readonly experimentId?: string;
  readonly name: string;
  readonly modelType?: string;
  /** `LOGGED_MODEL_PENDING`, `LOGGED_MODEL_READY` or `LOGGED_MODEL_UPLOAD_FAILED`. */
  readonly status: string;
  readonly sourceRunId?: string;
  readonly creationTimestamp: number;
  readonly lastUpdatedTimestamp: number;
  /** Every logged metric value (filters match any value; ordering uses the latest). */
  readonly metrics: readonly LoggedModelMetricRecord[];
  readonly params: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
}
