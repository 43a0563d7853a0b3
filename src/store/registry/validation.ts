/**
 * The registry's validation rules and messages (`mlflow/utils/validation.py`,
 * `model_version_stages.py`), so that errors read exactly as the reference server's.
 *
 * @module
 */
import { invalidParameter, MlflowError } from "../../errors.ts";
import { pythonJsonDumps } from "../../util/python_json.ts";
import { reprStr } from "../../search/py_repr.ts";
import { assertWellFormed } from "../validation.ts";
import { ACTIVE_STAGES, ALL_STAGES, PROMPT_TEXT_TAG_KEY } from "./types.ts";

export const MAX_REGISTRY_TAG_KEY_LENGTH = 250;
export const MAX_REGISTRY_TAG_VALUE_LENGTH = 100_000;
export const MAX_ALIAS_LENGTH = 255;

/** `len()` in Python counts code points, not UTF-16 units. */
export function pyLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** `missing_value(path)`. */
export const missingValue = (path: string) => `Missing value for required parameter '${path}'.`;

/** `invalid_value(path, value, message)`: the value is `json.dumps`'d. */
function invalidValue(path: string, value: string, message: string): string {
  return `Invalid value ${pythonJsonDumps(value)} for parameter '${path}' supplied: ${message}`;
}

/** `exceeds_maximum_length(path, limit)`. */
function tooLong(path: string, limit: number): string {
  return `'${path}' exceeds the maximum length of ${limit} characters`;
}

function posixNormpath(p: string): string {
  if (p === "") return ".";
  const initialSlashes = p.startsWith("//") && !p.startsWith("///") ? 2 : p.startsWith("/") ? 1 : 0;
  const parts: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg !== ".." || (initialSlashes === 0 && parts.length === 0) || parts.at(-1) === "..") {
      parts.push(seg);
    } else if (parts.length > 0) parts.pop();
  }
  const out = "/".repeat(initialSlashes) + parts.join("/");
  return out === "" ? "." : out;
}

/** `path_not_unique(name)`. */
function pathNotUnique(name: string): boolean {
  const norm = posixNormpath(name);
  return norm !== name || norm === "." || norm.startsWith("..") || norm.startsWith("/");
}

/** `_validate_model_name`. */
export function validateModelName(name: string | undefined | null, path = "name"): string {
  if (name === undefined || name === null || name.trim() === "") {
    throw invalidParameter(missingValue(path));
  }
  // No length limit (as in MLflow): a name too long for a key is hashed there (key_schema.ts).
  assertWellFormed(name, path);
  if (name.includes("/") || name.includes(":")) {
    throw invalidParameter(`Invalid model name '${name}'. Names cannot contain '/' or ':'.`);
  }
  if (pathNotUnique(name)) {
    throw invalidParameter(
      invalidValue(
        "name",
        name,
        "Names may be treated as files in certain cases, and must not resolve to other names when treated as such. " +
          `This name would resolve to ${reprStr(posixNormpath(name))}`,
      ),
    );
  }
  return name;
}

/** `_validate_model_renaming`. */
export function validateNewModelName(newName: string | undefined | null): string {
  if (newName === undefined || newName === null || newName.trim() === "") {
    throw invalidParameter(missingValue("new_name"));
  }
  return validateModelName(newName);
}

/** `_validate_model_version`: Python's `int()` of the version; the number is returned. */
export function validateVersion(version: string | number | undefined | null): number {
  const s = String(version ?? "None");
  if (!/^\s*[+-]?\d+(_\d+)*\s*$/.test(s)) {
    throw invalidParameter(`Parameter 'version' must be an integer, got '${s}'.`);
  }
  return Number(s.trim().replaceAll("_", ""));
}

const TAG_KEY_CHARS = /^[/\p{L}\p{N}_.\- :]*$/u;

/** `_validate_tag_name` (same character rules as params and metrics). */
export function validateTagName(key: string | undefined | null, path = "key"): string {
  if (key === undefined || key === null) throw invalidParameter(missingValue(path));
  if (!TAG_KEY_CHARS.test(key)) {
    throw invalidParameter(
      invalidValue(
        path,
        key,
        "Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).",
      ),
    );
  }
  if (pathNotUnique(key)) {
    throw invalidParameter(
      invalidValue(
        path,
        key,
        "Names may be treated as files in certain cases, and must not resolve to other names when treated as such. " +
          `This name would resolve to ${reprStr(posixNormpath(key))}`,
      ),
    );
  }
  return key;
}

/** `_validate_registered_model_tag`. */
export function validateRegisteredModelTag(
  key: string | undefined,
  value: string | undefined,
): void {
  validateTagName(key);
  if (pyLen(key!) > MAX_REGISTRY_TAG_KEY_LENGTH) {
    throw invalidParameter(tooLong("key", MAX_REGISTRY_TAG_KEY_LENGTH));
  }
  if (value !== undefined && pyLen(value) > MAX_REGISTRY_TAG_VALUE_LENGTH) {
    throw invalidParameter(tooLong("value", MAX_REGISTRY_TAG_VALUE_LENGTH));
  }
}

/** `_validate_model_version_tag`. */
export function validateModelVersionTag(
  key: string | undefined,
  value: string | undefined | null,
): void {
  validateTagName(key);
  if (value === undefined || value === null) throw invalidParameter("Tag value cannot be None");
  if (pyLen(key!) > MAX_REGISTRY_TAG_KEY_LENGTH) {
    throw invalidParameter(tooLong("key", MAX_REGISTRY_TAG_KEY_LENGTH));
  }
  const length = pyLen(value);
  if (key === PROMPT_TEXT_TAG_KEY && length > MAX_REGISTRY_TAG_VALUE_LENGTH) {
    throw invalidParameter(
      `Prompt text exceeds max length of ${MAX_REGISTRY_TAG_VALUE_LENGTH} characters.`,
    );
  }
  if (length > MAX_REGISTRY_TAG_VALUE_LENGTH) {
    throw invalidParameter(tooLong("value", MAX_REGISTRY_TAG_VALUE_LENGTH));
  }
}

const ALIAS_CHARS = /^[\p{L}\p{N}_-]*$/u;

/** `_validate_model_alias_name`. */
export function validateAliasName(alias: string | undefined | null): string {
  if (alias === undefined || alias === null || alias === "") {
    throw invalidParameter("Registered model alias name cannot be empty.");
  }
  if (!ALIAS_CHARS.test(alias)) {
    throw invalidParameter(
      `Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`,
    );
  }
  if (pyLen(alias) > MAX_ALIAS_LENGTH) {
    throw invalidParameter(tooLong("Registered model alias name", MAX_ALIAS_LENGTH));
  }
  return alias;
}

/** `_validate_model_alias_name_reserved`: `latest` and `v<digits>` belong to the URI syntax. */
export function validateAliasNotReserved(alias: string): void {
  if (alias.toLowerCase() === "latest") {
    throw invalidParameter("'latest' alias name (case insensitive) is reserved.");
  }
  if (/^[vV]\d+$/.test(alias)) {
    throw invalidParameter(`Version alias name '${alias}' is reserved.`);
  }
}

/** `get_canonical_stage`: stages are case-insensitive on input. */
export function canonicalStage(stage: string): string {
  const found = ALL_STAGES.find((s) => s.toLowerCase() === stage.toLowerCase());
  if (!found) {
    throw invalidParameter(
      `Invalid Model Version stage: ${stage}. Value must be one of ${ALL_STAGES.join(", ")}.`,
    );
  }
  return found;
}

/**
 * Only Staging and Production may archive the versions already in the stage. MLflow raises this
 * without an error code, so it is a 500 `INTERNAL_ERROR` there too.
 */
export function validateArchiveExisting(stage: string, archiveExisting: boolean): void {
  if (!archiveExisting) return;
  if (!(ACTIVE_STAGES as readonly string[]).includes(canonicalStage(stage))) {
    throw new MlflowError(
      "INTERNAL_ERROR",
      `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. ` +
        `Valid stages are ${reprList(ACTIVE_STAGES)}`,
    );
  }
}

function reprList(items: readonly string[]): string {
  return `[${items.map(reprStr).join(", ")}]`;
}
