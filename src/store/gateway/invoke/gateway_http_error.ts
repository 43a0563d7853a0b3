/**
 * The error of the AI Gateway invocation routes. MLflow serves them from FastAPI, where a failure
 * is an `HTTPException` answered as `{"detail": ...}` with its status, not the
 * `{"error_code", "message"}` body of the REST API; an `MlflowException` raised on the way (an
 * unknown endpoint) becomes a `detail` holding its code and message. Store-level, so that other
 * callers of the invocation functions (GenAI issues) see the same status and detail.
 *
 * @module
 */
import { MlflowError } from "../../../errors.ts";

/** MLflow's HTTP status of an error code (`MlflowException.get_http_status_code`). */
const STATUS: Partial<Record<string, number>> = {
  RESOURCE_DOES_NOT_EXIST: 404,
  NOT_FOUND: 404,
  ENDPOINT_NOT_FOUND: 404,
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  REQUEST_LIMIT_EXCEEDED: 429,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
};

/** An `HTTPException` (or MLflow's `AIGatewayException`): a status and a detail. */
export class GatewayHttpError extends Error {
  override name = "GatewayHttpError";
  /**
   * `kind`: MLflow's exception class, which decides how the error reads inside a stream or a
   * fallback message (`HTTPException` prefixes its status, `AIGatewayException` does not).
   */
  constructor(
    readonly status: number,
    readonly detail: unknown,
    readonly kind: "HTTPException" | "AIGatewayException" = "HTTPException",
  ) {
    super(typeof detail === "string" ? detail : JSON.stringify(detail));
  }

  /** Python's `str()` of the exception (Starlette's `"<status>: <detail>"`). */
  describe(): string {
    const d = typeof this.detail === "string" ? this.detail : pythonRepr(this.detail);
    return this.kind === "HTTPException" ? `${this.status}: ${d}` : d;
  }

  /** The JSON body FastAPI answers. */
  toJSON(): { detail: unknown } {
    return { detail: this.detail };
  }
}

/** `translate_http_exception`: an MLflow error as the gateway routes answer it. */
export function asGatewayError(e: unknown): GatewayHttpError | undefined {
  if (e instanceof GatewayHttpError) return e;
  if (e instanceof MlflowError) {
    return new GatewayHttpError(STATUS[e.code] ?? 500, {
      error_code: e.code,
      message: e.message,
    });
  }
  return undefined;
}

/** A value as Python's `str()` of a dict or list prints it (for error texts built from JSON). */
export function pythonRepr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "string") {
    const escaped = v.replaceAll("\\", "\\\\");
    if (v.includes("'") && !v.includes('"')) return `"${escaped}"`;
    return `'${escaped.replaceAll("'", "\\'")}'`;
  }
  if (typeof v === "number") return String(v);
  if (Array.isArray(v)) return `[${v.map(pythonRepr).join(", ")}]`;
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>);
    return `{${entries.map(([k, x]) => `${pythonRepr(k)}: ${pythonRepr(x)}`).join(", ")}}`;
  }
  return String(v);
}
