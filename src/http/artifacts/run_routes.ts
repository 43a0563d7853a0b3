/**
 * Run artifacts through the tracking service:
 *
 * - `GET /api/2.0/mlflow/artifacts/list?run_id=&path=&page_token=` (and `/ajax-api/…`):
 *   `{"root_uri": <run artifact_uri>, "files": [{"path": <run-relative>, "is_dir", "file_size"}]}`;
 *   one page holds everything, so no `next_page_token` is ever sent.
 * - `GET /get-artifact?run_id=&path=` (the UI's download link): the file as an attachment.
 *
 * The run's `artifact_uri` decides where to look: proxied roots (`mlflow-artifacts:/…`) in the
 * `--artifacts-destination` store, other roots (a directory, `s3://…`) directly.
 *
 * @module
 */
import type { Hono } from "hono";
import type { ArtifactLocations } from "../../artifacts/locations.ts";
import { safeArtifactPath } from "../../artifacts/safe_path.ts";
import { joinPath } from "../../artifacts/store.ts";
import { mlflowJson, nonEmpty } from "../json.ts";
import { missingParameter, requireString } from "../request.ts";
import { invalidParameter } from "../../errors.ts";
import { fileResponse } from "./responses.ts";

/** How the routes find a run's artifact root (`Stores.runs` fits). */
export interface RunLookup {
  load(runId: string): Promise<{ record: { artifact_uri: string } }>;
}

/** One listed artifact as `ListArtifacts` answers it (no `file_size` for a directory). */
export interface ListedArtifact {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** `ListArtifacts` of a run (REST and GraphQL's `mlflowListArtifacts`). */
export async function listRunArtifacts(
  runs: RunLookup,
  locations: ArtifactLocations,
  runId: string,
  rawPath: string | undefined,
): Promise<{ rootUri: string; files: ListedArtifact[] }> {
  const path = rawPath === undefined ? "" : safeArtifactPath(rawPath);
  const { record } = await runs.load(runId);
  const { store, base } = await locations.forRun(record.artifact_uri);
  const entries = await store.list(joinPath(base, path));
  const files = entries.map((e): ListedArtifact => {
    const rel = joinPath(path, e.name);
    return e.isDir
      ? { path: rel, is_dir: true }
      : { path: rel, is_dir: false, file_size: e.fileSize ?? 0 };
  });
  return { rootUri: record.artifact_uri, files };
}

/** Mounts the list route under both MLflow API prefixes and `/get-artifact` at the root. */
export function mountRunArtifactRoutes(
  app: Hono,
  runs: RunLookup,
  locations: ArtifactLocations,
): void {
  const list = async (c: import("hono").Context) => {
    const q = c.req.query();
    const runId = requireString(q.run_id || q.run_uuid, "run_id");
    const { rootUri, files } = await listRunArtifacts(runs, locations, runId, q.path);
    return mlflowJson({ root_uri: rootUri, files: nonEmpty(files) });
  };
  for (const prefix of ["/api/2.0/mlflow", "/ajax-api/2.0/mlflow"]) {
    app.get(`${prefix}/artifacts/list`, list);
  }

  app.get("/get-artifact", async (c) => {
    const q = c.req.query();
    if (q.path === undefined) throw invalidParameter(missingParameter("path"));
    const path = safeArtifactPath(q.path);
    const runId = requireString(q.run_id || q.run_uuid, "run_id");
    const { record } = await runs.load(runId);
    const { store, base } = await locations.forRun(record.artifact_uri);
    return fileResponse(await store.get(joinPath(base, path)), path);
  });
}
