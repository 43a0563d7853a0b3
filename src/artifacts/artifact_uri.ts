/**
 * The one parser of artifact locations: an experiment's `artifact_location`, a run's
 * `artifact_uri`, a logged model's `artifact_location` and the roots a model-version `source` is
 * checked against all go through {@link parseArtifactUri}, at write time (experiment create)
 * and again at every read.
 *
 * Why one parser: a location such as `file:///etc/#` once let a run's root, built by appending
 * `/<run>/artifacts`, land in the URI's fragment; `fileURLToPath` then dropped the fragment and the
 * run's root became `/etc`. So:
 *
 * - A location may carry no query and no fragment: a `?` or `#` in it, raw or percent-encoded
 *   (`%23`, `%3F`, `%2523`, … decoded until the text stops changing), is refused. So are control
 *   characters (NUL included), `..` segments in any encoding, and a segment over 255 bytes.
 *   MLflow 3.17.2 refuses a non-empty fragment and a query with `..`; refusing every `?`/`#` is
 *   stricter, and no MLflow client creates such locations.
 * - {@link appendToArtifactUri} inserts path segments before any query or fragment, as MLflow's
 *   `append_to_uri_path` does, so even a stored bad location (written by an older version) cannot
 *   turn a run's root into the location's own directory; and reads re-parse that root and refuse
 *   it anyway.
 *
 * Every refusal is a 400 `INVALID_PARAMETER_VALUE` whose message names the field, never a server
 * path; where MLflow refuses too (a non-empty fragment, a query with `..`), with MLflow's message.
 *
 * @module
 */
import { resolve } from "node:path";
import { invalidParameter, MlflowError } from "../errors.ts";
import { decodeFully, MAX_SEGMENT_BYTES, safeArtifactPath, unquote } from "./safe_path.ts";

/** How the server reaches the files behind a location. */
export type ArtifactUriKind =
  /** A directory of the server's filesystem (plain path or `file:`). */
  | "local"
  /** Inside the `--artifacts-destination` store (`mlflow-artifacts:` or the proxy's http URL). */
  | "proxied"
  /** An S3 bucket. */
  | "s3"
  /** Any other scheme (`gs:`, `wasbs:`, `runs:`, …): accepted where MLflow accepts it, never read here. */
  | "other";

/** A location split into where it lives and the path below that. */
export interface ParsedArtifactUri {
  /** Lower-case scheme; `""` for a plain path (a one-letter scheme is a Windows drive: `""`). */
  scheme: string;
  kind: ArtifactUriKind;
  /**
   * `local`: the absolute directory (resolved against the working directory when relative);
   * `s3`: the bucket; `proxied`: `""` (the destination store's root); `other`: the authority.
   */
  root: string;
  /** `proxied` and `s3`: the validated, normalised path below `root` (`""` is the root itself). */
  path: string;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;
const HTTP_ANCHOR = "/api/2.0/mlflow-artifacts/artifacts/";
const encoder = new TextEncoder();

function refuse(field: string, why: string): MlflowError {
  return invalidParameter(`Invalid '${field}': ${why}.`);
}

/** The full decoding of `uri`, or a refusal when it never settles. */
function decodedForChecks(uri: string, field: string): string {
  try {
    return decodeFully(uri);
  } catch {
    throw refuse(field, "too many levels of percent-encoding");
  }
}

function checkSegments(path: string, field: string): void {
  for (const segment of path.split("/")) {
    if (segment === "..") throw refuse(field, "a location cannot contain '..' segments");
    if (encoder.encode(segment).length > MAX_SEGMENT_BYTES) {
      throw refuse(field, `a path segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
    }
  }
}

/** Splits `//authority/path` into its two parts; anything else has no authority. */
function splitAuthority(rest: string): { authority: string; path: string } {
  if (!rest.startsWith("//")) return { authority: "", path: rest };
  const slash = rest.indexOf("/", 2);
  return slash < 0
    ? { authority: rest.slice(2), path: "" }
    : { authority: rest.slice(2, slash), path: rest.slice(slash) };
}

function proxiedOrRefuse(path: string, field: string): string {
  try {
    return safeArtifactPath(path.replace(/^\/+/, ""));
  } catch {
    throw refuse(field, "the path is not a valid artifact path");
  }
}

/** What MLflow 3.17.2 itself refuses, with its messages: a non-empty fragment, a query with `..`. */
function mlflowRefusals(uri: string, field: string): void {
  const hash = uri.indexOf("#");
  if (hash >= 0 && hash < uri.length - 1) {
    throw invalidParameter(`'${field}' URL can't include fragments or params.`);
  }
  const query = uri.indexOf("?");
  if (query >= 0 && (hash < 0 || query < hash)) {
    const text = uri.slice(query + 1, hash < 0 ? undefined : hash);
    if (decodedForChecks(text, field).includes("..")) {
      throw invalidParameter("Invalid query string");
    }
  }
}

/**
 * Parses and validates an artifact location (see the module docs for the rules).
 *
 * @param field the request field named in refusals (`artifact_location`, `artifact_uri`, …)
 * @throws {MlflowError} 400 `INVALID_PARAMETER_VALUE` for every refused location
 */
export function parseArtifactUri(uri: string, field = "artifact_location"): ParsedArtifactUri {
  if (uri === "") throw refuse(field, "the location is empty");
  const decoded = decodedForChecks(uri, field);
  if (CONTROL.test(uri) || CONTROL.test(decoded)) {
    throw refuse(field, "a location cannot contain control characters");
  }
  mlflowRefusals(uri, field);
  if (/[?#]/.test(decoded)) {
    throw refuse(field, "a location cannot include a query or a fragment ('?' or '#')");
  }
  const m = SCHEME.exec(uri);
  const scheme = m && m[1]!.length > 1 ? m[1]!.toLowerCase() : "";
  const rest = scheme === "" ? uri : uri.slice(m![0].length);
  const { authority, path } = scheme === "" ? { authority: "", path: rest } : splitAuthority(rest);
  checkSegments(decodedForChecks(path, field), field);

  if (scheme === "") return { scheme, kind: "local", root: resolve(uri), path: "" };
  if (scheme === "file") {
    const host = authority.toLowerCase();
    if (host !== "" && host !== "localhost") {
      throw refuse(field, "a file: location must name no host other than localhost");
    }
    // file: URIs are URLs: their path is percent-decoded once, as `fileURLToPath` does.
    return { scheme, kind: "local", root: resolve(unquote(path) || "/"), path: "" };
  }
  if (scheme === "mlflow-artifacts") {
    return { scheme, kind: "proxied", root: "", path: proxiedOrRefuse(path, field) };
  }
  if ((scheme === "http" || scheme === "https") && path.includes(HTTP_ANCHOR)) {
    const below = path.slice(path.indexOf(HTTP_ANCHOR) + HTTP_ANCHOR.length);
    return { scheme, kind: "proxied", root: "", path: proxiedOrRefuse(below, field) };
  }
  if (scheme === "s3") {
    if (authority === "") throw refuse(field, "an s3: location must name a bucket");
    // Checked like a proxied path, but kept as written: S3 keys are not percent-decoded.
    proxiedOrRefuse(path, field);
    const prefix = path.split("/").filter((s) => s !== "" && s !== ".").join("/");
    return { scheme, kind: "s3", root: authority, path: prefix };
  }
  return { scheme, kind: "other", root: authority, path: "" };
}

/**
 * Checks an experiment's `artifact_location` at create time: {@link parseArtifactUri}'s rules
 * plus MLflow's own (`runs:` URIs are refused with MLflow's message).
 */
export function validateArtifactLocation(location: string, field = "artifact_location"): void {
  if (location.startsWith("runs:")) {
    throw invalidParameter(`Artifact location cannot be a runs:/ URI. Given: '${location}'`);
  }
  parseArtifactUri(location, field);
}

/**
 * Appends POSIX path segments to a location's path, before any query or fragment (MLflow's
 * `append_to_uri_path`): `file:///d?q` + `r` is `file:///d/r?q`, never `file:///d?q/r`.
 */
export function appendToArtifactUri(uri: string, ...segments: string[]): string {
  const cut = uri.search(/[?#]/);
  let head = cut < 0 ? uri : uri.slice(0, cut);
  const tail = cut < 0 ? "" : uri.slice(cut);
  for (const segment of segments) {
    head = head.endsWith("/") ? `${head}${segment}` : `${head}/${segment}`;
  }
  return head + tail;
}
