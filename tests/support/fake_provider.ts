/**
 * A fake LLM provider on loopback for the AI Gateway invocation tests: records every request
 * (path, headers, JSON body) and answers with what the test set for the path (JSON, an event
 * stream, an error status or a delay).
 */

/** One request the provider received. */
export interface SeenRequest {
  path: string;
  search: string;
  headers: Record<string, string>;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** What the provider answers on one path. */
export type Answer =
  | { json: unknown; status?: number; delayMs?: number }
  | { sse: string[] }
  | { text: string; status: number; type?: string };

/** A running fake provider. */
export interface FakeProvider {
  url: string;
  seen: SeenRequest[];
  answer(path: string, a: Answer): void;
}

/** Runs `fn` with a fake provider, stopping it afterwards. */
export async function withFakeProvider(fn: (p: FakeProvider) => Promise<void>): Promise<void> {
  const seen: SeenRequest[] = [];
  const answers = new Map<string, Answer>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const text = await req.text();
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => (headers[k] = v));
    seen.push({
      path: url.pathname,
      search: url.search,
      headers,
      body: text ? JSON.parse(text) : null,
    });
    const a = answers.get(url.pathname);
    if (!a) return new Response("no such path", { status: 404 });
    if ("sse" in a) {
      return new Response(a.sse.map((d) => `data: ${d}\n\n`).join(""), {
        headers: { "content-type": "text/event-stream" },
      });
    }
    if ("text" in a) {
      return new Response(a.text, {
        status: a.status,
        headers: { "content-type": a.type ?? "text/plain" },
      });
    }
    if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
    return Response.json(a.json, { status: a.status ?? 200 });
  });
  try {
    await fn({
      url: `http://127.0.0.1:${server.addr.port}`,
      seen,
      answer: (path, a) => answers.set(path, a),
    });
  } finally {
    await server.shutdown();
  }
}
