/**
 * MLflow's `resolve_uri_if_local` (`mlflow/utils/uri.py`), which its SQL store applies to an
 * experiment's `artifact_location` at create time: a relative local path becomes absolute
 * against the server's working directory (`my_location` → `/srv/my_location`, `file:rel` →
 * `file:///srv/rel`); absolute paths and every other scheme are kept as given.
 *
 * @module
 */
import { unquote } from "./safe_path.ts";

/** `pathlib.PurePosixPath(cwd).joinpath(rel).as_posix()`: `.` and empty segments dropped, `..` kept. */
function joinPosix(cwd: string, rel: string): string {
  const parts = `${cwd}/${rel}`.split("/").filter((p) => p !== "" && p !== ".");
  return `/${parts.join("/")}`;
}

/** The location MLflow stores for `uri` when the server runs in `cwd` (an absolute path). */
export function resolveUriIfLocal(uri: string, cwd: string): string {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase() ?? "";
  if (scheme === "") {
    const path = unquote(uri); // url2pathname: the whole text, percent-decoded
    return path.startsWith("/") ? uri : joinPosix(cwd, path);
  }
  if (scheme !== "file") return uri;
  // urlsplit: `file:` + optional `//authority` + path + `?query` + `#fragment`.
  const m = /^file:(\/\/[^/?#]*)?([^?#]*)(\?[^#]*)?(#.*)?$/is.exec(uri);
  if (!m) return uri;
  const path = unquote(m[2] ?? "");
  if (path.startsWith("/")) return uri;
  return `file://${joinPosix(cwd, path)}${m[3] ?? ""}${m[4] ?? ""}`;
}
