/**
 * Copies a run's artifacts: the tree is listed with `artifacts/list` and each file streamed from
 * the old server's `get-artifact` (which serves any artifact backend the old server reads) into
 * this server's artifact store, hashed (SHA-256) on the way, so memory stays bounded whatever the
 * file size. Each file is checkpointed with its checksum; the verification re-reads the copies.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { joinPath } from "../artifacts/store.ts";
import type { ImportContext } from "./context.ts";

interface WireFile {
  path: string;
  is_dir?: boolean;
  file_size?: number | string;
}

/** Where a tree of artifacts lives on the source: a run's or a logged model's. */
export interface SourceTree {
  /** The checkpoint prefix of its files (`run:<id>`, `model:<id>`). */
  id: string;
  list(
    path: string,
    token: string | undefined,
  ): Promise<{ files?: WireFile[]; next_page_token?: string }>;
  get(path: string): Promise<Response>;
}

/** A run's artifacts, through `artifacts/list` and `get-artifact`. */
export function runTree(ctx: ImportContext, runId: string): SourceTree {
  return {
    id: `run:${runId}`,
    list: (path, token) =>
      ctx.src.get("/api/2.0/mlflow/artifacts/list", {
        run_id: runId,
        ...(path ? { path } : {}),
        page_token: token,
      }),
    get: (path) => ctx.src.fetch("/get-artifact", { run_id: runId, path }),
  };
}

/** A logged model's artifacts, through its `artifacts/directories` and `artifacts/files`. */
export function modelTree(ctx: ImportContext, modelId: string): SourceTree {
  const base = `/logged-models/${encodeURIComponent(modelId)}/artifacts`;
  return {
    id: `model:${modelId}`,
    list: (path, token) =>
      ctx.src.get(`/api/2.0/mlflow${base}/directories`, {
        ...(path ? { artifact_directory_path: path } : {}),
        page_token: token,
      }),
    get: (path) => ctx.src.fetch(`/ajax-api/2.0/mlflow${base}/files`, { artifact_file_path: path }),
  };
}

/** Every file path of a tree on the source, depth first. */
export async function* listSourceArtifacts(
  ctx: ImportContext,
  tree: SourceTree,
  path = "",
): AsyncGenerator<string> {
  const dirs: string[] = [];
  for await (
    const f of ctx.src.pages<WireFile>(async (token) => {
      const r = await tree.list(path, token);
      return { items: r.files ?? [], next: r.next_page_token };
    })
  ) {
    if (f.is_dir) dirs.push(f.path);
    else yield f.path;
  }
  for (const d of dirs) yield* listSourceArtifacts(ctx, tree, d);
}

/** A stream that passes bytes through and feeds them to `hash`. */
export function hashing(
  hash: ReturnType<typeof createHash>,
): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      hash.update(chunk);
      controller.enqueue(chunk);
    },
  });
}

/** SHA-256 (hex) of a stream, read to its end. */
export async function sha256Of(body: ReadableStream<Uint8Array>): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of body) hash.update(chunk);
  return hash.digest("hex");
}

/** Copies a tree's files under `targetUri`; returns path → checksum of the source bytes. */
export async function copyTree(
  ctx: ImportContext,
  tree: SourceTree,
  targetUri: string,
): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  const { store, base } = await ctx.artifacts.forRun(targetUri);
  for await (const path of listSourceArtifacts(ctx, tree)) {
    const key = `art:${tree.id}/${path}`;
    const known = ctx.checkpoint.get<string>(key);
    if (known) {
      sums[path] = known;
      continue;
    }
    const res = await tree.get(path);
    const hash = createHash("sha256");
    const body = res.body ?? new Blob([]).stream();
    await store.put(joinPath(base, path), body.pipeThrough(hashing(hash)));
    sums[path] = hash.digest("hex");
    await ctx.checkpoint.mark(key, sums[path]);
  }
  return sums;
}
