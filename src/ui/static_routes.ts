/**
 * Serves the UI build as `mlflow server` does: `GET /` answers `index.html` (revalidated on every
 * load), `GET /static-files/<path>` answers files of the build with a 28-day `Cache-Control`
 * (their names are content-hashed) and MIME types from the `mime` package (`.mjs` is JavaScript).
 * There is no SPA fallback: the UI uses a hash router. Paths that leave the build answer 404.
 *
 * Without a build, `/` answers a plain-text page saying how to get one, as MLflow does when its
 * `index.html` is missing; the API is unaffected. The build directory is read through
 * {@link UiState} so a download that finishes after start-up is picked up without a restart.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import mime from "mime";
import { join } from "node:path";

/** Where the UI currently comes from; `dir` is undefined while there is none (yet). */
export interface UiState {
  dir?: string;
  /** Shown at `/` while there is no build. */
  missingMessage: string;
}

/** Flask's `send_from_directory(max_age=2419200)` for the hashed static files. */
const STATIC_CACHE = "public, max-age=2419200";

/** Message for `/` when no UI build is available. */
export function missingUiMessage(detail: string): string {
  return [
    "Unable to display MLflow UI - landing page (index.html) not found.",
    "",
    detail,
    "",
    "Get the UI with `npx -y deno@2.9.6 task ui` (downloads the pinned mlflow wheel from PyPI),",
    "or point --ui-dir (MLFLOW_UI_DIR) at an mlflow installation's mlflow/server/js/build.",
    "",
  ].join("\n");
}

function contentType(path: string): string {
  const type = mime.getType(path) ?? "application/octet-stream";
  return /^(text\/|application\/(json|javascript|manifest\+json))/.test(type)
    ? `${type}; charset=utf-8`
    : type;
}

/** The build-relative path of a `static-files/` request, or undefined if it is not safe. */
export function staticPath(raw: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  const parts = path.split("/");
  if (
    path === "" || path.includes("\\") || path.includes("\0") ||
    parts.some((p) => p === "" || p === "." || p === "..")
  ) return undefined;
  return path;
}

async function sendFile(
  c: Context,
  file: string,
  cacheControl: string,
): Promise<Response | undefined> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(file);
  } catch {
    return undefined;
  }
  if (!stat.isFile) return undefined;
  const etag = `"${stat.size.toString(16)}-${(stat.mtime?.getTime() ?? 0).toString(16)}"`;
  const headers: Record<string, string> = {
    "content-type": contentType(file),
    "cache-control": cacheControl,
    etag,
    "x-content-type-options": "nosniff",
  };
  if (stat.mtime) headers["last-modified"] = stat.mtime.toUTCString();
  if (c.req.header("if-none-match") === etag) return new Response(null, { status: 304, headers });
  headers["content-length"] = String(stat.size);
  if (c.req.method === "HEAD") return new Response(null, { headers });
  const f = await Deno.open(file);
  return new Response(f.readable, { headers });
}

/**
 * Mounts `<prefix>/`, `<prefix>/static-files/*` and the redirect `<prefix>` → `<prefix>/` on the
 * root app (before the prefixed API routes, so the redirect wins over a sub-app's `/`).
 */
export function mountUi(root: Hono, prefix: string, state: UiState): void {
  if (prefix !== "") root.get(prefix, (c) => c.redirect(`${prefix}/`, 308));
  root.get(`${prefix}/`, async (c) => {
    if (state.dir) {
      const res = await sendFile(c, join(state.dir, "index.html"), "no-cache");
      if (res) return res;
    }
    return c.text(state.missingMessage);
  });
  const marker = `${prefix}/static-files/`;
  root.get(`${marker}*`, async (c) => {
    const rawPath = new URL(c.req.url).pathname;
    const rel = staticPath(rawPath.slice(marker.length));
    if (!state.dir || rel === undefined) return c.text("Not Found", 404);
    return (await sendFile(c, join(state.dir, rel), STATIC_CACHE)) ?? c.text("Not Found", 404);
  });
}
