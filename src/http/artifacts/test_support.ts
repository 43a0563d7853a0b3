/**
 * Helpers for the artifact route tests: an app with the artifact routes mounted the way
 * `createApp` mounts extra routes, a temporary local store, and a recursive directory listing.
 *
 * @module
 */
import { Hono } from "hono";
import { join } from "node:path";
import { LocalArtifactStore } from "../../artifacts/local_store.ts";
import type { ArtifactStore } from "../../artifacts/store.ts";
import { notFound } from "../../errors.ts";
import { notFoundRoute, onError } from "../on_error.ts";
import { artifactRoutes } from "./mod.ts";
import type { RunLookup } from "./run_routes.ts";

/** A run lookup over a fixed map of run id → artifact URI. */
export function fakeRuns(runs: Record<string, string> = {}): RunLookup {
  return {
    load(runId: string) {
      const uri = runs[runId];
      if (uri === undefined) return Promise.reject(notFound(`Run with id=${runId} not found`));
      return Promise.resolve({ record: { artifact_uri: uri } });
    },
  };
}

/** The artifact routes on an app with the server's error handling. */
export function artifactApp(
  destination: ArtifactStore | undefined,
  runs: RunLookup = fakeRuns(),
): Hono {
  const root = new Hono();
  const app = new Hono();
  artifactRoutes({ destination, runs })(app);
  root.route("", app);
  root.notFound(notFoundRoute);
  root.onError(onError);
  return root;
}

/** A temporary directory with a local store at `<tmp>/root`; removed afterwards. */
export async function withLocalStore(
  fn: (store: LocalArtifactStore, tmp: string) => Promise<void>,
): Promise<void> {
  const tmp = await Deno.realPath(await Deno.makeTempDir({ prefix: "artifacts-http-" }));
  try {
    const store = await LocalArtifactStore.open(join(tmp, "root"));
    await fn(store, tmp);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

/** Every path under `dir`, recursively, sorted (symlinks not followed). */
export async function tree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    out.push(rel);
    if (e.isDirectory) out.push(...(await tree(join(dir, e.name), rel)));
  }
  return out.sort();
}
