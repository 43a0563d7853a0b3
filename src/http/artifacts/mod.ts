/**
 * Artifact routes: the mlflow-artifacts proxy and the tracking service's run-artifact routes.
 *
 * @module
 */
import type { Hono } from "hono";
import { ArtifactLocations } from "../../artifacts/locations.ts";
import { openArtifactStore } from "../../artifacts/locations.ts";
import type { ArtifactStore } from "../../artifacts/store.ts";
import { mountArtifactProxy } from "./proxy_routes.ts";
import { mountRunArtifactRoutes, type RunLookup } from "./run_routes.ts";

export { mountArtifactProxy } from "./proxy_routes.ts";
export { mountRunArtifactRoutes, type RunLookup } from "./run_routes.ts";

/** What the artifact routes need. */
export interface ArtifactRouteDeps {
  /** The `--artifacts-destination` store; undefined with `--no-serve-artifacts`. */
  destination: ArtifactStore | undefined;
  runs: RunLookup;
  /** Resolves run artifact URIs (default: a new {@link ArtifactLocations} over `destination`). */
  locations?: ArtifactLocations;
}

/** Returns the mount function for all artifact routes. */
export function artifactRoutes(deps: ArtifactRouteDeps): (app: Hono) => void {
  const locations = deps.locations ?? new ArtifactLocations(deps.destination);
  return (app) => {
    mountArtifactProxy(app, deps.destination);
    mountRunArtifactRoutes(app, deps.runs, locations);
  };
}

/**
 * Opens the destination store from the server settings (only when serving artifacts) and returns
 * the mount function.
 */
export async function artifactRoutesFromConfig(
  config: { serveArtifacts: boolean; artifactsDestination: string },
  runs: RunLookup,
): Promise<(app: Hono) => void> {
  const destination = config.serveArtifacts
    ? await openArtifactStore(config.artifactsDestination)
    : undefined;
  return artifactRoutes({ destination, runs });
}
