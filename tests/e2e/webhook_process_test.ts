/**
 * Webhook delivery survives the real server process dying: `main.ts` on the embedded engine
 * enqueues an event while the receiver is down (the first attempt fails and a retry waits in the
 * table), is killed with `kill -9`, and the restarted server delivers the event to the receiver,
 * now up, exactly once.
 */
import assert from "node:assert/strict";
import { freePort } from "../support/background_service.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function start(dataDir: string): Promise<{ url: string; child: Deno.ChildProcess }> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      MAIN,
      "--port",
      String(port),
      "--backend-store-uri",
      `embedded:${dataDir}/db`,
      "--artifacts-destination",
      `${dataDir}/artifacts`,
      "--webhooks-allow-private",
    ],
    env: {
      MLFLOW_WEBHOOK_ALLOWED_SCHEMES: "http",
      MLFLOW_WEBHOOK_RETRY_BACKOFF_SECONDS: "3",
      MLFLOW_WEBHOOK_POLL_SECONDS: "0.1",
      // A claim cut short by kill -9 expires after timeout + 10 s.
      MLFLOW_WEBHOOK_REQUEST_TIMEOUT: "1",
    },
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await (await fetch(`${url}/health`)).text()) === "OK") return { url, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  await child.status;
  throw new Error("server did not start");
}

async function post(url: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/api/2.0/mlflow${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  assert.equal(res.status, 200, JSON.stringify(json));
  return json;
}

Deno.test("a pending webhook delivery survives kill -9 and is delivered once after the restart", async () => {
  const dir = await Deno.makeTempDir();
  const receiverPort = freePort();
  const got: string[] = [];
  let receiver: Deno.HttpServer | undefined;
  try {
    let s = await start(dir);
    await post(s.url, "/webhooks", {
      name: "durable",
      url: `http://127.0.0.1:${receiverPort}/hook`,
      events: [{ entity: "REGISTERED_MODEL", action: "CREATED" }],
    });
    await post(s.url, "/registered-models/create", { name: "survivor" });
    // The receiver is down: the first attempt fails, the retry waits 3 s in the table.
    await new Promise((r) => setTimeout(r, 800));
    s.child.kill("SIGKILL");
    await s.child.status;
    receiver = Deno.serve(
      { hostname: "127.0.0.1", port: receiverPort, onListen: () => {} },
      async (req) => {
        got.push(await req.text());
        return new Response("ok");
      },
    );
    s = await start(dir);
    try {
      for (let i = 0; i < 250 && got.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(got.length, 1, "delivered exactly once after the restart");
      assert.equal(JSON.parse(got[0]!).data.name, "survivor");
    } finally {
      s.child.kill("SIGTERM");
      await s.child.status;
    }
  } finally {
    await receiver?.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
