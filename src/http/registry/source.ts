/**
 * The checks MLflow's `CreateModelVersion` handler makes on `source` (mlflow 3.17
 * `server/handlers.py`): prompt placeholders, host-addressed schemes, `models:/` lineage, and
 * that the source lies inside the run's (or logged model's) artifacts. That root is read with the
 * artifact routes' own parser (`parseArtifactUri`), so a root those routes refuse contains no
 * source, and a local or proxied source with a query or fragment is refused.
 *
 * @module
 */
import { resolve as resolvePath } from "node:path";
import { invalidParameter, MlflowError } from "../../errors.ts";
import { pyRegExp } from "../../search/py_regex.ts";
import { parseArtifactUri, type ParsedArtifactUri } from "../../artifacts/artifact_uri.ts";
import type { RegistryStore } from "../../store/registry/registry_store.ts";
import { isPromptTags, PROMPT_SOURCE_PLACEHOLDERS } from "../../store/registry/types.ts";
import {
  hostnameOf,
  type ParsedModelUri,
  parseModelUri,
  urlSplit,
} from "../../store/registry/uri.ts";

/** What source validation needs from the rest of the server. */
export interface SourceContext {
  registry: RegistryStore;
  /** The run's artifact URI; a 404 `MlflowError` when the run does not exist. */
  runArtifactUri(runId: string): Promise<string>;
  /** The logged model's artifact location; a 404 `MlflowError` when it does not exist. */
  loggedModelArtifactLocation(modelId: string): Promise<string>;
  /** Host-addressed roots the server itself uses (default artifact root, destination). */
  trustedRoots: string[];
  env(name: string): string | undefined;
}

/** A create request after validation: what the store should record. */
export interface ResolvedSource {
  source: string;
  runId: string;
  modelId: string;
}

/** `urllib.parse.unquote` / `unquote_plus`: bad escapes are left as they are. */
function pyUnquote(s: string, plus = false): string {
  const text = plus ? s.replaceAll("+", " ") : s;
  return text.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

function unquoteFully(s: string, plus: boolean): string {
  for (let u = pyUnquote(s, plus); u !== s; u = pyUnquote(s, plus)) s = u;
  return s;
}

function invalidSource(source: string, idName: "run_id" | "model_id"): MlflowError {
  return invalidParameter(
    `Invalid model version source: '${source}'. The ${idName} request parameter must identify the resource ` +
      "that contains the source.",
  );
}

/** `is_local_uri(uri)`: no scheme, or `file:` (a remote `file://host/` is an error). */
export function isLocalUri(uri: string): boolean {
  const { scheme, netloc } = urlSplit(uri);
  if (scheme === "") return true;
  const host = hostnameOf(netloc);
  const remote = host !== undefined &&
    !(host === "." || host.startsWith("localhost") || host.startsWith("127.0.0.1"));
  if (scheme === "file") {
    if (remote) {
      throw new MlflowError(
        "INTERNAL_ERROR",
        `${uri} is not a valid remote uri. For remote access on windows, please consider using a different scheme ` +
          "such as SMB (e.g. smb://<hostname>/<path>).",
      );
    }
    return true;
  }
  return false;
}

function localPath(uri: string): string {
  const path = uri.startsWith("file:") ? urlSplit(uri).path : uri;
  return resolvePath(pyUnquote(path));
}

/** Whether a local source names an absolute path (its resolution reveals nothing new). */
function isAbsoluteLocal(uri: string): boolean {
  return (uri.startsWith("file:") ? urlSplit(uri).path : pyUnquote(uri)).startsWith("/");
}

function isWithinDir(dir: string, path: string): boolean {
  return path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);
}

/**
 * The owner's artifact root as every artifact read parses it (`parseArtifactUri`), or undefined
 * when that parse refuses it (a location stored before validation, such as `file:///etc/#/…`):
 * no source is inside a root the server would never read.
 */
function parsedRoot(root: string): ParsedArtifactUri | undefined {
  try {
    return parseArtifactUri(root, "artifact_uri");
  } catch {
    return undefined;
  }
}

/**
 * A `?` or `#` in a local or proxied source, raw or percent-encoded: refused, as in artifact
 * locations (MLflow drops them when it resolves the path; a source is never stored with one).
 */
function hasQueryOrFragment(source: string): boolean {
  return /[?#]/.test(unquoteFully(source, false));
}

/** `_validate_non_local_source_contains_relative_paths`. */
function validateNoRelativePaths(original: string): void {
  const source = unquoteFully(original, true);
  const path = urlSplit(source).path.replace(/\/+$/, "").replace(/\/+/g, "/");
  const bad = path.includes("\x00") || source.split("/").some((p) => p === "..") ||
    resolvePath(path) !== path;
  if (bad) {
    throw invalidParameter(
      `Invalid model version source: '${original}'. If supplying a source as an http, https, local file path, ftp, ` +
        "objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references " +
        "present. Please provide an absolute path.",
    );
  }
}

function uriParts(uri: string): [string, string, string[]] {
  const p = urlSplit(uri);
  return [
    p.scheme,
    p.netloc.toLowerCase(),
    p.path.split("/").filter((x) => x !== "").map((x) => unquoteFully(x, false)),
  ];
}

/** `_is_uri_within_root`. */
function isUriWithinRoot(source: string, root: string): boolean {
  const [ss, sa, sp] = uriParts(source);
  const [rs, ra, rp] = uriParts(root);
  return ss === rs && sa === ra && rp.length > 0 && rp.every((part, i) => sp[i] === part);
}

/** `_is_mlflow_artifact_source`. */
function isMlflowArtifactSource(source: string): boolean {
  const [scheme, , parts] = uriParts(source);
  if (scheme === "mlflow-artifacts") return true;
  const route = ["api", "2.0", "mlflow-artifacts", "artifacts"];
  return (scheme === "http" || scheme === "https") &&
    parts.some((_, i) => route.every((r, j) => parts[i + j] === r));
}

/** `RunsArtifactRepository.parse_runs_uri(uri)[0]`. */
function runIdOfRunsUri(uri: string): string {
  const path = urlSplit(uri).path;
  const runId = path.startsWith("/") && path.length > 1 ? path.slice(1).split("/")[0] : "";
  if (!runId) {
    throw new MlflowError(
      "INTERNAL_ERROR",
      `Not a proper runs:/ URI: ${uri}. Runs URIs must be of the form 'runs:/<run_id>/run-relative/path/to/artifact'`,
    );
  }
  return runId;
}

function parseVersionSource(source: string): ParsedModelUri {
  try {
    return parseModelUri(source);
  } catch {
    throw invalidSource(source, "model_id");
  }
}

async function lookup<T>(
  fn: () => Promise<T>,
  source: string,
  idName: "run_id" | "model_id",
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof MlflowError && e.code === "RESOURCE_DOES_NOT_EXIST") {
      throw invalidSource(source, idName);
    }
    throw e;
  }
}

/** `_validate_source_run` and `_validate_source_model`. */
async function validateAgainstOwner(
  ctx: SourceContext,
  source: string,
  id: string,
  idName: "run_id" | "model_id",
): Promise<void> {
  const rootOf = (owner: string) =>
    lookup(
      () =>
        idName === "run_id" ? ctx.runArtifactUri(owner) : ctx.loggedModelArtifactLocation(owner),
      source,
      idName,
    );
  if (isLocalUri(source)) {
    let shown = source;
    if (id) {
      const root = await rootOf(id);
      const path = localPath(source);
      // MLflow shows the resolved path. A relative source resolves against the server's working
      // directory, which no answer may name (issue #8): that one is shown as given.
      if (isAbsoluteLocal(source)) shown = path;
      if (
        parsedRoot(root)?.kind === "local" && !hasQueryOrFragment(source) &&
        isWithinDir(localPath(root), path)
      ) return;
    }
    const owner = idName === "run_id" ? "run_id" : "model_id";
    throw invalidParameter(
      `Invalid model version source: '${shown}'. To use a local path as a model version source, the ${owner} request ` +
        `parameter has to be specified and the local path has to be contained within the artifact directory of the ` +
        `run specified by the ${owner}.`,
    );
  }
  validateNoRelativePaths(source);
  const parsed = urlSplit(source);
  if (idName === "run_id") {
    if (parsed.scheme === "runs") {
      if (parsed.netloc) throw invalidSource(source, "run_id");
      if (id && runIdOfRunsUri(source) === id) return;
      throw invalidSource(source, "run_id");
    }
    if (parsed.scheme === "models") {
      if (parsed.netloc || parseVersionSource(source).modelId !== undefined) {
        throw invalidSource(source, "model_id");
      }
    }
  } else {
    if (parsed.scheme === "models") {
      if (parsed.netloc) throw invalidSource(source, "model_id");
      const sourceModelId = parseVersionSource(source).modelId;
      if (sourceModelId !== undefined) {
        if (id && sourceModelId === id) return;
        throw invalidSource(source, "model_id");
      }
    }
    if (parsed.scheme === "runs") throw invalidSource(source, "model_id");
  }
  if (isMlflowArtifactSource(source)) {
    if (id) {
      const root = await rootOf(id);
      if (parsedRoot(root) && !hasQueryOrFragment(source) && isUriWithinRoot(source, root)) return;
    }
    throw invalidSource(source, idName);
  }
}

// ------------------------------------------------------------------------------------------------
// Host-addressed schemes (`mlflow/store/artifact/host_policy.py`)

const HOST_ADDRESSED = new Set([
  "ftp",
  "sftp",
  "hdfs",
  "viewfs",
  "http",
  "https",
  "mlflow-artifacts",
  "r2",
  "b2",
  "abfss",
]);
const FAMILY: Record<string, string> = {
  viewfs: "hdfs",
  https: "http",
  "mlflow-artifacts": "http",
};
const DEFAULT_PORTS: Record<string, (number | null)[]> = {
  ftp: [21],
  sftp: [22],
  http: [80],
  https: [443],
  "mlflow-artifacts": [80, 443],
  r2: [443],
  b2: [443],
  abfss: [443],
};

function uriScheme(uri: string): string {
  const scheme = urlSplit(uri).scheme;
  return scheme.length === 1 ? "" : scheme;
}

function hostTargets(uri: string): string[] | undefined {
  const scheme = uriScheme(uri);
  if (!HOST_ADDRESSED.has(scheme)) return undefined;
  const { netloc } = urlSplit(uri);
  if (scheme === "mlflow-artifacts" && !netloc) return undefined;
  const hostPort = netloc.slice(netloc.lastIndexOf("@") + 1);
  const portText = hostPort.startsWith("[")
    ? hostPort.split("]")[1]?.replace(/^:/, "")
    : hostPort.split(":")[1];
  const port = portText ? Number(portText) : undefined;
  if (
    /[\\\s]/.test(netloc) ||
    (portText !== undefined && portText !== "" && !(Number.isInteger(port) && port! <= 65535))
  ) {
    return [`malformed|${netloc}`];
  }
  const host = hostnameOf(netloc) ?? "";
  const ports = port !== undefined ? [port] : DEFAULT_PORTS[scheme] ?? [null];
  return ports.map((p) => `${FAMILY[scheme] ?? scheme}|${host}|${p}`);
}

/** `_validate_artifact_uri_scheme(uri, field)`. */
function validateHostAddressed(ctx: SourceContext, uri: string, field: string): void {
  const targets = hostTargets(uri);
  if (!targets) return;
  const scheme = uriScheme(uri);
  const allowed = (ctx.env("MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES") ?? "").split(",")
    .map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (allowed.includes(scheme)) return;
  const trusted = new Set(ctx.trustedRoots.flatMap((r) => hostTargets(r) ?? []));
  if (targets.some((t) => trusted.has(t))) return;
  throw invalidParameter(
    `'${field}' cannot use the '${scheme}' scheme: the '${scheme}' scheme addresses a host other than the tracking ` +
      "server's configured artifact storage, so the server would connect to the host named in the URI. Set the " +
      "MLFLOW_ALLOWED_HOST_ADDRESSED_ARTIFACT_SCHEMES environment variable on the server to allow it.",
  );
}

// ------------------------------------------------------------------------------------------------

/** `_resolve_registered_model_source_lineage`: `models:/name/…` sources name a live version. */
async function resolveLineage(
  ctx: SourceContext,
  req: { source: string; runId?: string; modelId?: string },
): Promise<ResolvedSource> {
  const { source } = req;
  const parsed = urlSplit(source);
  const plain = { source, runId: req.runId ?? "", modelId: req.modelId ?? "" };
  if (parsed.scheme !== "models") return plain;
  if (parsed.netloc) {
    throw invalidParameter(
      `Invalid model version source: '${source}'. Registered model sources must use the active model registry.`,
    );
  }
  const uri = parseVersionSource(source);
  if (uri.modelId !== undefined) return plain;
  const sourceModel = await ctx.registry.getRegisteredModel(uri.name);
  if (isPromptTags(sourceModel.tags)) {
    throw invalidParameter(
      `Invalid model version source: '${source}'. Prompt versions cannot be used as model version sources.`,
    );
  }
  let version: number;
  if (uri.version !== undefined) version = Number(uri.version);
  else if (uri.alias !== undefined) {
    version = (await ctx.registry.getModelVersionByAlias(uri.name, uri.alias)).version;
  } else {
    const latest = await ctx.registry.getLatestVersions(
      uri.name,
      uri.stage === undefined ? undefined : [uri.stage],
    );
    if (latest.length === 0) {
      const stage = uri.stage === undefined ? "" : ` and stage '${uri.stage}'`;
      throw new MlflowError(
        "INTERNAL_ERROR",
        `No versions of model with name '${uri.name}'${stage} found`,
      );
    }
    version = Math.max(...latest.map((v) => v.version));
  }
  const mv = await ctx.registry.getModelVersion(uri.name, version);
  // MLflow's SQL store does not keep a version's model_id, so it always reads as empty here.
  if (
    (req.runId !== undefined && req.runId !== (mv.runId ?? "")) ||
    (req.modelId !== undefined && req.modelId !== "")
  ) {
    throw invalidParameter(
      `Invalid model version source: '${source}'. The run_id and model_id request parameters must match the ` +
        "referenced model version.",
    );
  }
  return {
    source: `models:/${uri.name}/${mv.version}`,
    runId: req.runId ?? mv.runId ?? "",
    modelId: req.modelId ?? "",
  };
}

/** Checks a CreateModelVersion request's source the way MLflow's handler does. */
export async function validateCreateSource(
  ctx: SourceContext,
  req: {
    source: string;
    runId?: string;
    modelId?: string;
    tags: { key?: string; value?: string }[];
  },
): Promise<ResolvedSource & { isPrompt: boolean }> {
  const regex = ctx.env("MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX");
  if (req.source && regex) {
    // `re.search(regex, source)`; a pattern `re` refuses fails the request (500), as in MLflow.
    const pattern = pyRegExp(regex);
    if (pattern === null) {
      throw new Error("MLFLOW_CREATE_MODEL_VERSION_SOURCE_VALIDATION_REGEX is not a valid pattern");
    }
    if (!pattern.test(req.source)) {
      throw invalidParameter(`Invalid model version source: '${req.source}'.`);
    }
  }
  const tags = Object.fromEntries(req.tags.map((t) => [t.key ?? "", t.value ?? ""]));
  const isPrompt = isPromptTags(tags);
  if (isPrompt && !PROMPT_SOURCE_PLACEHOLDERS.has(req.source)) {
    throw invalidParameter(
      `Invalid prompt source: '${req.source}'. Prompt sources must use an MLflow placeholder.`,
    );
  }
  validateHostAddressed(ctx, req.source, "source");
  if (isPrompt) {
    return { source: req.source, runId: req.runId ?? "", modelId: req.modelId ?? "", isPrompt };
  }
  const resolved = await resolveLineage(ctx, req);
  if (resolved.modelId) {
    await validateAgainstOwner(ctx, resolved.source, resolved.modelId, "model_id");
  } else await validateAgainstOwner(ctx, resolved.source, resolved.runId, "run_id");
  return { ...resolved, isPrompt };
}
