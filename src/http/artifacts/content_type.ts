/**
 * The content type of a downloaded artifact, as MLflow's `_guess_mime_type`
 * (`mlflow/utils/mime_type_utils.py`): common text formats (and `MLmodel`/`MLproject`) are served
 * as `text/plain`, other names are looked up in the `mime` package's database, and anything
 * unknown is `application/octet-stream`.
 *
 * @module
 */
import mime from "mime";

const TEXT_EXTENSIONS = new Set([
  "txt",
  "log",
  "err",
  "cfg",
  "conf",
  "cnf",
  "cf",
  "ini",
  "properties",
  "prop",
  "hocon",
  "toml",
  "yaml",
  "yml",
  "xml",
  "json",
  "js",
  "py",
  "py3",
  "csv",
  "tsv",
  "md",
  "rst",
  "MLmodel",
  "MLproject",
]);

/** Python's `os.path.splitext(name)[1]` without the dot (leading dots do not start an extension). */
function extension(name: string): string {
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || /^\.+$/.test(name.slice(0, dot + 1))) return "";
  return name.slice(dot + 1);
}

/** The content type MLflow would send for a file called `name` (a basename). */
export function guessMimeType(name: string): string {
  const ext = extension(name);
  if (TEXT_EXTENSIONS.has(ext === "" ? name : ext)) return "text/plain";
  return (ext !== "" && mime.getType(name)) || "application/octet-stream";
}
