/**
 * The HTTP status MLflow answers each error code with (`mlflow/exceptions.py`).
 *
 * @module
 */
import type { ErrorCode } from "../errors.ts";

/** MLflow's error codes and the HTTP status the reference server answers with. */
export const ERROR_CODE_TO_HTTP_STATUS: Record<ErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  UNAUTHENTICATED: 401,
  CUSTOMER_UNAUTHORIZED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_DOES_NOT_EXIST: 404,
  NOT_FOUND: 404,
  ENDPOINT_NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  RESOURCE_CONFLICT: 409,
  ABORTED: 409,
  REQUEST_LIMIT_EXCEEDED: 429,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL_ERROR: 500,
  INVALID_STATE: 500,
  DATA_LOSS: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  // Not in MLflow's table: `get_http_status_code` answers 500 for it.
  FEATURE_DISABLED: 500,
};

/** The HTTP status of an MLflow error code. */
export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODE_TO_HTTP_STATUS[code];
}
