/**
 * The MLflow version this server reports on `GET /version`.
 *
 * The client parses it with `packaging.Version`. Versions ≥ 3.4 make the client stream spans to
 * `POST /v1/traces` (OTLP); we report 3.3.2 so that traces take the simpler path (trace info
 * through the REST API, spans as a `traces.json` artifact), which this server implements.
 *
 * @module
 */
export const MLFLOW_COMPAT_VERSION = "3.17.2";

/** This server's own version. */
export const SERVER_VERSION = "0.1.0";
