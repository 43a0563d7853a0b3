/**
 * Server configuration from CLI flags and environment variables, named as `mlflow server` names
 * them, validated with zod.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { type Backend, parseBackendUri } from "./backend_uri.ts";

/** Raised for unknown or invalid options; `main.ts` prints it and exits with code 2. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The directory the embedded defaults live in, relative to the working directory. */
export const DEFAULT_DATA_DIR = "mlflow-data";

const ConfigSchema = z.object({
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  backendStoreUri: z.string().min(1),
  defaultArtifactRoot: z.string().min(1).optional(),
  serveArtifacts: z.boolean(),
  artifactsDestination: z.string().min(1),
  workers: z.coerce.number().int().min(1).max(64),
  staticPrefix: z.string().regex(/^(\/[^/]+)*$/, "must start with '/' and not end with '/'"),
  uiDir: z.string().min(1).optional(),
  uiDownload: z.boolean(),
});

/** Validated configuration. */
export interface Config {
  host: string;
  port: number;
  backend: Backend;
  backendStoreUri: string;
  /** Root for new experiments' artifact locations (`mlflow-artifacts:/` when serving artifacts). */
  defaultArtifactRoot: string;
  serveArtifacts: boolean;
  /** Where proxied artifacts are stored: a directory or `s3://bucket/prefix`. */
  artifactsDestination: string;
  workers: number;
  staticPrefix: string;
  /** The MLflow UI build to serve (`--ui-dir`); else the cache, else an installation. */
  uiDir?: string;
  /** Download the pinned UI build into the cache when none is found (`--no-ui-download`). */
  uiDownload: boolean;
}

const FLAGS = {
  host: { type: "string", short: "h" },
  port: { type: "string", short: "p" },
  "backend-store-uri": { type: "string" },
  "default-artifact-root": { type: "string" },
  "serve-artifacts": { type: "boolean" },
  "no-serve-artifacts": { type: "boolean" },
  "artifacts-destination": { type: "string" },
  workers: { type: "string", short: "w" },
  "static-prefix": { type: "string" },
  "ui-dir": { type: "string" },
  "no-ui-download": { type: "boolean" },
  help: { type: "boolean" },
} as const;

/** Usage text for `--help`. */
export const USAGE = `Usage: deno task start [options]

  -h, --host HOST                 address to listen on (MLFLOW_HOST, default 127.0.0.1)
  -p, --port PORT                 port (MLFLOW_PORT, default 5000)
  --backend-store-uri URI         dynamodb://<region>/<table> | dynamodb://http://host:port/<table>
                                  | embedded:<dir> | memory:  (MLFLOW_BACKEND_STORE_URI,
                                  default embedded:./${DEFAULT_DATA_DIR}/db)
  --default-artifact-root URI     artifact root of new experiments (MLFLOW_DEFAULT_ARTIFACT_ROOT,
                                  default mlflow-artifacts:/ when serving artifacts)
  --serve-artifacts / --no-serve-artifacts
                                  proxy artifact uploads and downloads (MLFLOW_SERVE_ARTIFACTS, on)
  --artifacts-destination URI     directory or s3://bucket/prefix for proxied artifacts
                                  (MLFLOW_ARTIFACTS_DESTINATION, default ./${DEFAULT_DATA_DIR}/artifacts)
  -w, --workers N                 accepted for compatibility; one async process serves all
                                  requests, scale out with replicas (MLFLOW_WORKERS)
  --static-prefix PREFIX          prefix for every route, e.g. /mlflow (MLFLOW_STATIC_PREFIX)
  --ui-dir DIR                    MLflow web UI build to serve at / (MLFLOW_UI_DIR; default: the
                                  cache of \`deno task ui\`, else an installed mlflow package)
  --no-ui-download                do not download the UI build from PyPI when none is found
                                  (MLFLOW_UI_DOWNLOAD=false)
`;

function envBool(v: string | undefined): boolean | undefined {
  if (v === undefined || v === "") return undefined;
  return /^(1|true|yes|on)$/i.test(v);
}

/** Parses CLI arguments and the environment. Returns `"help"` when `--help` was given. */
export function loadConfig(
  args: string[],
  env: Record<string, string | undefined>,
): Config | "help" {
  let values;
  try {
    ({ values } = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new ConfigError(e instanceof Error ? e.message : String(e));
  }
  if (values.help) return "help";
  const serveArtifacts = values["no-serve-artifacts"]
    ? false
    : values["serve-artifacts"] ?? envBool(env.MLFLOW_SERVE_ARTIFACTS) ?? true;
  const parsed = ConfigSchema.safeParse({
    host: values.host ?? env.MLFLOW_HOST ?? "127.0.0.1",
    port: values.port ?? env.MLFLOW_PORT ?? "5000",
    backendStoreUri: values["backend-store-uri"] ?? env.MLFLOW_BACKEND_STORE_URI ??
      `embedded:./${DEFAULT_DATA_DIR}/db`,
    defaultArtifactRoot: values["default-artifact-root"] ?? env.MLFLOW_DEFAULT_ARTIFACT_ROOT,
    serveArtifacts,
    artifactsDestination: values["artifacts-destination"] ?? env.MLFLOW_ARTIFACTS_DESTINATION ??
      `./${DEFAULT_DATA_DIR}/artifacts`,
    workers: values.workers ?? env.MLFLOW_WORKERS ?? "1",
    staticPrefix: values["static-prefix"] ?? env.MLFLOW_STATIC_PREFIX ?? "",
    uiDir: values["ui-dir"] ?? (env.MLFLOW_UI_DIR || undefined),
    uiDownload: values["no-ui-download"] ? false : envBool(env.MLFLOW_UI_DOWNLOAD) ?? true,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`Invalid option --${kebab(String(issue.path[0]))}: ${issue.message}`);
  }
  const c = parsed.data;
  let backend: Backend;
  try {
    backend = parseBackendUri(c.backendStoreUri);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const defaultArtifactRoot = c.defaultArtifactRoot ??
    (c.serveArtifacts ? "mlflow-artifacts:/" : c.artifactsDestination);
  return { ...c, backend, defaultArtifactRoot };
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
}
