/**
 * The issue search grammar (`SearchIssuesUtils`): attributes `status` and `source_run_id`,
 * comparators `=` and `!=`, AND-only. As in MLflow's SQL store, an unset attribute (NULL)
 * matches neither comparator.
 *
 * @module
 */
import { invalidParameter } from "../errors.ts";
import { sqlCompare } from "./comparators.ts";
import { filterComparisons, stripQuotes, unquoteKey } from "./filter_syntax.ts";
import { type Node, nodeText } from "./grouping.ts";

/** One parsed issue filter comparison. */
export interface IssueClause {
  key: "status" | "source_run_id";
  comparator: "=" | "!=";
  value: string;
}

const KEYS = "{'status', 'source_run_id'}";

/** Parses an issue filter string (MLflow's messages on bad input). */
export function parseIssueFilter(filter: string | undefined): IssueClause[] {
  if (!filter) return [];
  return filterComparisons(filter, "plain").map((parts) => {
    if (parts.length !== 3) {
      throw invalidParameter(`Invalid comparison: expected 3 tokens, got ${parts.length}`);
    }
    const key = unquoteKey(nodeText(parts[0] as Node)).trim();
    if (key !== "status" && key !== "source_run_id") {
      throw invalidParameter(`Invalid filter field '${key}'. Supported fields: ${KEYS}`);
    }
    const comparator = nodeText(parts[1] as Node).toUpperCase();
    if (comparator !== "=" && comparator !== "!=") {
      throw invalidParameter(
        `Invalid comparator '${comparator}'. Supported comparators: {'=', '!='}`,
      );
    }
    return { key, comparator, value: stripQuotes(nodeText(parts[2] as Node), false).trim() };
  });
}

/** True when the issue's attributes satisfy every clause. */
export function matchIssue(
  clauses: readonly IssueClause[],
  issue: { status: string; source_run_id?: string },
): boolean {
  return clauses.every((c) => sqlCompare(issue[c.key], c.comparator, c.value));
}
