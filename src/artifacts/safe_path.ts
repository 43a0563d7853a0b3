/**
 * Artifact path validation, done before any store call.
 *
 * {@link safeArtifactPath} follows MLflow's `validate_path_is_safe` (`mlflow/utils/uri.py`): the
 * path is percent-decoded until it stops changing (so `%2e%2e` and `%252e%252e` are both seen as
 * `..`), then refused if it has a `..` segment, is absolute, has a backslash, a `#`, a control
 * character (NUL included) or a `file:` scheme. MLflow escapes control characters instead of
 * refusing them; refusing is stricter and no client sends them. A segment longer than
 * {@link MAX_SEGMENT_BYTES} (UTF-8) is refused too: no filesystem can hold it, and the OS error
 * would otherwise name the server's absolute path. Every refusal is a 400
 * `INVALID_PARAMETER_VALUE` "Invalid path".
 *
 * {@link resolveInsideRoot} is the local store's second line of defence: it resolves symlinks
 * (`realpath`) and refuses any path whose existing part leads outside the store root, as MLflow's
 * `validate_path_within_directory` does.
 *
 * @module
 */
import { dirname } from "node:path";
import { invalidParameter, type MlflowError } from "../errors.ts";

/** The longest path segment (file or directory name) accepted, in UTF-8 bytes (`NAME_MAX`). */
export const MAX_SEGMENT_BYTES = 255;

/** The one message MLflow gives for every refused artifact path. */
export const INVALID_PATH_MESSAGE = "Invalid path";

/** A 400 `INVALID_PARAMETER_VALUE` "Invalid path". */
export function invalidPath(): MlflowError {
  return invalidParameter(INVALID_PATH_MESSAGE);
}

const utf8 = new TextDecoder("utf-8", { fatal: false });
const encoder = new TextEncoder();

function utf8Length(s: string): number {
  return encoder.encode(s).length;
}

/**
 * Percent-decodes like Python's `urllib.parse.unquote`: runs of `%XX` are decoded as UTF-8 with
 * replacement characters for invalid bytes; malformed escapes such as `%zz` are kept as they are.
 */
export function unquote(s: string): string {
  if (!s.includes("%")) return s;
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(3 * i + 1, 3 * i + 3), 16);
    return utf8.decode(bytes);
  });
}

/** Decodes until the string stops changing (at most 10 rounds, as MLflow); else "Invalid path". */
export function decodeFully(s: string): string {
  let current = s;
  for (let i = 0; i < 10; i++) {
    const next = unquote(current);
    if (next === current) return current;
    current = next;
  }
  throw invalidPath();
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

/**
 * Validates a client-supplied artifact path and returns it decoded and normalised: `/`-separated
 * with no empty or `.` segments (`""` is the root).
 *
 * @throws {MlflowError} 400 "Invalid path" for traversal, absolute paths and the other refusals
 */
export function safeArtifactPath(raw: string): string {
  const path = decodeFully(raw);
  if (
    CONTROL.test(path) ||
    path.includes("\\") ||
    path.includes("#") ||
    /^file:/i.test(path) ||
    path.startsWith("/") ||
    /^[A-Za-z]:/.test(path)
  ) {
    throw invalidPath();
  }
  const segments = path.split("/");
  if (segments.includes("..")) throw invalidPath();
  if (segments.some((s) => s.length > MAX_SEGMENT_BYTES / 3 && utf8Length(s) > MAX_SEGMENT_BYTES)) {
    throw invalidPath();
  }
  return segments.filter((s) => s !== "" && s !== ".").join("/");
}

/** True when `path` is `root` or lies below it (both absolute, already resolved). */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith("/") ? root : `${root}/`);
}

/**
 * Joins the resolved store `root` with a path from {@link safeArtifactPath} and checks that the
 * deepest part of it that exists, with every symlink resolved, is still inside `root`.
 *
 * @param root absolute root directory, already passed through `Deno.realPath`
 * @returns the joined (unresolved) absolute path
 * @throws {MlflowError} 400 "Invalid path" when a symlink leads outside `root`
 */
export async function resolveInsideRoot(root: string, relative: string): Promise<string> {
  const target = relative === "" ? root : `${root}/${relative}`;
  let probe = target;
  while (true) {
    let real: string;
    try {
      real = await Deno.realPath(probe);
    } catch (e) {
      if (e instanceof Deno.errors.FilesystemLoop) throw invalidPath();
      const missing = e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory;
      if (!missing) throw e;
      if (probe === root) return target;
      probe = dirname(probe);
      continue;
    }
    if (!isInside(root, real)) throw invalidPath();
    return target;
  }
}
