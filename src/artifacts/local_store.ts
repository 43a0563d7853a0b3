/**
 * Artifacts as files under a root directory (`--artifacts-destination ./dir`, the default).
 *
 * - Uploads stream into a temporary file under `<root>/.mlflow-upload-tmp/` and are renamed into
 *   place when complete, so no reader ever sees a partial file (the rename is atomic because the
 *   temporary directory is on the same filesystem). That directory is hidden from listings and
 *   cannot be addressed by clients; temporary files older than a day (left by a crash) are
 *   removed when the store opens.
 * - Downloads stream from the open file.
 * - Every path is checked with {@link resolveInsideRoot}: a symlink that leads outside the root
 *   makes the path invalid.
 * - Filesystem errors never reach a client with a server path in them: Deno's messages name the
 *   absolute path (`realpath '/srv/…'`), so {@link hideServerPaths} turns them into a 500
 *   `INTERNAL_ERROR` without it (the full error goes to the server log); a path too long for the
 *   filesystem is a 400 "Invalid path".
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { invalidParameter, MlflowError, notFound } from "../errors.ts";
import { invalidPath, isInside, resolveInsideRoot } from "./safe_path.ts";
import { type ArtifactEntry, type ArtifactObject, type ArtifactStore, basename } from "./store.ts";

/** The directory, directly under the root, that holds uploads in progress. */
export const UPLOAD_TMP_DIR = ".mlflow-upload-tmp";

const STALE_TMP_MS = 24 * 60 * 60 * 1000;
const COPY_BUFFER_SIZE = 1024 * 1024;

/** Options of {@link LocalArtifactStore.open}. */
export interface LocalStoreOptions {
  /** Create the root directory if it is missing (default true). */
  create?: boolean;
}

async function writeAll(file: Deno.FsFile, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) offset += await file.write(chunk.subarray(offset));
}

/**
 * Copies a stream into a file. Byte streams (request bodies) are read into one reused buffer,
 * which keeps the garbage, and so the RSS, of large uploads low.
 */
async function copyInto(body: ReadableStream<Uint8Array>, file: Deno.FsFile): Promise<void> {
  let reader: ReadableStreamBYOBReader;
  try {
    reader = body.getReader({ mode: "byob" });
  } catch {
    for await (const chunk of body) await writeAll(file, chunk);
    return;
  }
  try {
    let buffer = new ArrayBuffer(COPY_BUFFER_SIZE);
    while (true) {
      const { value, done } = await reader.read(new Uint8Array(buffer));
      if (done) break;
      await writeAll(file, value);
      buffer = value.buffer as ArrayBuffer;
    }
  } catch (e) {
    await reader.cancel(e).catch(() => {});
    throw e;
  } finally {
    reader.releaseLock();
  }
}

function isMissing(e: unknown): boolean {
  return e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory;
}

/**
 * `e` as it may be shown to a client: MLflow errors as they are; anything else (a filesystem
 * error whose message names an absolute path) as a 500 whose message has every quoted path and
 * the store root removed.
 */
export function hideServerPaths(e: unknown, root: string): unknown {
  if (e instanceof MlflowError) return e;
  // A path too long for the filesystem is the client's path: refused like any invalid path.
  if ((e as { code?: unknown })?.code === "ENAMETOOLONG") return invalidPath();
  console.error("Artifact store error:", e);
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  const message = text.replace(/'[^']*'/g, "'<path>'").replaceAll(root, "<artifact root>");
  return new MlflowError("INTERNAL_ERROR", `Artifact storage error: ${message}`);
}

/** Artifacts in a local directory. */
export class LocalArtifactStore implements ArtifactStore {
  private constructor(readonly location: string) {}

  /** Opens (and by default creates) the root directory `dir`. */
  static async open(dir: string, options: LocalStoreOptions = {}): Promise<LocalArtifactStore> {
    const abs = resolve(dir);
    try {
      return await LocalArtifactStore.openAt(abs, options);
    } catch (e) {
      throw hideServerPaths(e, abs);
    }
  }

  private static async openAt(
    abs: string,
    options: LocalStoreOptions,
  ): Promise<LocalArtifactStore> {
    if (options.create ?? true) await Deno.mkdir(abs, { recursive: true });
    let root = abs;
    try {
      root = await Deno.realPath(abs);
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
    const store = new LocalArtifactStore(root);
    await store.removeStaleUploads();
    return store;
  }

  private get tmpDir(): string {
    return join(this.location, UPLOAD_TMP_DIR);
  }

  /** Refuses paths into the upload directory; returns the checked absolute path. */
  private async target(path: string): Promise<string> {
    if (path === UPLOAD_TMP_DIR || path.startsWith(`${UPLOAD_TMP_DIR}/`)) throw invalidPath();
    return await resolveInsideRoot(this.location, path);
  }

  private async removeStaleUploads(): Promise<void> {
    try {
      for await (const entry of Deno.readDir(this.tmpDir)) {
        const file = join(this.tmpDir, entry.name);
        const info = await Deno.lstat(file);
        if (Date.now() - (info.mtime?.getTime() ?? 0) > STALE_TMP_MS) {
          await Deno.remove(file, { recursive: true }).catch(() => {});
        }
      }
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
  }

  private async putUnguarded(path: string, body: ReadableStream<Uint8Array> | null): Promise<void> {
    if (path === "") throw invalidPath();
    const target = await this.target(path);
    const parent = dirname(target);
    try {
      await Deno.mkdir(parent, { recursive: true });
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists || e instanceof Deno.errors.NotADirectory) {
        throw invalidParameter(`Cannot write artifact '${path}': a parent path is a file`);
      }
      throw e;
    }
    // Re-check after creating directories: write through the resolved parent only.
    const realParent = await Deno.realPath(parent);
    if (!isInside(this.location, realParent)) throw invalidPath();
    const destination = join(realParent, basename(target));
    try {
      if ((await Deno.lstat(destination)).isDirectory) {
        throw invalidParameter(`Cannot write artifact '${path}': it is a directory`);
      }
    } catch (e) {
      if (!isMissing(e)) throw e;
    }

    await Deno.mkdir(this.tmpDir, { recursive: true });
    const tmp = join(this.tmpDir, crypto.randomUUID());
    const file = await Deno.open(tmp, { write: true, createNew: true });
    try {
      try {
        if (body) await copyInto(body, file);
      } finally {
        file.close();
      }
      await Deno.rename(tmp, destination);
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      throw e;
    }
  }

  private async getUnguarded(path: string): Promise<ArtifactObject> {
    const target = await this.target(path);
    let real: string;
    try {
      real = await Deno.realPath(target);
    } catch (e) {
      if (isMissing(e)) throw notFound(`No such artifact: '${path}'`);
      throw e;
    }
    if (!isInside(this.location, real)) throw invalidPath();
    const file = await Deno.open(real, { read: true });
    let size: number;
    try {
      const info = await file.stat();
      if (info.isDirectory) throw invalidParameter(`Artifact path '${path}' is a directory`);
      size = info.size;
    } catch (e) {
      file.close();
      throw e;
    }
    return { body: file.readable, size };
  }

  private async listUnguarded(path: string): Promise<ArtifactEntry[]> {
    const target = await this.target(path);
    let real: string;
    try {
      real = await Deno.realPath(target);
    } catch (e) {
      if (isMissing(e)) return [];
      throw e;
    }
    if (!isInside(this.location, real)) throw invalidPath();
    if (!(await Deno.stat(real)).isDirectory) return [];
    const entries: ArtifactEntry[] = [];
    for await (const entry of Deno.readDir(real)) {
      if (path === "" && entry.name === UPLOAD_TMP_DIR) continue;
      let info: Deno.FileInfo;
      try {
        info = await Deno.stat(join(real, entry.name));
      } catch (e) {
        if (isMissing(e)) continue; // dangling symlink, or deleted meanwhile
        throw e;
      }
      entries.push(
        info.isDirectory
          ? { name: entry.name, isDir: true }
          : { name: entry.name, isDir: false, fileSize: info.size },
      );
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private async deleteUnguarded(path: string): Promise<void> {
    if (path === "") throw invalidPath();
    const target = await this.target(path);
    try {
      await Deno.remove(target, { recursive: true });
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
  }

  private async guard<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      throw hideServerPaths(e, this.location);
    }
  }

  put(path: string, body: ReadableStream<Uint8Array> | null): Promise<void> {
    return this.guard(() => this.putUnguarded(path, body));
  }

  get(path: string): Promise<ArtifactObject> {
    return this.guard(() => this.getUnguarded(path));
  }

  list(path: string): Promise<ArtifactEntry[]> {
    return this.guard(() => this.listUnguarded(path));
  }

  delete(path: string): Promise<void> {
    return this.guard(() => this.deleteUnguarded(path));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
