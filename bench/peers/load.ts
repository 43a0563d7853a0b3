/**
 * The load generator of the peer benchmark: `clients` concurrent loops call one operation for a
 * fixed time (and at most `maxRequests` times in all) and report requests per second, latency
 * percentiles and errors. Loopback only; every request has a timeout.
 *
 * @module
 */

/** One server under test, as the workload sees it. */
export interface Target {
  base: string;
}

/** The outcome of one operation against one server. */
export interface OpResult {
  requests: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
  firstError?: string;
  /** DynamoDB calls, RCU and WCU per request (metered runs only). */
  meter?: { calls: number; rcu: number; wcu: number };
}

const REQUEST_TIMEOUT_MS = 30_000;

/** POSTs JSON (or GETs with a query) and returns the parsed body; throws on a non-2xx answer. */
export async function call(
  t: Target,
  method: "GET" | "POST",
  path: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  let url = `${t.base}/api/2.0/mlflow/${path}`;
  const init: RequestInit = { method, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
  if (method === "GET") {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(body)) q.set(k, String(v));
    url += `?${q}`;
  } else {
    init.body = JSON.stringify(body);
    init.headers = { "content-type": "application/json" };
  }
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : {};
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * Runs `op` from `clients` loops for `seconds` (bounded by `maxRequests`); `op(i)` gets a
 * sequence number unique across clients.
 */
export async function runLoad(
  clients: number,
  seconds: number,
  maxRequests: number,
  op: (seq: number) => Promise<void>,
): Promise<OpResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let seq = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline && seq < maxRequests) {
      const n = seq++;
      const t0 = performance.now();
      try {
        await op(n);
      } catch (e) {
        errors++;
        firstError ??= e instanceof Error ? e.message : String(e);
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: clients }, loop));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds: elapsed,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    ...(firstError ? { firstError } : {}),
  };
}

/** Runs `tasks` with at most `limit` in flight (seeding). */
export async function inParallel(
  count: number,
  limit: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}
