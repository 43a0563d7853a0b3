/**
 * LoggedModel → MLflow's JSON (`LoggedModel.to_proto()` then `message_to_json`): snake_case,
 * empty lists omitted, `data` always present.
 *
 * @module
 */
import { metricJson } from "../tracking/wire.ts";
import type { LoggedModel } from "../../store/logged_models/logged_model_item.ts";
import { nonEmpty } from "../json.ts";

const keyValues = (map: Record<string, string>) =>
  nonEmpty(Object.entries(map).map(([key, value]) => ({ key, value })));

/** The `LoggedModel` message. */
export function loggedModelJson(m: LoggedModel) {
  return {
    info: {
      model_id: m.modelId,
      experiment_id: m.experimentId,
      name: m.name,
      creation_timestamp_ms: m.creationTimestamp,
      last_updated_timestamp_ms: m.lastUpdatedTimestamp,
      artifact_uri: m.artifactLocation,
      status: m.status,
      model_type: m.modelType,
      source_run_id: m.sourceRunId,
      tags: keyValues(m.tags),
    },
    data: {
      params: keyValues(m.params),
      metrics: nonEmpty(m.metrics.map(metricJson)),
    },
  };
}
