/**
 * A logged model's artifacts: the `artifacts/directories` listing (`ListLoggedModelArtifacts`)
 * and the UI's `artifacts/files` download.
 *
 * The model's `artifact_uri` is resolved like a run's artifact root (`ArtifactLocations`):
 * `mlflow-artifacts:/X` goes to the proxy's destination store, `s3://…` and local directories are
 * read directly, as MLflow does with `get_artifact_repository`.
 *
 * @module
 */
import type { ArtifactLocations } from "../../artifacts/locations.ts";
import { safeArtifactPath } from "../../artifacts/safe_path.ts";
import { joinPath } from "../../artifacts/store.ts";
import { fileResponse } from "../artifacts/responses.ts";
import { MlflowError } from "../../errors.ts";

/** One `FileInfo` of a listing: path relative to the model's artifact root. */
export interface FileInfoJson {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

function need(locations: ArtifactLocations | undefined): ArtifactLocations {
  if (!locations) {
    throw new MlflowError("NOT_IMPLEMENTED", "This server was started without artifact access");
  }
  return locations;
}

/** Lists `directory` (relative to the model's artifact root; the root itself when absent). */
export async function listModelArtifacts(
  locations: ArtifactLocations | undefined,
  rootUri: string,
  directory: string | undefined,
): Promise<FileInfoJson[]> {
  const relative = directory === undefined ? "" : safeArtifactPath(directory);
  const { store, base } = await need(locations).forRun(rootUri);
  const entries = await store.list(joinPath(base, relative));
  return entries.map((e) => ({
    path: joinPath(relative, e.name),
    is_dir: e.isDir,
    ...(e.isDir || e.fileSize === undefined ? {} : { file_size: e.fileSize }),
  }));
}

/** Streams one file of the model's artifacts as an attachment. */
export async function downloadModelArtifact(
  locations: ArtifactLocations | undefined,
  rootUri: string,
  file: string,
): Promise<Response> {
  const relative = safeArtifactPath(file);
  const { store, base } = await need(locations).forRun(rootUri);
  return fileResponse(await store.get(joinPath(base, relative)), relative);
}
