/**
 * Route groups beyond tracking (artifacts, registry, ...), built from the configuration.
 *
 * @module
 */
import type { Hono } from "hono";
import type { Config } from "../config/config.ts";
import type { Stores } from "../store/stores.ts";

/** Returns the mount functions for the optional route groups. */
export function buildExtraRoutes(_config: Config, _stores: Stores): Promise<((app: Hono) => void)[]> {
  return Promise.resolve([]);
}
