/**
 * Helpers shared by the key modules of `src/keys/` and by nothing else: not re-exported by
 * `key_schema.ts`, so the public key API is exactly what it was before the split.
 *
 * @module
 */
import { DEFAULT_WORKSPACE } from "../util/workspace_context.ts";

/** Width of a padded number inside a key (`padNumber` in `names.ts`). */
export const NUMBER_WIDTH = 20;

/** UTF-8 encoder for measuring key bytes. */
export const encoder = new TextEncoder();

/**
 * A workspace's part of a listing partition or name guard: nothing for `default` (so a server
 * without workspaces, and data written before them, has exactly today's keys), else `@<ws>`.
 * Workspace names are `[a-z0-9-]` without `#` or `@`, so `<PREFIX>@<ws>#<name>` can never equal
 * a default-workspace key `<PREFIX>#<name>` and two workspaces never share a key.
 */
export function inWorkspace(prefix: string, workspace: string): string {
  return workspace === DEFAULT_WORKSPACE ? prefix : `${prefix}@${workspace}`;
}
