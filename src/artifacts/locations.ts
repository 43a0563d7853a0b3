/**
 * From artifact URIs to stores.
 *
 * - {@link openArtifactStore}: the store for an `--artifacts-destination` (a directory, `file://`
 *   URI or `s3://bucket/prefix`).
 * - {@link proxiedPath}: the destination-relative path of a proxied run artifact root, as MLflow's
 *   `_get_proxied_run_artifact_destination_path`: `mlflow-artifacts:/<exp>/<run>/artifacts` (or
 *   `mlflow-artifacts://host/…`) maps to `<destination>/<exp>/<run>/artifacts`, and so does an
 *   `http(s)://…/api/2.0/mlflow-artifacts/artifacts/<exp>/<run>/artifacts` root.
 * - {@link ArtifactLocations}: for the tracking-service routes (list, get-artifact) and the
 *   logged-model routes, the store and base path behind an `artifact_uri`, proxied or not. Every
 *   URI goes through `parseArtifactUri` (`artifact_uri.ts`) on every read.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { invalidParameter, MlflowError } from "../errors.ts";
import { LocalArtifactStore, type LocalStoreOptions } from "./local_store.ts";
import { S3ArtifactStore, type S3StoreOptions } from "./s3_store.ts";
import { parseArtifactUri } from "./artifact_uri.ts";
import type { ArtifactStore } from "./store.ts";

/** Options passed on to the store constructors. */
export interface OpenOptions {
  local?: LocalStoreOptions;
  s3?: S3StoreOptions;
}

/** Opens the store for a destination URI: `s3://…`, `file://…` or a plain directory path. */
export async function openArtifactStore(
  uri: string,
  options: OpenOptions = {},
): Promise<ArtifactStore> {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  if (scheme === "s3") return await S3ArtifactStore.open(uri, options.s3);
  if (scheme === "file") return await LocalArtifactStore.open(fileURLToPath(uri), options.local);
  if (scheme === undefined) return await LocalArtifactStore.open(uri, options.local);
  throw new MlflowError(
    "NOT_IMPLEMENTED",
    `Artifact URI scheme '${scheme}' is not supported by this server (use a directory or s3://)`,
  );
}

/**
 * The destination-relative path of a proxied artifact URI, or undefined when `uri` is not
 * proxied (a local path, `s3://`, …).
 *
 * @throws {MlflowError} 400 when `uri` is not a valid location ({@link parseArtifactUri})
 */
export function proxiedPath(uri: string): string | undefined {
  const parsed = parseArtifactUri(uri, "artifact_uri");
  return parsed.kind === "proxied" ? parsed.path : undefined;
}

/** A store and the path inside it that corresponds to a run's artifact root. */
export interface RunArtifactRoot {
  store: ArtifactStore;
  /** Store-relative, validated path of the run's artifact root. */
  base: string;
}

/** Resolves run artifact URIs to stores; caches the S3 stores it opens for direct URIs. */
export class ArtifactLocations {
  private readonly s3 = new Map<string, Promise<ArtifactStore>>();

  /**
   * @param destination the `--artifacts-destination` store, or undefined with
   *   `--no-serve-artifacts`
   */
  constructor(
    readonly destination: ArtifactStore | undefined,
    private readonly options: OpenOptions = {},
  ) {}

  /**
   * The store and base path behind `artifactUri`. The URI is parsed again here, on every read:
   * a location stored before validation existed (`file:///etc/#/…`) is refused with 400, and a
   * local root becomes its own store, whose paths cannot leave it.
   */
  async forRun(artifactUri: string): Promise<RunArtifactRoot> {
    const parsed = parseArtifactUri(artifactUri, "artifact_uri");
    if (parsed.kind === "proxied") {
      if (!this.destination) {
        throw invalidParameter(
          `The run's artifact root '${artifactUri}' is served through the artifact proxy, which this server runs without (--no-serve-artifacts)`,
        );
      }
      return { store: this.destination, base: parsed.path };
    }
    if (parsed.kind === "s3") {
      const bucket = parsed.root;
      let store = this.s3.get(bucket);
      if (!store) {
        store = S3ArtifactStore.open(`s3://${bucket}`, this.options.s3);
        this.s3.set(bucket, store);
        store.catch(() => this.s3.delete(bucket));
      }
      return { store: await store, base: parsed.path };
    }
    if (parsed.kind === "other") {
      throw new MlflowError(
        "NOT_IMPLEMENTED",
        `Artifact URI scheme '${parsed.scheme}' is not supported by this server (use a directory or s3://)`,
      );
    }
    // A directory of the server's filesystem: read it where it is, never create it.
    const store = await LocalArtifactStore.open(parsed.root, {
      ...this.options.local,
      create: false,
    });
    return { store, base: "" };
  }

  /** Closes the destination and every store opened here. */
  async close(): Promise<void> {
    const opened = await Promise.allSettled([...this.s3.values()]);
    for (const s of opened) if (s.status === "fulfilled") await s.value.close();
    this.s3.clear();
    await this.destination?.close();
  }
}
