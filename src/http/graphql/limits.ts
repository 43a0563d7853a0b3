/**
 * Size limits checked before a GraphQL operation runs, as `mlflow server`'s
 * `graphql_no_batching.py`: nesting depth at most 10, at most 1000 selected fields in all, at most
 * `MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS` (10) root fields and at most
 * `MLFLOW_SERVER_GRAPHQL_MAX_ALIASES` (10) aliases on one level. Fragments count where they are
 * spread (each fragment once per level, so cycles end). The messages are MLflow's.
 *
 * @module
 */
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  Kind,
  type SelectionSetNode,
} from "graphql";

const MAX_DEPTH = 10;
const MAX_SELECTIONS = 1000;

/** The limits that come from the environment. */
export interface GraphqlLimits {
  maxRootFields: number;
  maxAliases: number;
}

function envInt(v: string | undefined, fallback: number): number {
  const n = Number(v);
  return v !== undefined && Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Limits from `MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS` / `MLFLOW_SERVER_GRAPHQL_MAX_ALIASES`. */
export function limitsFromEnv(env: Record<string, string | undefined>): GraphqlLimits {
  return {
    maxRootFields: envInt(env.MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS, 10),
    maxAliases: envInt(env.MLFLOW_SERVER_GRAPHQL_MAX_ALIASES, 10),
  };
}

/** The fields of one level (fragments merged in) and how many of them are aliased. */
function levelFields(
  set: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
): { fields: FieldNode[]; aliases: number } {
  const fields: FieldNode[] = [];
  let aliases = 0;
  const seen = new Set<string>();
  const queue = [...set.selections];
  while (queue.length > 0) {
    const s = queue.shift()!;
    if (s.kind === Kind.FIELD) {
      fields.push(s);
      if (s.alias) aliases++;
    } else if (s.kind === Kind.INLINE_FRAGMENT) {
      queue.push(...s.selectionSet.selections);
    } else if (!seen.has(s.name.value)) {
      seen.add(s.name.value);
      const def = fragments.get(s.name.value);
      if (def) queue.push(...def.selectionSet.selections);
    }
  }
  return { fields, aliases };
}

/** The first limit `doc` breaks, as MLflow words it, or undefined. */
export function checkLimits(doc: DocumentNode, limits: GraphqlLimits): string | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  }
  let rootFields = 0;
  let maxAliases = 0;
  let total = 0;
  for (const d of doc.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    const stack: [SelectionSetNode, number][] = [[d.selectionSet, 1]];
    while (stack.length > 0) {
      const [set, depth] = stack.pop()!;
      if (depth > MAX_DEPTH) return `Query exceeds maximum depth of ${MAX_DEPTH}`;
      const { fields, aliases } = levelFields(set, fragments);
      for (const f of fields) {
        if (depth === 1) rootFields++;
        if (f.selectionSet) stack.push([f.selectionSet, depth + 1]);
        if (++total > MAX_SELECTIONS) {
          return `Query exceeds maximum total selections of ${MAX_SELECTIONS}`;
        }
      }
      maxAliases = Math.max(maxAliases, aliases);
    }
  }
  const over = (what: string, limit: number, got: number, env: string) =>
    `GraphQL queries should have at most ${limit} ${what}, got ${got} ${what}. ` +
    `To increase the limit, set the ${env} environment variable.`;
  if (rootFields > limits.maxRootFields) {
    return over(
      "root fields",
      limits.maxRootFields,
      rootFields,
      "MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS",
    );
  }
  if (maxAliases > limits.maxAliases) {
    return over("aliases", limits.maxAliases, maxAliases, "MLFLOW_SERVER_GRAPHQL_MAX_ALIASES");
  }
  return undefined;
}
