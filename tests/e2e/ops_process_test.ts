/**
 * The real server process as an operator meets it: the access log on stdout, and start-up
 * failures (busy port, bad flag) as one `Error:` line with a non-zero exit, never a stack trace.
 */
import assert from "node:assert/strict";
import { freePort } from "../support/background_service.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

function args(dir: string, port: number, extra: string[] = []): string[] {
  return [
    "run",
    "--allow-all",
    MAIN,
    "--port",
    String(port),
    "--backend-store-uri",
    "memory:",
    "--artifacts-destination",
    `${dir}/artifacts`,
    ...extra,
  ];
}

async function waitHealthy(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if (await (await fetch(`${url}/health`)).text() === "OK") return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("server did not start");
}

function assertOneErrorLine(stderr: Uint8Array, pattern: RegExp): void {
  const lines = new TextDecoder().decode(stderr).trim().split("\n");
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(lines[0]!, /\bat .*\.ts:\d+/);
}

Deno.test("a busy port ends start-up with one error line and exit code 1", async () => {
  const dir = await Deno.makeTempDir();
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: args(dir, (busy.addr as Deno.NetAddr).port),
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 1);
    assertOneErrorLine(out.stderr, /^Error: the address is already in use .*--port/);
  } finally {
    busy.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a bad --log-format ends start-up with one error line and exit code 2", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "--log-format", "xml"],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  assertOneErrorLine(out.stderr, /^Error: Invalid option --log-format: .*\(see --help\)$/);
});

Deno.test("the server writes one JSON access-log line per request on stdout, none for /health", async () => {
  const dir = await Deno.makeTempDir();
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: args(dir, port, ["--log-format", "json"]),
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(url);
    const res = await fetch(`${url}/api/2.0/mlflow/experiments/create`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "e2e-1" },
      body: JSON.stringify({ name: "logged" }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-request-id"), "e2e-1");
    await res.body?.cancel();
  } finally {
    child.kill("SIGTERM");
  }
  const out = new TextDecoder().decode((await child.output()).stdout);
  await Deno.remove(dir, { recursive: true });
  const lines = out.trim().split("\n").filter((l) => l.startsWith("{"));
  assert.equal(lines.length, 1, out);
  const line = JSON.parse(lines[0]!);
  assert.equal(line.request_id, "e2e-1");
  assert.equal(line.route, "/api/2.0/mlflow/experiments/create");
  assert.equal(line.status, 200);
  assert.ok(line.dynamodb_calls > 0 && line.wcu > 0, lines[0]);
});
