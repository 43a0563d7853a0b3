/**
 * Starts and stops moto's S3-compatible server (`moto[server]` from PyPI, pinned in
 * `tests/compat/requirements.txt`) for the S3 artifact-store tests.
 *
 * The server runs as `<python> -m moto.server -H 127.0.0.1 -p <free port>` from the project's
 * `.venv` (or `$PYTHON`), in memory; tests point at it with `MLFLOW_TEST_S3_ENDPOINT`.
 *
 * @example
 * ```ts
 * const s3 = await startS3Server();
 * try {
 *   // MLFLOW_TEST_S3_ENDPOINT=s3.endpoint deno test ...
 * } finally {
 *   await s3.stop();
 * }
 * ```
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BackgroundService, startService } from "./background_service.ts";

/** The variable the S3 tests read the endpoint from. */
export const S3_ENDPOINT_ENV = "MLFLOW_TEST_S3_ENDPOINT";

/** Dummy credentials and region moto accepts; tests never reach for real ones. */
export const S3_TEST_CLIENT_CONFIG = {
  region: "us-east-1",
  credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  forcePathStyle: true,
} as const;

/** A running moto server. */
export type S3Server = BackgroundService;

/** Options of {@link startS3Server}. */
export interface StartS3Options {
  /** Python with moto installed. @default `$PYTHON`, else `.venv/bin/python` */
  python?: string;
  /** How long to wait for the first answer. @default 60000 */
  timeoutMs?: number;
}

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** The Python the server runs with. */
export function s3Python(): string {
  return Deno.env.get("PYTHON") ?? join(ROOT, ".venv", "bin", "python");
}

/** Whether `python` can import moto's server; the reason if not. */
export async function checkMoto(
  python = s3Python(),
): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const out = await new Deno.Command(python, {
      args: ["-c", "import moto.server, flask"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (out.success) return { ok: true };
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1) ?? "";
    return {
      ok: false,
      reason: `${python} cannot import moto.server (${err}); install tests/compat/requirements.txt`,
    };
  } catch (e) {
    return {
      ok: false,
      reason: `${python} cannot be started: ${e instanceof Error ? e.message : e}`,
    };
  }
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** Starts moto on a free loopback port and waits until it answers. */
export async function startS3Server(options: StartS3Options = {}): Promise<S3Server> {
  const python = options.python ?? s3Python();
  const timeoutMs = options.timeoutMs ?? 60_000;
  return await startService({
    name: "moto",
    command: (port) =>
      new Deno.Command(python, {
        args: ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env: { PYTHONUNBUFFERED: "1" },
      }),
    answers,
    requestStop: (child) => {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
    },
    timeoutMs,
  });
}
