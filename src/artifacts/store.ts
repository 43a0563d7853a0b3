/**
 * The artifact store port: where proxied artifacts (`mlflow-artifacts:/…`) live.
 *
 * Every path given to a store is a validated, normalised, `/`-separated path relative to the
 * store's root (see `safe_path.ts`); `""` is the root itself. Stores never see raw client input.
 *
 * Bodies are web streams in both directions, so a store can move artifacts of any size in bounded
 * memory.
 *
 * @module
 */

/** One entry of a directory listing. */
export interface ArtifactEntry {
  /** The entry's basename. */
  name: string;
  isDir: boolean;
  /** Size in bytes; files only. */
  fileSize?: number;
}

/** An artifact opened for reading. */
export interface ArtifactObject {
  /** The content; cancel it to release the underlying file or connection early. */
  body: ReadableStream<Uint8Array>;
  /** Size in bytes. */
  size: number;
}

/** Options of {@link ArtifactStore.put}. */
export interface PutOptions {
  /** The content type the client sent (stores that keep metadata record it). */
  contentType?: string;
}

/** A presigned URL for one part of a multipart upload. */
export interface MultipartCredential {
  url: string;
  partNumber: number;
  headers: Record<string, string>;
}

/** A part the client uploaded, as reported back on completion. */
export interface UploadedPart {
  partNumber: number;
  etag: string;
}

/**
 * Multipart uploads with presigned part URLs: the client uploads the parts directly to the
 * storage service, then asks the server to complete (or abort) the upload.
 */
export interface MultipartSupport {
  create(
    path: string,
    numParts: number,
  ): Promise<{ uploadId: string; credentials: MultipartCredential[] }>;
  complete(path: string, uploadId: string, parts: UploadedPart[]): Promise<void>;
  abort(path: string, uploadId: string): Promise<void>;
}

/** Storage for artifacts. */
export interface ArtifactStore {
  /** Where the store keeps artifacts, for messages and docs (`/abs/dir`, `s3://bucket/prefix`). */
  readonly location: string;

  /**
   * Writes `body` (null = empty file) to `path`, replacing any file there. Readers never see a
   * partial file: the artifact appears only once the body has been completely stored.
   */
  put(path: string, body: ReadableStream<Uint8Array> | null, options?: PutOptions): Promise<void>;

  /** Opens the file at `path`; 404 `RESOURCE_DOES_NOT_EXIST` if there is none. */
  get(path: string): Promise<ArtifactObject>;

  /**
   * Lists the entries directly under the directory `path`, sorted by name. A missing directory
   * or a file gives an empty list.
   */
  list(path: string): Promise<ArtifactEntry[]>;

  /** Deletes the file or the whole directory at `path`; a missing path is not an error. */
  delete(path: string): Promise<void>;

  /** Present when the store supports multipart uploads with presigned part URLs. */
  readonly multipart?: MultipartSupport;

  /** Releases clients and handles. */
  close(): Promise<void>;
}

/** Joins store-relative paths, skipping empty parts. */
export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== "").join("/");
}

/** The last segment of a store path. */
export function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
