/**
 * Searches answer only what the caller may read, and pages stay full: after filtering a page,
 * the guard asks the search for the next page with `max_results` set to exactly the number of
 * items still missing, so every item it gets fits and the returned page token continues right
 * after the last item kept (nothing is skipped, nothing repeated). At most
 * {@link MAX_REFILL_ROUNDS} extra pages per request bound the cost of a caller who can read little.
 *
 * @module
 */
import type { Context } from "hono";
import type { User } from "../../auth/user_store.ts";
import type { ResourceType } from "../../auth/permissions.ts";
import { pooledMap } from "../../util/pool.ts";
import { rawMessage } from "../request.ts";
import type { Access } from "./access.ts";

type Json = Record<string, unknown>;

/** Extra pages one filtered search may read to fill its page. */
export const MAX_REFILL_ROUNDS = 10;

/** The key of the listed items in a search answer. */
export type FilteredList = "experiments" | "registered_models" | "model_versions";

/** Calls the app's routes directly (no guard): `path` without the static prefix. */
export type Refetch = (path: string, init: RequestInit) => Promise<Response>;

/** Whether a registry name is a prompt, from the stored model (the locator's cached lookup). */
export type IsPrompt = (name: string) => Promise<boolean>;

async function readable(
  access: Access,
  user: User,
  list: FilteredList,
  items: unknown[],
  isPrompt: IsPrompt,
) {
  const keep = await pooledMap(items, async (item) => {
    const id = list === "experiments" ? (item as Json).experiment_id : (item as Json).name;
    // A prompt (or prompt version) is checked on its `prompt` grants, as MLflow 3.17.2 does: a
    // model's own stored tags say so; a version follows its model (its tags are its own).
    const type: ResourceType = list === "experiments"
      ? "experiment"
      : (list === "registered_models"
          ? isPromptAnswer(item as Json)
          : typeof id === "string" && await isPrompt(id))
      ? "prompt"
      : "registered_model";
    return typeof id === "string" ? access.can(user, type, id, "READ") : Promise.resolve(false);
  });
  return items.filter((_, i) => keep[i]);
}

async function nextPage(
  c: Context,
  refetch: Refetch,
  path: string,
  token: string,
  maxResults: number,
): Promise<Json | undefined> {
  let res: Response;
  const headers = { "content-type": "application/json" };
  if (c.req.method === "GET") {
    const url = new URL(c.req.url);
    url.searchParams.set("page_token", token);
    url.searchParams.set("max_results", String(maxResults));
    res = await refetch(`${path}?${url.searchParams}`, { method: "GET" });
  } else {
    const body = { ...await rawMessage(c), page_token: token, max_results: maxResults };
    res = await refetch(path, { method: c.req.method, headers, body: JSON.stringify(body) });
  }
  if (!res.ok) {
    await res.body?.cancel();
    return undefined;
  }
  return await res.json() as Json;
}

/** Replaces the answer of a search with its readable items, re-filled to a full page. */
export async function filterSearch(
  c: Context,
  access: Access,
  user: User,
  list: FilteredList,
  json: Json,
  refetch: Refetch,
  path: string,
  isPrompt: IsPrompt,
): Promise<void> {
  const items = json[list];
  if (!Array.isArray(items)) return;
  const kept = await readable(access, user, list, items, isPrompt);
  let token = json.next_page_token;
  // A page that has a next token was full: its length is the page size asked for.
  const target = items.length;
  for (let round = 0; round < MAX_REFILL_ROUNDS; round++) {
    if (kept.length >= target || typeof token !== "string" || token === "") break;
    const page = await nextPage(c, refetch, path, token, target - kept.length);
    if (!page) break;
    kept.push(...await readable(access, user, list, (page[list] as unknown[]) ?? [], isPrompt));
    token = page.next_page_token;
  }
  const out: Json = { ...json, [list]: kept };
  if (typeof token === "string" && token !== "") out.next_page_token = token;
  else delete out.next_page_token;
  const headers = new Headers(c.res.headers);
  headers.delete("content-length");
  c.res = new Response(JSON.stringify(out), { status: c.res.status, headers });
}

/** True when a registered model (or version) in an answer carries the prompt tag. */
export function isPromptAnswer(entity: Json | undefined): boolean {
  const tags = entity?.tags;
  if (!Array.isArray(tags)) return false;
  const tag = (tags as Json[]).findLast((t) => t.key === "mlflow.prompt.is_prompt");
  return typeof tag?.value === "string" && tag.value.toLowerCase() === "true";
}
