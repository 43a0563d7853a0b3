/**
 * Shared by the browser tier's tests: where Chromium and the seeding Python are, starting this
 * server (`main.ts` on the in-process engine, UI from the usual lookup) and running a seed script.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BackgroundService, startService } from "../support/background_service.ts";

/** This folder. */
export const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const ROOT = dirname(dirname(HERE));

function onPath(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(join(dir, name)).isFile) return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

/** `CHROMIUM_PATH`, else Debian's `chromium` on PATH. */
export function chromiumPath(): string {
  const path = Deno.env.get("CHROMIUM_PATH") ?? onPath("chromium") ?? onPath("chromium-browser");
  if (!path) throw new Error("chromium not found: install Debian's chromium or set CHROMIUM_PATH");
  return path;
}

/** `BROWSER_PYTHON`, else the compat tier's `.venv`. */
export function pythonPath(): string {
  const path = Deno.env.get("BROWSER_PYTHON") ?? join(ROOT, ".venv", "bin", "python");
  try {
    Deno.statSync(path);
  } catch {
    throw new Error(`${path} not found: run the compat tier once or set BROWSER_PYTHON`);
  }
  return path;
}

/**
 * Runs a Python script against `trackingUri` (as `login`, with basic-auth on); returns the last
 * line of its stdout.
 */
export async function runPython(
  args: string[],
  trackingUri: string,
  login?: Login,
): Promise<string> {
  const out = await new Deno.Command(pythonPath(), {
    args,
    env: {
      MLFLOW_TRACKING_URI: trackingUri,
      PYTHONUNBUFFERED: "1",
      MLFLOW_DISABLE_TELEMETRY: "true",
      ...(login
        ? { MLFLOW_TRACKING_USERNAME: login.username, MLFLOW_TRACKING_PASSWORD: login.password }
        : {}),
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `${args.join(" ")} failed:\n${stdout}\n${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return stdout.trim().split("\n").at(-1)!;
}

/** HTTP Basic credentials. */
export interface Login {
  username: string;
  password: string;
}

/** A server, the temporary artifact directory it writes to and its auth config file. */
export interface StartedServer {
  server: BackgroundService;
  artifacts: string;
  authConfig?: string;
}

/** How to start the server: workspaces on, basic-auth on with this admin. */
export interface ServerOptions {
  workspaces?: boolean;
  /** Turns on `--app-name basic-auth` with this admin and `default_permission = READ`. */
  admin?: Login;
}

/** `Authorization` header value for `login`. */
export function basicAuth(login: Login): string {
  return `Basic ${btoa(`${login.username}:${login.password}`)}`;
}

/** Starts this server and waits until `/` serves the UI (the cache may be downloading). */
export async function startOurServer(options: ServerOptions = {}): Promise<StartedServer> {
  const artifacts = Deno.makeTempDirSync({ prefix: "ui-browser-artifacts-" });
  const extraArgs: string[] = [];
  const env: Record<string, string> = {};
  let authConfig: string | undefined;
  if (options.workspaces) extraArgs.push("--enable-workspaces");
  if (options.admin) {
    const ini = authConfig = Deno.makeTempFileSync({ prefix: "ui-browser-auth-", suffix: ".ini" });
    Deno.writeTextFileSync(
      ini,
      `[mlflow]\ndefault_permission = READ\nadmin_username = ${options.admin.username}\n`,
    );
    extraArgs.push("--app-name", "basic-auth");
    env.MLFLOW_AUTH_CONFIG_PATH = ini;
    env.MLFLOW_AUTH_ADMIN_PASSWORD = options.admin.password;
  }
  const headers: Record<string, string> = options.admin
    ? { authorization: basicAuth(options.admin) }
    : {};
  const server = await startService({
    name: "mlflow-dynamodb-server",
    command: (port) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          join(ROOT, "main.ts"),
          "--backend-store-uri",
          "memory:",
          "--port",
          String(port),
          "--artifacts-destination",
          artifacts,
          ...extraArgs,
        ],
        env,
        cwd: ROOT,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }),
    answers: async (endpoint) => {
      try {
        const res = await fetch(`${endpoint}/`, { headers });
        return (await res.text()).includes("static-files/");
      } catch {
        return false;
      }
    },
    requestStop: (child) => child.kill("SIGTERM"),
    timeoutMs: 5 * 60_000,
  });
  return { server, artifacts, authConfig };
}

/** Stops a server started here and removes its artifacts. */
export async function stopServer(s: StartedServer): Promise<void> {
  await s.server.stop();
  Deno.removeSync(s.artifacts, { recursive: true });
  if (s.authConfig) Deno.removeSync(s.authConfig);
}
