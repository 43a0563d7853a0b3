/**
 * The artifact routes behind a real `Deno.serve` on loopback: request targets arrive verbatim
 * (no URL normalisation), so literal and `%2e`-encoded dot segments must be refused here.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { artifactApp, tree, withLocalStore } from "./test_support.ts";

const BASE = "/api/2.0/mlflow-artifacts/artifacts";

async function withServer(
  app: ReturnType<typeof artifactApp>,
  fn: (port: number) => Promise<void>,
): Promise<void> {
  const controller = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: controller.signal, onListen() {} },
    app.fetch,
  );
  try {
    await fn(server.addr.port);
  } finally {
    controller.abort();
    await server.finished;
  }
}

/** Sends one HTTP/1.1 request with the target exactly as given; returns status and body. */
async function rawRequest(
  port: number,
  method: string,
  target: string,
  body = "",
): Promise<{ status: number; body: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const head = `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
      `Content-Length: ${new TextEncoder().encode(body).length}\r\n\r\n`;
    await conn.write(new TextEncoder().encode(head + body));
    let text = "";
    const buf = new Uint8Array(16 * 1024);
    const decoder = new TextDecoder();
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += decoder.decode(buf.subarray(0, n), { stream: true });
    }
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
    return { status, body: text.slice(text.indexOf("\r\n\r\n") + 4) };
  } finally {
    conn.close();
  }
}

const RAW_TRAVERSALS = [
  "../../../outside/pwned.txt",
  "1/../../outside/pwned.txt",
  "1/run/../../../outside/pwned.txt",
  "%2e%2e/%2e%2e/outside/pwned.txt",
  "1/%2E%2E/%2e%2e/outside/pwned.txt",
  ".%2e/outside/pwned.txt",
  "..%2f..%2foutside%2fpwned.txt",
  "%252e%252e/outside/pwned.txt",
  "%2fetc%2fpwned",
  "..%5c..%5coutside%5cpwned.txt",
  "a%00b",
];

Deno.test("served: dot segments in the request target are refused with 400", async () => {
  await withLocalStore(async (store, tmp) => {
    await Deno.mkdir(join(tmp, "outside"));
    const before = await tree(tmp);
    await withServer(artifactApp(store), async (port) => {
      for (const p of RAW_TRAVERSALS) {
        for (const method of ["PUT", "GET", "DELETE"]) {
          const res = await rawRequest(
            port,
            method,
            `${BASE}/${p}`,
            method === "PUT" ? "pwned" : "",
          );
          assert.equal(res.status, 400, `${method} ${p}: ${res.body}`);
          assert.deepEqual(JSON.parse(res.body), {
            error_code: "INVALID_PARAMETER_VALUE",
            message: "Invalid path",
          });
        }
        const list = await rawRequest(port, "GET", `${BASE}?path=${p}`);
        assert.equal(list.status, 400, `list ${p}`);
        const runList = await rawRequest(port, "GET", `/get-artifact?run_id=x&path=${p}`);
        assert.equal(runList.status, 400, `get-artifact ${p}`);
      }
    });
    assert.deepEqual(await tree(tmp), before, "nothing was created anywhere");
  });
});

Deno.test("served: a streamed upload and download over a socket, and an aborted download", async () => {
  await withLocalStore(async (store) => {
    await withServer(artifactApp(store), async (port) => {
      const url = `http://127.0.0.1:${port}${BASE}/1/r/artifacts/blob.bin`;
      const chunk = new Uint8Array(64 * 1024).fill(7);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent === 64) return c.close();
          sent++;
          c.enqueue(chunk);
        },
      });
      let res = await fetch(url, { method: "PUT", body });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {});

      res = await fetch(url);
      assert.equal(res.headers.get("content-length"), String(64 * chunk.length));
      let total = 0;
      for await (const part of res.body!) total += part.length;
      assert.equal(total, 64 * chunk.length);

      // The client goes away after the first chunk: the server must release the file.
      res = await fetch(url);
      const reader = res.body!.getReader();
      await reader.read();
      await reader.cancel();
    });
  });
});
