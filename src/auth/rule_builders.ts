/**
 * The small constructors of the route table's rules (`route_permissions.ts` and its area files),
 * kept apart so an area file can build rules without importing the table itself.
 *
 * @module
 */
import type { Need } from "./permissions.ts";
import type { Requirement, Rule, Via } from "./route_permissions.ts";

/** No authentication (liveness, version). */
export const pub: Rule = { kind: "public" };
/** Any authenticated user. */
export const anyUser: Rule = { kind: "authenticated" };
/** Admins only. */
export const admin: Rule = { kind: "admin" };
/** A level on the resource `via` names, with further requirements that must hold too. */
export const on = (via: Via, need: Need, ...and: Requirement[]): Rule =>
  and.length > 0 ? { kind: "resource", via, need, and } : { kind: "resource", via, need };
/** One further requirement of {@link on}. */
export const req = (via: Via, need: Need): Requirement => ({ via, need });
/** A role (RBAC) route. */
export const roles = (check: "manage" | "view" | "list" | "user_roles"): Rule => ({
  kind: "roles",
  check,
});
/** Never refused: what the caller cannot reach at the rule's level leaves the request. */
export const dropping = (rule: Rule): Rule => ({ ...rule, drop: true }) as Rule;
/** Parameters from the query only (the body is an upload or a stream). */
export const fromQuery = (rule: Rule): Rule => ({ ...rule, query: true }) as Rule;
