/**
 * Bounded concurrency for fan-out work: at most `limit` calls of `fn` run at once, results keep
 * the input order. The one helper every fan-out read uses (batch gets, bulk histories, search
 * pools), so no request can fire hundreds of DynamoDB calls at once.
 *
 * @module
 */

/** The default concurrency of fan-out reads against DynamoDB. */
export const DEFAULT_POOL_LIMIT = 16;

/** Maps `items` through `fn` with at most `limit` calls in flight; the first failure rejects. */
export async function pooledMap<T, R>(
  items: Iterable<T>,
  fn: (item: T, index: number) => Promise<R>,
  limit: number = DEFAULT_POOL_LIMIT,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`pool limit ${limit} < 1`);
  const input = [...items];
  const out = new Array<R>(input.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < input.length) {
      const i = next++;
      try {
        out[i] = await fn(input[i]!, i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, input.length) }, worker));
  return out;
}
