/**
 * The MLflow version this server reports on `GET /version`: the version of the stock client the
 * compatibility tier pins (`tests/compat/requirements.txt`), whose behaviour the server copies.
 *
 * The client parses it with `packaging.Version`. From 3.4 on it streams spans to
 * `POST /v1/traces` (OTLP), which this server ingests (`src/http/traces/otlp.ts`).
 *
 * @module
 */
export const MLFLOW_COMPAT_VERSION = "3.17.2";

/** This server's own version. */
export const SERVER_VERSION = "0.1.0";
