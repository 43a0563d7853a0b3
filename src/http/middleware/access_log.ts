/**
 * Per-request observation: a request id (the caller's `X-Request-Id` when it is a plain token,
 * else a fresh one) returned as the `X-Request-Id` response header, the request's DynamoDB cost
 * opened as the current {@link RequestCost}, and, once the answer is ready, one access-log line
 * and the observers (Prometheus metrics) called with the finished request.
 *
 * The log line is `text` (human-readable, one line) or `json` (one object per line); `/health`
 * and `/ready` are not logged (probes would drown the log).
 *
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes, routePath } from "hono/route";
import { emptyCost, type RequestCost, withRequestCost } from "../../util/request_cost.ts";

/** Access-log line formats (`--log-format`). */
export type LogFormat = "text" | "json";

/** One finished request. */
export interface RequestRecord {
  requestId: string;
  method: string;
  path: string;
  /** The route pattern that answered (`/api/2.0/mlflow/runs/get`), or `unmatched`. */
  route: string;
  status: number;
  latencyMs: number;
  cost: RequestCost;
}

/** What {@link observeRequests} does with each finished request. */
export interface ObserveOptions {
  /** Access-log format; unset → no access log. */
  logFormat?: LogFormat;
  /** Where log lines go (default `console.log`). */
  write?: (line: string) => void;
  /** Called for every finished request, quiet paths included. */
  observers?: ((r: RequestRecord) => void)[];
  /** `--static-prefix`, stripped before the quiet-path check. */
  staticPrefix?: string;
}

const QUIET = new Set(["/health", "/ready"]);
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The route pattern that answered `c`, or `unmatched` when only middleware matched. */
export function answeringRoute(c: Context): string {
  const route = matchedRoutes(c)[c.req.routeIndex];
  if (!route || (route.method === "ALL" && route.path.includes("*"))) return "unmatched";
  return routePath(c);
}

/** Formats one access-log line. */
export function formatLine(r: RequestRecord, format: LogFormat, now = new Date()): string {
  const rcu = round(r.cost.rcu);
  const wcu = round(r.cost.wcu);
  const ms = round(r.latencyMs);
  if (format === "json") {
    return JSON.stringify({
      time: now.toISOString(),
      request_id: r.requestId,
      method: r.method,
      path: r.path,
      route: r.route,
      status: r.status,
      latency_ms: ms,
      dynamodb_calls: r.cost.calls,
      rcu,
      wcu,
      throttles: r.cost.throttles,
      retries: r.cost.retries,
    });
  }
  return `${now.toISOString()} ${r.method} ${r.path} ${r.status} ${ms}ms` +
    ` route=${r.route} ddb_calls=${r.cost.calls} rcu=${rcu} wcu=${wcu}` +
    (r.cost.throttles ? ` throttles=${r.cost.throttles}` : "") +
    (r.cost.retries ? ` retries=${r.cost.retries}` : "") +
    ` request_id=${r.requestId}`;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** The middleware; mount it first on the root app so refusals are logged too. */
export function observeRequests(opts: ObserveOptions): MiddlewareHandler {
  const write = opts.write ?? ((line: string) => console.log(line));
  const prefix = opts.staticPrefix ?? "";
  return async (c, next) => {
    const start = performance.now();
    const given = c.req.header("x-request-id");
    const requestId = given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    const cost = emptyCost();
    await withRequestCost(cost, () => next());
    try {
      c.res.headers.set("X-Request-Id", requestId);
    } catch {
      // immutable headers (a passed-through fetch Response): the log still has the id
    }
    const record: RequestRecord = {
      requestId,
      method: c.req.method,
      path: c.req.path,
      route: answeringRoute(c),
      status: c.res.status,
      latencyMs: performance.now() - start,
      cost,
    };
    for (const observe of opts.observers ?? []) observe(record);
    const bare = prefix && record.path.startsWith(prefix)
      ? record.path.slice(prefix.length)
      : record.path;
    if (opts.logFormat && !QUIET.has(bare)) write(formatLine(record, opts.logFormat));
  };
}
