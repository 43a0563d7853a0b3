/**
 * Python's `urllib.parse.urlsplit` (enough of it for model-version sources) and MLflow's
 * `models:/` URI parser (`mlflow/store/artifact/utils/models.py::_parse_model_uri`).
 *
 * @module
 */
import { MlflowError } from "../../errors.ts";

/** The parts `urlsplit` returns. */
export interface SplitUri {
  scheme: string;
  netloc: string;
  path: string;
  query: string;
  fragment: string;
}

const SCHEME_CHARS = /^[A-Za-z][A-Za-z0-9+\-.]*$/;

/** `urllib.parse.urlsplit(url, allow_fragments=...)`. */
export function urlSplit(url: string, allowFragments = true): SplitUri {
  // Python strips leading C0 controls and spaces, and drops tabs and newlines anywhere.
  let rest = url;
  while (rest.length > 0 && rest.charCodeAt(0) <= 0x20) rest = rest.slice(1);
  rest = rest.replace(/[\t\r\n]/g, "");
  let scheme = "";
  const colon = rest.indexOf(":");
  if (colon > 0 && SCHEME_CHARS.test(rest.slice(0, colon))) {
    scheme = rest.slice(0, colon).toLowerCase();
    rest = rest.slice(colon + 1);
  }
  let netloc = "";
  if (rest.startsWith("//")) {
    const end = rest.slice(2).search(/[/?#]/);
    netloc = end < 0 ? rest.slice(2) : rest.slice(2, end + 2);
    rest = end < 0 ? "" : rest.slice(end + 2);
  }
  let fragment = "";
  if (allowFragments) {
    const hash = rest.indexOf("#");
    if (hash >= 0) {
      fragment = rest.slice(hash + 1);
      rest = rest.slice(0, hash);
    }
  }
  let query = "";
  const q = rest.indexOf("?");
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  return { scheme, netloc, path: rest, query, fragment };
}

/** `urlparse(...).hostname`: lower-cased host of the netloc, without user info and port. */
export function hostnameOf(netloc: string): string | undefined {
  const host = netloc.slice(netloc.lastIndexOf("@") + 1);
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end > 0 ? host.slice(1, end).toLowerCase() : undefined;
  }
  const h = host.split(":")[0]!;
  return h === "" ? undefined : h.toLowerCase();
}

/** A parsed `models:/` URI: exactly one of the shapes MLflow allows. */
export interface ParsedModelUri {
  modelId?: string;
  name?: string;
  version?: string;
  stage?: string;
  alias?: string;
}

function improperModelUri(uri: string): MlflowError {
  return new MlflowError(
    "INTERNAL_ERROR",
    `Not a proper models:/ URI: ${uri}. Models URIs must be of the form 'models:/name/suffix' ` +
      "or 'models:/name@alias' where suffix is a version, stage, or the string 'latest' and where " +
      "alias is a registered model alias. Only one of suffix or alias can be defined at a time.",
  );
}

/** `_parse_model_uri(uri)` for the `models` scheme (errors are MLflow's, a 500). */
export function parseModelUri(uri: string): ParsedModelUri {
  const parsed = urlSplit(uri, false);
  if (parsed.scheme !== "models") throw improperModelUri(uri);
  const path = parsed.path;
  if (!path.startsWith("/") || path.length <= 1) throw improperModelUri(uri);
  const parts = path.replace(/^\/+/, "").split("/");
  if (parts.length > 2 || parts[0]!.trim() === "") throw improperModelUri(uri);
  if (parts.length === 2) {
    const [name, suffix] = parts as [string, string];
    if (suffix.trim() === "") throw improperModelUri(uri);
    if (/^\d+$/.test(suffix)) return { name, version: suffix };
    if (suffix.toLowerCase() === "latest") return { name };
    return { name, stage: suffix };
  }
  if (path.includes("@")) {
    const at = parts[0]!.lastIndexOf("@");
    const alias = parts[0]!.slice(at + 1);
    if (at < 0 || alias.trim() === "") throw improperModelUri(uri);
    return { name: parts[0]!.slice(0, at), alias };
  }
  return { modelId: parts[0]! };
}
