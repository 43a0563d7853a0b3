/**
 * MLflow 3.17.2's run search under basic-auth (`filter_experiment_ids`, called by
 * `search_runs_impl`): no permission check refuses it; the experiments the caller may not read
 * leave `experiment_ids` before the search runs, so it answers for the rest. The guard does the
 * same by rewriting the JSON body before the handler reads it; when every id goes, one id no
 * experiment has ({@link NO_EXPERIMENT}) stands in, so the answer is an empty page (MLflow's
 * store searches no experiment) and never a search of whatever an empty list would mean.
 * Logged-model search uses it too: MLflow filters its rows after the fact by the same reads.
 *
 * @module
 */
import type { Context } from "hono";
import type { User } from "../../auth/user_store.ts";
import { pooledMap } from "../../util/pool.ts";
import { readJsonText, replaceJsonText } from "../middleware/body_limit.ts";
import { NO_EXPERIMENT } from "../workspaces/scope_guard.ts";
import type { Access } from "./access.ts";
import type { Params } from "./locate.ts";

/** Drops the `experiment_ids` of `params` that `user` may not read from the request's body. */
export async function dropUnreadable(
  c: Context,
  access: Access,
  user: User,
  params: Params,
): Promise<void> {
  const ids = Array.isArray(params.experiment_ids) ? params.experiment_ids : [];
  if (ids.length === 0) return;
  const readable = await pooledMap(
    ids,
    // A malformed id stays: the handler answers it with MLflow's 400.
    async (id) => typeof id !== "string" || await access.can(user, "experiment", id, "READ"),
  );
  if (readable.every(Boolean)) return;
  let parsed: unknown = JSON.parse(await readJsonText(c));
  if (typeof parsed === "string") parsed = JSON.parse(parsed); // encoded twice (MLflow takes it)
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return;
  const kept = ids.filter((_, i) => readable[i]);
  replaceJsonText(
    c,
    JSON.stringify({ ...parsed, experiment_ids: kept.length > 0 ? kept : [NO_EXPERIMENT] }),
  );
}
