/**
 * The basic-auth guard, installed in front of every route when `--app-name basic-auth` is on.
 * For each request it finds the route's entry in `src/auth/route_permissions.ts`, then:
 *
 * 1. public entries pass; everything else needs HTTP Basic credentials of a known user, else 401
 *    with `WWW-Authenticate: Basic realm="mlflow"` (MLflow's body and header);
 * 2. admins pass; a served route without an entry is 403 for everyone else (unknown paths still
 *    reach the 404 the client's fallbacks rely on);
 * 3. the rule's resource level is checked (403 `Permission denied`), or, for a `drop` rule (the
 *    searches MLflow narrows instead of refusing), the request's read test is set
 *    (`src/http/visibility.ts`): the search's store skips the experiments the caller cannot read;
 * 4. after a success: the creator of an experiment or registered model gets MANAGE on it, renaming
 *    or deleting a registered model moves or removes its grants, and searches answer only what
 *    the caller may read.
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import type { User } from "../../auth/user_store.ts";
import { findRoute, normalizePath, requirements, type Rule } from "../../auth/route_permissions.ts";
import { rawMessage } from "../request.ts";
import { MlflowError } from "../../errors.ts";
import type { Access } from "./access.ts";
import type { Locator, Params } from "./locate.ts";
import { afterSuccess } from "./after.ts";
import { roleRouteAllowed } from "./role_guard.ts";
import { limitVisibility } from "../visibility.ts";
import { type ReadGate, setReadGate } from "../read_gate.ts";
import type { Refetch } from "./search_filter.ts";

/** What the guard needs. */
export interface GuardDeps {
  access: Access;
  locator: Locator;
  staticPrefix: string;
  /** True when the app serves `method path` (normalized); unknown paths fall through to 404. */
  served: (method: string, normalizedPath: string) => boolean;
  /** Calls the app's routes directly, for re-filling filtered search pages. */
  refetch: Refetch;
}

const AUTH_USER = "mlflowAuthUser";

/** The authenticated user of a request (set by the guard). */
export function authUser(c: Context): User | undefined {
  return c.get(AUTH_USER as never) as User | undefined;
}

/** MLflow's 401 answer. */
export function unauthenticated(): Response {
  return new Response(
    "You are not authenticated. Please see " +
      "https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow " +
      "on how to authenticate.",
    { status: 401, headers: { "WWW-Authenticate": 'Basic realm="mlflow"' } },
  );
}

/** MLflow's 403 answer. */
export function forbidden(): Response {
  return new Response("Permission denied", { status: 403 });
}

/** The user name and password of an `Authorization: Basic` header, or `undefined`. */
export function basicCredentials(
  header: string | undefined,
): { username: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header ?? "");
  if (!m) return undefined;
  let text: string;
  try {
    const bin = atob(m[1]!.replace(/-/g, "+").replace(/_/g, "/"));
    text = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(bin, (ch) => ch.charCodeAt(0)),
    );
  } catch {
    return undefined;
  }
  const colon = text.indexOf(":");
  if (colon < 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

const NEEDS_MESSAGE = new Set(["self", "resource", "roles"]);

/** Builds the guard. */
export function authGuard(deps: GuardDeps): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === "OPTIONS") return await next();
    const path = normalizePath(c.req.path, deps.staticPrefix);
    const route = findRoute(c.req.method, path);
    if (route?.rule.kind === "public") return await next();
    const creds = basicCredentials(c.req.header("authorization"));
    const user = creds && await deps.access.authenticate(creds.username, creds.password);
    if (!user) return unauthenticated();
    c.set(AUTH_USER as never, user as never);
    if (!route) {
      if (user.is_admin || !deps.served(c.req.method, path)) return await next();
      return forbidden();
    }
    const rule = route.rule;
    const needsParams = NEEDS_MESSAGE.has(rule.kind) ||
      route.pattern === "/mlflow/registered-models/rename" ||
      route.pattern === "/mlflow/registered-models/delete";
    // Artifact transfers and uploads name their resource in the path or the query: never read
    // the body.
    const params: Params = queryOnly(rule) ? c.req.query() : needsParams ? await rawMessage(c) : {};
    if (!user.is_admin) {
      if (rule.kind === "resource" && rule.drop) {
        limitVisibility(c, "grants", (id) => deps.access.can(user, "experiment", id, "READ"));
      } else if (!(await allowed(deps, user, rule, params, path, c.req.raw.headers))) {
        return forbidden();
      }
      setReadGate(c, readGateOf(deps, user));
    }
    await next();
    const innerPath = deps.staticPrefix && c.req.path.startsWith(deps.staticPrefix)
      ? c.req.path.slice(deps.staticPrefix.length)
      : c.req.path;
    await afterSuccess(
      c,
      deps.access,
      user,
      route.pattern,
      params,
      deps.refetch,
      innerPath,
      (name) => deps.locator.isPrompt(name),
      (name) => deps.locator.gatewayEndpointId(name),
    );
  };
}

function queryOnly(rule: Rule): boolean {
  return rule.kind === "resource" && (rule.via === "artifact_path" || rule.query === true);
}

/** What handlers that check reads themselves (`/graphql`) ask. */
function readGateOf(deps: GuardDeps, user: User): ReadGate {
  const can = async (via: "experiment_id" | "run_id" | "name", params: Params) => {
    try {
      const targets = await deps.locator.locate(via, params, "");
      if (!targets) return false;
      for (const t of targets) {
        if (!(await deps.access.can(user, t.type, t.id, "READ"))) return false;
      }
      return true;
    } catch (e) {
      // An unknown or malformed id reads as denied (MLflow's GraphQL middleware answers null).
      if (e instanceof MlflowError) return false;
      throw e;
    }
  };
  return {
    experiment: (id) => can("experiment_id", { experiment_id: id }),
    searchable: (id) => deps.access.can(user, "experiment", id, "READ"),
    run: (id) => can("run_id", { run_id: id }),
    registeredModel: (name) => can("name", { name }),
  };
}

async function allowed(
  deps: GuardDeps,
  user: User,
  rule: Rule,
  params: Params,
  path: string,
  headers: Headers,
): Promise<boolean> {
  switch (rule.kind) {
    case "public":
    case "authenticated":
      return true;
    case "admin":
      return false;
    case "self":
      return params.username === user.username;
    case "roles":
      return await roleRouteAllowed(deps.access, user, rule.check, params);
    case "resource": {
      if (rule.orSelf && params.username === user.username) return true;
      for (const { via, need } of requirements(rule)) {
        const targets = await deps.locator.locate(via, params, path, headers);
        if (targets === undefined) return false;
        for (const t of targets) {
          if (!(await deps.access.can(user, t.type, t.id, need))) return false;
        }
      }
      return true;
    }
  }
}
