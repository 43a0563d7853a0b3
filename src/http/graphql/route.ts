/**
 * `GET|POST <prefix>/graphql`, the endpoint the web UI's Apollo client calls: a JSON body
 * `{query, variables, operationName}` (GET may also pass them as query parameters), answered as
 * `mlflow server` answers: HTTP 200 with `{"data": …, "errors": [<message>, …] | null}`, errors
 * as plain strings. Limits (`limits.ts`) are checked before execution. A body that is not a
 * GraphQL request at all (no query, unparsable JSON, a syntax error) is a 400
 * `INVALID_PARAMETER_VALUE` (MLflow answers those with a 500). Under basic-auth, `gate.ts` checks
 * each operation against the resources it names.
 *
 * @module
 */
import type { Context, Hono } from "hono";
import { execute, type GraphQLSchema, parse, validate } from "graphql";
import { invalidParameter } from "../../errors.ts";
import { checkLimits, type GraphqlLimits } from "./limits.ts";
import { fieldResolver, type GraphqlContext, type GraphqlDeps, rootValue } from "./resolvers.ts";
import { mlflowSchema } from "./schema.ts";
import { guardedRoot } from "./gate.ts";
import { readGate } from "../read_gate.ts";
import { visibleExperiments } from "../visibility.ts";

interface GraphqlRequest {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

async function readRequest(c: Context): Promise<GraphqlRequest> {
  const text = await c.req.text();
  if (text.trim() !== "") {
    try {
      const body = JSON.parse(text);
      if (body && typeof body === "object" && !Array.isArray(body)) return body;
    } catch {
      // fall through
    }
    throw invalidParameter("GraphQL requests must be a JSON object with a 'query' string");
  }
  const q = c.req.query();
  let variables: unknown = undefined;
  if (q.variables) {
    try {
      variables = JSON.parse(q.variables);
    } catch {
      throw invalidParameter("'variables' must be a JSON object");
    }
  }
  return { query: q.query, variables, operationName: q.operationName };
}

/** Mounts `/graphql` (relative to the static prefix). */
export function mountGraphql(app: Hono, deps: GraphqlDeps, limits: GraphqlLimits): void {
  const schema: GraphQLSchema = mlflowSchema();
  const root = rootValue(deps);
  app.on(["GET", "POST"], "/graphql", async (c) => {
    const req = await readRequest(c);
    if (typeof req.query !== "string" || req.query.trim() === "") {
      throw invalidParameter("GraphQL requests must have a 'query' string");
    }
    if (
      req.variables != null && (typeof req.variables !== "object" || Array.isArray(req.variables))
    ) {
      throw invalidParameter("'variables' must be a JSON object");
    }
    let document;
    try {
      document = parse(req.query);
    } catch (e) {
      throw invalidParameter(e instanceof Error ? e.message : String(e));
    }
    const tooBig = checkLimits(document, limits);
    if (tooBig) return c.json({ data: null, errors: [tooBig] });
    const invalid = validate(schema, document);
    if (invalid.length > 0) return c.json({ data: null, errors: invalid.map((e) => e.message) });
    // Under basic-auth a non-admin's operations are checked against what they name.
    const gate = readGate(c);
    const result = await execute({
      schema,
      document,
      rootValue: gate ? guardedRoot(root, gate) : root,
      // The searches read only the experiments the REST searches would (another workspace's
      // ids dropped), as MLflow's workspace-aware store filters them.
      contextValue: { visible: visibleExperiments(c) } satisfies GraphqlContext,
      fieldResolver,
      variableValues: (req.variables ?? undefined) as Record<string, unknown> | undefined,
      operationName: typeof req.operationName === "string" ? req.operationName : undefined,
    });
    return c.json({
      data: result.data ?? null,
      errors: result.errors?.length ? result.errors.map((e) => e.message) : null,
    });
  });
}
