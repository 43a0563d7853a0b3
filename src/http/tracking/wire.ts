/**
 * Store entities → MLflow's JSON shapes (snake_case, unset fields omitted, empty lists omitted).
 *
 * @module
 */
import type { Experiment, Metric, Run, RunInfo } from "../../store/entities.ts";
import { nonEmpty } from "../json.ts";

const tagList = (tags: Record<string, string>) =>
  nonEmpty(Object.entries(tags).map(([key, value]) => ({ key, value })));

export function experimentJson(e: Experiment) {
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
    tags: tagList(e.tags),
  };
}

export function runInfoJson(i: RunInfo) {
  return {
    run_uuid: i.runId,
    run_id: i.runId,
    run_name: i.runName,
    experiment_id: i.experimentId,
    user_id: i.userId,
    status: i.status,
    start_time: i.startTime,
    end_time: i.endTime,
    artifact_uri: i.artifactUri,
    lifecycle_stage: i.lifecycleStage,
  };
}

export function metricJson(m: Metric) {
  return {
    key: m.key,
    value: m.value,
    timestamp: m.timestamp,
    step: m.step,
    dataset_name: m.datasetName,
    dataset_digest: m.datasetDigest,
    model_id: m.modelId,
    run_id: m.runId,
  };
}

export function runJson(r: Run, { includeModelInputs = true } = {}) {
  const datasetInputs = nonEmpty(r.datasetInputs.map((d) => ({
    tags: nonEmpty(d.tags.map((t) => ({ key: t.key, value: t.value }))),
    dataset: {
      name: d.dataset.name,
      digest: d.dataset.digest,
      source_type: d.dataset.sourceType,
      source: d.dataset.source,
      schema: d.dataset.schema,
      profile: d.dataset.profile,
    },
  })));
  const modelInputs = includeModelInputs
    ? nonEmpty(r.modelInputs.map((m) => ({ model_id: m.modelId })))
    : undefined;
  const modelOutputs = nonEmpty(r.modelOutputs.map((m) => ({ model_id: m.modelId, step: m.step })));
  return {
    info: runInfoJson(r.info),
    data: {
      metrics: nonEmpty(
        r.metrics.map(({ key, value, timestamp, step }) => ({ key, value, timestamp, step })),
      ),
      params: tagList(r.params),
      tags: tagList(r.tags),
    },
    inputs: datasetInputs || modelInputs
      ? { dataset_inputs: datasetInputs, model_inputs: modelInputs }
      : {},
    outputs: modelOutputs ? { model_outputs: modelOutputs } : {},
  };
}
