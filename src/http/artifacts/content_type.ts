/**
 * The content type of a downloaded artifact, as MLflow's `_guess_mime_type`
 * (`mlflow/utils/mime_type_utils.py`): common text formats, notebooks, `MLmodel` and `mlproject`
 * (MLflow's `MLPROJECT_FILE_NAME` is lower-case, so `MLproject` is not one) are served as
 * `text/plain`; other names go through Python's `mimetypes.guess_type` rules (`.tgz` is
 * `.tar.gz`, a compression suffix is an encoding, not a type: `x.tar.gz` is `application/x-tar`,
 * `x.gz` unknown) with the `mime` package's database; anything unknown is
 * `application/octet-stream`.
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
  "ipynb",
  "MLmodel",
  "mlproject",
]);

/** Python's `mimetypes.suffix_map`. */
const SUFFIX_MAP: Record<string, string> = {
  ".svgz": ".svg.gz",
  ".tgz": ".tar.gz",
  ".taz": ".tar.gz",
  ".tz": ".tar.gz",
  ".tbz2": ".tar.bz2",
  ".txz": ".tar.xz",
};

/** Python's `mimetypes.encodings_map` (suffixes that name a compression, not a type). */
const ENCODINGS = new Set([".gz", ".Z", ".bz2", ".xz", ".br"]);

/** Python's `os.path.splitext` on a basename: `[root, ".ext"]`; leading dots are not one. */
function splitext(name: string): [string, string] {
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || /^\.+$/.test(name.slice(0, dot + 1))) return [name, ""];
  return [name.slice(0, dot), name.slice(dot)];
}

/** `mimetypes.guess_type(name)[0]`, with the `mime` package as the table of types. */
function guessType(name: string): string | null {
  let [base, ext] = splitext(name);
  while (SUFFIX_MAP[ext] !== undefined) [base, ext] = splitext(base + SUFFIX_MAP[ext]);
  if (ENCODINGS.has(ext) || ENCODINGS.has(ext.toLowerCase())) [base, ext] = splitext(base);
  if (ext === "") return null;
  return mime.getType(`x${ext}`) ?? mime.getType(`x${ext.toLowerCase()}`);
}

/** The content type MLflow would send for a file called `name` (a basename). */
export function guessMimeType(name: string): string {
  const ext = splitext(name)[1].replaceAll(".", "");
  if (TEXT_EXTENSIONS.has(ext === "" ? name : ext)) return "text/plain";
  return guessType(name) ?? "application/octet-stream";
}
