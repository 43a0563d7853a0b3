/**
 * Fills the UI cache from PyPI: downloads the pinned `mlflow` wheel (found through the index's
 * JSON simple API, PEP 691, and checked against its published sha256), and extracts `mlflow/server/js/build` with
 * `fflate`. Extraction goes to a temporary directory renamed into place, so a half-written cache
 * is never served. Used by `deno task ui` and by `deno task start` when no build is found.
 *
 * @module
 */
import { unzipSync } from "fflate";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { cachedBuildDir, isUiBuild, UI_MLFLOW_VERSION } from "./ui_build.ts";

const BUILD_PREFIX = "mlflow/server/js/build/";

/** One file of a release in PyPI's JSON simple API (PEP 691). */
export interface WheelFile {
  filename: string;
  url: string;
  hashes: { sha256: string };
}

/** The package index (`PIP_INDEX_URL` when set, as pip does; else PyPI). */
export function indexUrl(env: Record<string, string | undefined>): string {
  return (env.PIP_INDEX_URL || "https://pypi.org/simple").replace(/\/+$/, "");
}

/** The pinned wheel's URL and sha256, from the index's JSON simple API (`/simple/mlflow/`). */
export async function findWheel(
  version = UI_MLFLOW_VERSION,
  index = "https://pypi.org/simple",
): Promise<WheelFile> {
  const res = await fetch(`${index}/mlflow/`, {
    headers: { accept: "application/vnd.pypi.simple.v1+json" },
  });
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`${index}/mlflow/ answered ${res.status}`);
  }
  const meta = await res.json() as { files?: WheelFile[] };
  const name = `mlflow-${version}-py3-none-any.whl`;
  const wheel = meta.files?.find((f) => f.filename === name);
  if (!wheel) throw new Error(`${index} lists no ${name}`);
  // URLs may be relative to the project page.
  return { ...wheel, url: new URL(wheel.url, `${index}/mlflow/`).href };
}

/** The `mlflow/server/js/build/` entries of a wheel, keyed by their path inside the build. */
export function extractBuild(wheel: Uint8Array): Map<string, Uint8Array> {
  const files = unzipSync(wheel, { filter: (f) => f.name.startsWith(BUILD_PREFIX) });
  const out = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(files)) {
    const rel = name.slice(BUILD_PREFIX.length);
    if (rel === "" || rel.endsWith("/")) continue;
    const parts = rel.split("/");
    // A well-formed wheel never has these; refuse rather than write outside the cache.
    if (parts.some((p) => p === "" || p === "." || p === "..") || rel.includes("\\")) {
      throw new Error(`unsafe path in wheel: ${name}`);
    }
    out.set(rel, data);
  }
  if (!out.has("index.html")) throw new Error("the wheel has no mlflow/server/js/build/index.html");
  return out;
}

/** Writes `files` as the cached build for `version` (atomically: temp dir, then rename). */
export async function writeBuild(
  cacheDir: string,
  files: Map<string, Uint8Array>,
  version = UI_MLFLOW_VERSION,
): Promise<string> {
  const target = cachedBuildDir(cacheDir, version);
  const parent = dirname(target);
  await Deno.mkdir(parent, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: parent, prefix: ".build-" });
  try {
    for (const [rel, data] of files) {
      const path = join(tmp, rel);
      await Deno.mkdir(dirname(path), { recursive: true });
      await Deno.writeFile(path, data);
    }
    if (isUiBuild(target)) return target; // another process won the race
    await Deno.remove(target, { recursive: true }).catch(() => {});
    await Deno.rename(tmp, target);
    return target;
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/** Downloads the wheel, checks its digest and caches its UI build; returns the build directory. */
export async function fillUiCache(
  cacheDir: string,
  options: { version?: string; index?: string; log?: (line: string) => void } = {},
): Promise<string> {
  const version = options.version ?? UI_MLFLOW_VERSION;
  const wheel = await findWheel(version, options.index ?? indexUrl(Deno.env.toObject()));
  options.log?.(`UI: downloading ${wheel.filename} from PyPI into ${cacheDir} (once)`);
  const res = await fetch(wheel.url);
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`downloading ${wheel.url} answered ${res.status}`);
  }
  const data = new Uint8Array(await res.arrayBuffer());
  const digest = createHash("sha256").update(data).digest("hex");
  if (digest !== wheel.hashes.sha256) {
    throw new Error(`sha256 mismatch for ${wheel.filename}: ${digest} != ${wheel.hashes.sha256}`);
  }
  return await writeBuild(cacheDir, extractBuild(data), version);
}
