import assert from "node:assert/strict";
import { MlflowError } from "../errors.ts";
import { checkReadiness } from "./readiness.ts";
import { retryingPort, type RetryOptions } from "./retry.ts";
import { sdkPort, timeoutsFromEnv } from "./sdk_port.ts";

const FAST: RetryOptions = {
  maxAttempts: 8,
  maxTransportAttempts: 3,
  baseDelayMs: 1,
  maxDelayMs: 2,
};
const CREDS = { region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } };
const KEY = { pk: { S: "a" }, sk: { S: "b" } };

/** A TCP server that accepts connections and never answers (a stalled DynamoDB). */
function stalledServer(): { endpoint: string; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    try {
      for await (const c of listener) conns.push(c);
    } catch { /* closed */ }
  })();
  return {
    endpoint: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    close() {
      listener.close();
      for (const c of conns) c.close();
      void accepting;
    },
  };
}

function closedEndpoint(): string {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return `http://127.0.0.1:${port}`;
}

// The SDK's HTTP agent keeps timers and sockets of aborted requests past the call.
const loose = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "a stalled backend times out, is retried 3 times, then answers 503 (no address)",
  ...loose,
  fn: async () => {
    const server = stalledServer();
    const raw = sdkPort({ endpoint: server.endpoint, ...CREDS }, {
      connectMs: 500,
      requestMs: 300,
    });
    const port = retryingPort(raw, FAST);
    const t0 = Date.now();
    try {
      await port.getItem({ TableName: "t", Key: KEY });
      assert.fail("expected 503");
    } catch (e) {
      const elapsed = Date.now() - t0;
      assert.ok(e instanceof MlflowError, String(e));
      assert.equal(e.code, "TEMPORARILY_UNAVAILABLE");
      assert.match(e.message, /timed out/);
      assert.ok(!e.message.includes("127.0.0.1"), e.message);
      assert.ok(elapsed >= 900 && elapsed < 5000, `elapsed ${elapsed} ms`);
    } finally {
      await raw.close();
      server.close();
    }
  },
});

Deno.test({
  name: "a dead backend answers 503 without its address; readiness says not ready",
  ...loose,
  fn: async () => {
    const endpoint = closedEndpoint();
    const raw = sdkPort({ endpoint, ...CREDS });
    try {
      const err = await retryingPort(raw, FAST).putItem({ TableName: "t", Item: KEY }).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(err instanceof MlflowError, String(err));
      assert.equal(err.code, "TEMPORARILY_UNAVAILABLE");
      assert.match(err.message, /connection refused/);
      assert.ok(!err.message.includes(endpoint.slice(7)), err.message);
      const r = await checkReadiness(raw, "t", 1000);
      assert.deepEqual(r, { ready: false, reason: "the backend does not answer" });
    } finally {
      await raw.close();
    }
  },
});

Deno.test({
  name: "readiness gives up after its own short timeout on a stalled backend",
  ...loose,
  fn: async () => {
    const server = stalledServer();
    const raw = sdkPort({ endpoint: server.endpoint, ...CREDS }, {
      connectMs: 5000,
      requestMs: 5000,
    });
    try {
      const t0 = Date.now();
      const r = await checkReadiness(raw, "t", 200);
      assert.equal(r.ready, false);
      assert.ok(Date.now() - t0 < 1000);
    } finally {
      await raw.close();
      server.close();
    }
  },
});

Deno.test("timeoutsFromEnv() reads seconds, keeps defaults, refuses nonsense", () => {
  assert.deepEqual(timeoutsFromEnv({}), { connectMs: 2000, requestMs: 5000 });
  assert.deepEqual(
    timeoutsFromEnv({
      MLFLOW_DYNAMODB_REQUEST_TIMEOUT: "1.5",
      MLFLOW_DYNAMODB_CONNECT_TIMEOUT: "1",
    }),
    { connectMs: 1000, requestMs: 1500 },
  );
  assert.throws(
    () => timeoutsFromEnv({ MLFLOW_DYNAMODB_REQUEST_TIMEOUT: "0" }),
    /MLFLOW_DYNAMODB_REQUEST_TIMEOUT/,
  );
});
