/**
 * A webhook receiver on loopback for the webhook tests: records every request (path, headers,
 * body) and answers by path: `/ok` 200, `/flaky` 503 until `failures` requests were answered
 * then 200, `/redirect` 302 to `/target`, `/status/<code>` that code.
 *
 * @module
 */

/** One request the receiver got. */
export interface Received {
  path: string;
  headers: Headers;
  body: string;
}

/** A running receiver. */
export interface Receiver {
  /** `http://127.0.0.1:<port>` */
  base: string;
  received: Received[];
  /** How many `/flaky` requests answer 503 before one answers 200. */
  failures: number;
  /** Resolves once `n` requests arrived on `path` (or rejects after `ms`). */
  waitFor(path: string, n: number, ms?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** Starts a receiver on 127.0.0.1 (a free port). */
export function startReceiver(): Receiver {
  const received: Received[] = [];
  let flakyAnswered = 0;
  const state = { failures: 2 };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    received.push({ path, headers: req.headers, body: await req.text() });
    if (path === "/flaky") {
      return flakyAnswered++ < state.failures
        ? new Response("busy", { status: 503 })
        : new Response("ok");
    }
    if (path === "/redirect") {
      return new Response(null, { status: 302, headers: { location: "/target" } });
    }
    const status = /^\/status\/(\d{3})$/.exec(path)?.[1];
    if (status) return new Response(`status ${status}`, { status: Number(status) });
    return new Response("received");
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    base,
    received,
    get failures() {
      return state.failures;
    },
    set failures(n: number) {
      state.failures = n;
    },
    async waitFor(path, n, ms = 10_000) {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const got = received.filter((r) => r.path === path);
        if (got.length >= n) return got;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`receiver: ${n} request(s) on ${path} did not arrive in ${ms} ms`);
    },
    async close() {
      await server.shutdown();
    },
  };
}
