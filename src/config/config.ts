/**
 * Server configuration from CLI flags and environment variables, named as `mlflow server` names
 * them, validated with zod.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { type Backend, parseBackendUri } from "./backend_uri.ts";
import { type WebhookSettings, webhookSettings } from "../webhooks/settings.ts";

/** JSON bodies beyond this many bytes get 413 (32 MiB; see `src/http/middleware/body_limit.ts`). */
export const DEFAULT_MAX_JSON_BODY_BYTES = 32 * 1024 * 1024;

/** Splits a comma list (`a, b,c`) into trimmed, non-empty entries; empty → unset. */
function commaList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  return list.length > 0 ? list : undefined;
}

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
  allowedHosts: z.array(z.string()).optional(),
  corsAllowedOrigins: z.array(z.string()).optional(),
  xFrameOptions: z.string().trim().regex(
    /^(SAMEORIGIN|DENY|NONE)$/i,
    "must be SAMEORIGIN, DENY or NONE",
  ),
  disableSecurityMiddleware: z.boolean(),
  maxJsonBodyBytes: z.coerce.number().int().min(1024),
  logFormat: z.enum(["text", "json"], "must be text or json"),
  exposePrometheus: z.string().min(1).optional(),
  uiDir: z.string().min(1).optional(),
  uiDownload: z.boolean(),
  appName: z.enum(["basic-auth"], "must be basic-auth").optional(),
  enableWorkspaces: z.boolean(),
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
  /** `--allowed-hosts`: Host patterns; unset → localhost names, private ranges, bind address. */
  allowedHosts?: string[];
  /** `--cors-allowed-origins`: origins besides localhost that may call the API. */
  corsAllowedOrigins?: string[];
  /** `--x-frame-options`: `SAMEORIGIN`, `DENY` or `NONE`. */
  xFrameOptions: string;
  /** `--disable-security-middleware`: no host check, CORS or security headers. */
  disableSecurityMiddleware: boolean;
  /** `--max-json-body-bytes`: JSON bodies beyond it get 413. */
  maxJsonBodyBytes: number;
  /** `--log-format`: access-log lines as `text` or `json`. */
  logFormat: "text" | "json";
  /** `--expose-prometheus DIR`: serve `/metrics` (DIR is created, as MLflow does). */
  exposePrometheus?: string;
  /** The MLflow UI build to serve (`--ui-dir`); else the cache, else an installation. */
  uiDir?: string;
  /** Download the pinned UI build into the cache when none is found (`--no-ui-download`). */
  uiDownload: boolean;
  /** `--app-name basic-auth`: authentication and permissions (`docs/auth.md`); unset → off. */
  appName?: "basic-auth";
  /** Webhook validation and delivery (`--webhooks-allow-private`, `MLFLOW_WEBHOOK_*`). */
  webhooks: WebhookSettings;
  /** `--enable-workspaces`: workspaces and the `X-MLFLOW-WORKSPACE` header (`docs/workspaces.md`). */
  enableWorkspaces: boolean;
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
  "allowed-hosts": { type: "string" },
  "cors-allowed-origins": { type: "string" },
  "x-frame-options": { type: "string" },
  "disable-security-middleware": { type: "boolean" },
  "max-json-body-bytes": { type: "string" },
  "log-format": { type: "string" },
  "expose-prometheus": { type: "string" },
  "ui-dir": { type: "string" },
  "no-ui-download": { type: "boolean" },
  "app-name": { type: "string" },
  "webhooks-allow-private": { type: "boolean" },
  "enable-workspaces": { type: "boolean" },
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
  -w, --workers N                 workers behind one port, one per core: with a DynamoDB backend
                                  the app runs under 'deno serve --parallel' (MLFLOW_WORKERS,
                                  default 1; the embedded engine serves from one worker)
  --static-prefix PREFIX          prefix for every route, e.g. /mlflow (MLFLOW_STATIC_PREFIX)
  --allowed-hosts LIST            comma list of allowed Host headers, fnmatch patterns
                                  (MLFLOW_SERVER_ALLOWED_HOSTS; default localhost names on any
                                  port, 10.*, 172.16-31.*, 192.168.*, fc00:*, fd00:* and the
                                  --host address; '*' allows all). Others get 403.
  --cors-allowed-origins LIST     comma list of origins allowed to call the API besides
                                  http://localhost:*, http://127.0.0.1:*, http://[::1]:*
                                  (MLFLOW_SERVER_CORS_ALLOWED_ORIGINS; '*' allows all). Writes
                                  from other origins get 403.
  --x-frame-options VALUE         SAMEORIGIN | DENY | NONE (MLFLOW_SERVER_X_FRAME_OPTIONS,
                                  default SAMEORIGIN)
  --disable-security-middleware   no host check, CORS or security headers (DANGEROUS;
                                  MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE)
  --max-json-body-bytes N         largest JSON or OTLP request body; larger ones get 413
                                  (MLFLOW_SERVER_MAX_JSON_BODY_BYTES, default ${DEFAULT_MAX_JSON_BODY_BYTES},
                                  32 MiB; artifact uploads are not limited)
  --log-format text|json          access log, one line per request with its DynamoDB calls and
                                  consumed capacity (MLFLOW_LOG_FORMAT, default text)
  --expose-prometheus DIR         serve Prometheus metrics at /metrics; DIR is created
                                  (MLFLOW_EXPOSE_PROMETHEUS; see docs/operations.md)
  --ui-dir DIR                    MLflow web UI build to serve at / (MLFLOW_UI_DIR; default: the
                                  cache of \`deno task ui\`, else an installed mlflow package)
  --no-ui-download                do not download the UI build from PyPI when none is found
                                  (MLFLOW_UI_DOWNLOAD=false)
  --app-name basic-auth           HTTP Basic authentication and per-resource permissions, as
                                  MLflow's basic-auth app (MLFLOW_APP_NAME; configured by the ini
                                  file at MLFLOW_AUTH_CONFIG_PATH, see docs/auth.md). Default off.
  --webhooks-allow-private        let webhooks target private, loopback and link-local addresses
                                  (MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS; tests and local development
                                  only; other MLFLOW_WEBHOOK_* settings in docs/webhooks.md)
  --enable-workspaces             workspaces selected by the X-MLFLOW-WORKSPACE header, as
                                  \`mlflow server --enable-workspaces\` (MLFLOW_ENABLE_WORKSPACES;
                                  see docs/workspaces.md). Default off.
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
    allowedHosts: commaList(values["allowed-hosts"] ?? env.MLFLOW_SERVER_ALLOWED_HOSTS),
    corsAllowedOrigins: commaList(
      values["cors-allowed-origins"] ?? env.MLFLOW_SERVER_CORS_ALLOWED_ORIGINS,
    ),
    xFrameOptions: values["x-frame-options"] ?? env.MLFLOW_SERVER_X_FRAME_OPTIONS ?? "SAMEORIGIN",
    disableSecurityMiddleware: values["disable-security-middleware"] ??
      envBool(env.MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE) ?? false,
    maxJsonBodyBytes: values["max-json-body-bytes"] ?? env.MLFLOW_SERVER_MAX_JSON_BODY_BYTES ??
      DEFAULT_MAX_JSON_BODY_BYTES,
    logFormat: values["log-format"] ?? env.MLFLOW_LOG_FORMAT ?? "text",
    exposePrometheus: values["expose-prometheus"] ?? (env.MLFLOW_EXPOSE_PROMETHEUS || undefined),
    uiDir: values["ui-dir"] ?? (env.MLFLOW_UI_DIR || undefined),
    uiDownload: values["no-ui-download"] ? false : envBool(env.MLFLOW_UI_DOWNLOAD) ?? true,
    appName: (values["app-name"] ?? env.MLFLOW_APP_NAME) || undefined,
    enableWorkspaces: values["enable-workspaces"] ?? envBool(env.MLFLOW_ENABLE_WORKSPACES) ?? false,
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
  let webhooks: WebhookSettings;
  try {
    webhooks = webhookSettings(env, values["webhooks-allow-private"] ?? false);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  return { ...c, backend, defaultArtifactRoot, webhooks };
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
}
