/**
 * The real server process: `main.ts` on the embedded engine answers /health and /version, keeps
 * acknowledged writes across a clean restart and across `kill -9`, and rejects bad options.
 */
import assert from "node:assert/strict";
import { freePort } from "../support/background_service.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

interface Server {
  url: string;
  child: Deno.ChildProcess;
}

async function start(dataDir: string): Promise<Server> {
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
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      const res = await fetch(`${url}/health`);
      const text = await res.text();
      if (text === "OK") return { url, child };
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

async function getRun(url: string, runId: string) {
  const res = await fetch(`${url}/api/2.0/mlflow/runs/get?run_id=${runId}`);
  return await res.json();
}

Deno.test("server answers /health and /version, and survives a clean restart and kill -9", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let s = await start(dir);
    assert.equal(await (await fetch(`${s.url}/version`)).text(), "3.17.2");
    const ready = await fetch(`${s.url}/ready`);
    assert.equal(ready.status, 200);
    assert.equal(await ready.text(), "OK");
    const notFound = await fetch(`${s.url}/api/2.0/mlflow/nope`);
    assert.equal(notFound.status, 404);
    assert.ok(!(notFound.headers.get("content-type") ?? "").includes("json"));
    await notFound.body?.cancel();
    const { experiment_id } = await post(s.url, "/experiments/create", { name: "durable" });
    const { run } = await post(s.url, "/runs/create", { experiment_id }) as {
      run: { info: { run_id: string } };
    };
    const runId = run.info.run_id;
    await post(s.url, "/runs/log-batch", {
      run_id: runId,
      metrics: [{ key: "loss", value: 0.5, timestamp: 1, step: 1 }],
      params: [{ key: "lr", value: "0.1" }],
    });

    s.child.kill("SIGTERM");
    assert.equal((await s.child.status).code, 0, "clean shutdown exits 0");
    s = await start(dir);
    let got = await getRun(s.url, runId);
    assert.equal(got.run.data.params[0].value, "0.1");
    await post(s.url, "/runs/set-tag", { run_id: runId, key: "after", value: "restart" });

    s.child.kill("SIGKILL");
    await s.child.status;
    s = await start(dir);
    got = await getRun(s.url, runId);
    assert.deepEqual(got.run.data.tags.find((t: { key: string }) => t.key === "after"), {
      key: "after",
      value: "restart",
    });
    assert.equal(got.run.data.metrics[0].value, 0.5);
    s.child.kill("SIGTERM");
    await s.child.status;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("server exits with code 2 and a message on unknown options", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "--no-such-flag"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  assert.match(new TextDecoder().decode(out.stderr), /Unknown option '--no-such-flag'/);
});

Deno.test("server exits with code 1 and a message when DynamoDB does not answer at start-up", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      MAIN,
      "--backend-store-uri",
      `dynamodb://http://127.0.0.1:${port}/mlflow_t`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 1);
  assert.match(
    new TextDecoder().decode(out.stderr),
    /Error: The backend store is temporarily unavailable \(connection refused\)/,
  );
});
