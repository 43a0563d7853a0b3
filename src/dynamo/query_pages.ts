/**
 * The one way the store reads a Query: every call states its page policy, so no read can
 * silently stop at DynamoDB's 1 MB page (the bug that made big runs answer 404).
 *
 * - `{ pages: "all" }` reads to the end (optionally stopping once `maxItems` are in hand);
 * - `{ pages: n }` reads at most `n` pages and hands back the cursor, which the caller must
 *   either pass on (a page token) or treat as "more exists".
 *
 * Raw `port.query(` is allowed only in this folder (`tests/unit/layers_test.ts` checks it).
 *
 * @module
 */
import type { AttributeValue, QueryCommandInput } from "@aws-sdk/client-dynamodb";
import type { DynamoPort } from "./port.ts";

/** A raw DynamoDB item. */
type RawItem = Record<string, AttributeValue>;

/** How many pages a Query may read. */
export interface PagePolicy {
  /** `"all"` to read to the end, or the most pages to read. */
  pages: "all" | number;
  /** Stop once this many items are in hand (the last page is kept whole). */
  maxItems?: number;
}

/** Items read and where to resume (`undefined` when the Query reached its end). */
export interface QueryResult {
  items: RawItem[];
  lastEvaluatedKey: RawItem | undefined;
  /** Pages actually read. */
  pagesRead: number;
}

/** Yields the pages of a Query one at a time, as DynamoDB returns them. */
export async function* queryPages(
  port: DynamoPort,
  input: QueryCommandInput,
  policy: PagePolicy,
): AsyncGenerator<{ items: RawItem[]; lastEvaluatedKey: RawItem | undefined }> {
  const maxPages = policy.pages === "all" ? Infinity : policy.pages;
  if (!(maxPages >= 1)) throw new RangeError(`page policy needs at least one page`);
  let start: RawItem | undefined = input.ExclusiveStartKey;
  for (let page = 0; page < maxPages; page++) {
    const res = await port.query({ ...input, ExclusiveStartKey: start });
    start = res.LastEvaluatedKey;
    yield { items: res.Items ?? [], lastEvaluatedKey: start };
    if (!start) return;
  }
}

/** Reads a Query under `policy` and returns its items and the cursor where it stopped. */
export async function query(
  port: DynamoPort,
  input: QueryCommandInput,
  policy: PagePolicy,
): Promise<QueryResult> {
  const items: RawItem[] = [];
  let lastEvaluatedKey: RawItem | undefined;
  let pagesRead = 0;
  for await (const page of queryPages(port, input, policy)) {
    pagesRead++;
    items.push(...page.items);
    lastEvaluatedKey = page.lastEvaluatedKey;
    if (policy.maxItems !== undefined && items.length >= policy.maxItems) break;
  }
  return { items, lastEvaluatedKey, pagesRead };
}
