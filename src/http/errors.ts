/**
 * The one error class of the server: an MLflow error code plus a message.
 *
 * Anything thrown inside a request that is not an {@link MlflowError} becomes a 500
 * `INTERNAL_ERROR` in `on_error.ts`.
 *
 * @module
 */

/** MLflow's error codes and the HTTP status the reference server answers with (`mlflow/exceptions.py`). */
export const ERROR_CODE_TO_HTTP_STATUS = {
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
} as const;

/** An MLflow error code. */
export type ErrorCode = keyof typeof ERROR_CODE_TO_HTTP_STATUS;

/** An error the client sees as `{"error_code": code, "message": message}`. */
export class MlflowError extends Error {
  override name = "MlflowError";
  constructor(readonly code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
  }

  /** The HTTP status MLflow answers this code with. */
  get status(): number {
    return ERROR_CODE_TO_HTTP_STATUS[this.code];
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
