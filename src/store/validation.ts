/**
 * MLflow's validation rules for names and values (`mlflow/utils/validation.py`).
 *
 * @module
 */
import { invalidParameter } from "../errors.ts";

export const MAX_ENTITY_KEY_LENGTH = 250;
export const MAX_PARAM_VAL_LENGTH = 6000;
export const MAX_TAG_VAL_LENGTH = 8000;
/** MLflow 3.17's `MAX_EXPERIMENT_TAG_VAL_LENGTH` (it was 5000 before). */
export const MAX_EXPERIMENT_TAG_VAL_LENGTH = 20000;
export const MAX_EXPERIMENT_NAME_LENGTH = 500;
export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_PARAMS_TAGS_PER_BATCH = 100;
export const MAX_ENTITIES_PER_BATCH = 1000;

const KEY_CHARS = /^[/\w.\- :]*$/;

function normpath(p: string): string {
  const abs = p.startsWith("/");
  const parts: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
    else if (seg === ".." && abs) continue;
    else parts.push(seg);
  }
  const out = (abs ? "/" : "") + parts.join("/");
  return out === "" ? "." : out;
}

/** Validates a metric, param or tag key (`entity` is "metric", "param" or "tag"). */
export function validateKey(key: string, entity: "metric" | "param" | "tag"): void {
  if (!KEY_CHARS.test(key)) {
    throw invalidParameter(
      `Invalid ${entity} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
  }
  if (normpath(key) !== key || key === "." || key.startsWith("..") || key.startsWith("/")) {
    throw invalidParameter(
      `Invalid ${entity} name: '${key}'. Names cannot resolve to the current directory ('.') or parent directory ('..').`,
    );
  }
  if (key.length > MAX_ENTITY_KEY_LENGTH) {
    throw invalidParameter(
      `'${
        entity === "metric" ? "key" : "key"
      }' exceeds the maximum length of ${MAX_ENTITY_KEY_LENGTH} characters`,
    );
  }
}

/** MLflow truncates over-long param and run-tag values by default (`MLFLOW_TRUNCATE_LONG_VALUES`). */
export function truncate(value: string, max: number): string {
  return value.length > max ? value.slice(0, max) : value;
}

/**
 * Refuses a string that is not well-formed Unicode (a lone UTF-16 surrogate, which JSON's `\ud800`
 * escape can carry). Call it on every user-given string that becomes a key or an attribute name:
 * DynamoDB Local accepts such a name through an update path and then fails every read of the
 * item, and the embedded engine refuses it, so it must be a 400 before anything is written.
 *
 * @param value the string to check
 * @param parameter the request parameter it came from, for the message
 */
export function assertWellFormed(value: string, parameter: string): string {
  if (!value.isWellFormed()) {
    throw invalidParameter(
      `Invalid value for parameter '${parameter}' supplied: it is not valid Unicode (it contains a lone UTF-16 surrogate).`,
    );
  }
  return value;
}

/** `len()` in Python: code points, not UTF-16 units (MLflow's length limits count these). */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Validates an experiment name. */
export function validateExperimentName(name: unknown): string {
  if (typeof name !== "string" || name === "") {
    throw invalidParameter(
      `Invalid experiment name: '${name ?? ""}'. Experiment name must be a non-empty string.`,
    );
  }
  assertWellFormed(name, "name");
  if (codePointLength(name) > MAX_EXPERIMENT_NAME_LENGTH) {
    throw invalidParameter(
      `Invalid value "${name}" for parameter 'name' supplied: experiment name exceeds the maximum length of ${MAX_EXPERIMENT_NAME_LENGTH} characters`,
    );
  }
  return name;
}

/** Experiment ids are integers here, as in MLflow's SQL store. */
export function validateExperimentId(id: string): string {
  if (!/^\d{1,19}$/.test(id)) {
    throw invalidParameter(`Invalid experiment ID '${id}'. Experiment ID must be a valid integer.`);
  }
  return String(BigInt(id));
}

/** Run ids: `^[a-zA-Z0-9][\w\-]{0,255}$`. */
export function validateRunId(id: string): string {
  if (!/^[a-zA-Z0-9][\w-]{0,255}$/.test(id)) {
    throw invalidParameter(`Invalid run ID: '${id}'`);
  }
  return id;
}
