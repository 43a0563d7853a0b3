/**
 * The one error class of the server: an MLflow error code plus a message.
 *
 * It lives below every layer (store, search, artifacts, http) so that any of them may throw it;
 * only the HTTP layer maps codes to status codes (`src/http/on_error.ts`). Anything thrown
 * inside a request that is not an {@link MlflowError} becomes a 500 `INTERNAL_ERROR`.
 *
 * @module
 */

/** MLflow's error codes (`mlflow/protos/databricks.proto`, `mlflow/exceptions.py`). */
export const ERROR_CODES = [
  "INVALID_PARAMETER_VALUE",
  "BAD_REQUEST",
  "RESOURCE_ALREADY_EXISTS",
  "UNAUTHENTICATED",
  "CUSTOMER_UNAUTHORIZED",
  "PERMISSION_DENIED",
  "RESOURCE_DOES_NOT_EXIST",
  "NOT_FOUND",
  "ENDPOINT_NOT_FOUND",
  "ALREADY_EXISTS",
  "RESOURCE_CONFLICT",
  "ABORTED",
  "REQUEST_LIMIT_EXCEEDED",
  "RESOURCE_EXHAUSTED",
  "CANCELLED",
  "INTERNAL_ERROR",
  "INVALID_STATE",
  "DATA_LOSS",
  "NOT_IMPLEMENTED",
  "TEMPORARILY_UNAVAILABLE",
  "DEADLINE_EXCEEDED",
  "FEATURE_DISABLED",
] as const;

/** An MLflow error code. */
export type ErrorCode = typeof ERROR_CODES[number];

/** An error the client sees as `{"error_code": code, "message": message}`. */
export class MlflowError extends Error {
  override name = "MlflowError";
  constructor(readonly code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
  }

  /** The JSON body MLflow sends. */
  toJSON(): { error_code: ErrorCode; message: string } {
    return { error_code: this.code, message: this.message };
  }
}

/** Shorthand for the most common error, a 400 `INVALID_PARAMETER_VALUE`. */
export function invalidParameter(message: string): MlflowError {
  return new MlflowError("INVALID_PARAMETER_VALUE", message);
}

/** Shorthand for a 404 `RESOURCE_DOES_NOT_EXIST`. */
export function notFound(message: string): MlflowError {
  return new MlflowError("RESOURCE_DOES_NOT_EXIST", message);
}

/** Shorthand for a 400 `RESOURCE_ALREADY_EXISTS`. */
export function alreadyExists(message: string): MlflowError {
  return new MlflowError("RESOURCE_ALREADY_EXISTS", message);
}

const API_DOCS = "See the API docs for more information about request parameters.";

/** MLflow's message for a required field that is absent. */
export function missingParameter(name: string): string {
  return `Missing value for required parameter '${name}'. ${API_DOCS}`;
}
