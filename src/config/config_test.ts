import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";
import { parseBackendUri } from "./backend_uri.ts";

Deno.test("loadConfig() mirrors mlflow server defaults", () => {
  const c = loadConfig([], {});
  assert.ok(c !== "help");
  assert.equal(c.host, "127.0.0.1");
  assert.equal(c.port, 5000);
  assert.equal(c.serveArtifacts, true);
  assert.equal(c.defaultArtifactRoot, "mlflow-artifacts:/");
  assert.deepEqual(c.backend, { kind: "embedded", path: "./mlflow-data/db", tableName: "mlflow" });
});

Deno.test("loadConfig() reads flags before env vars", () => {
  const c = loadConfig(["--port", "6000", "--host", "0.0.0.0"], {
    MLFLOW_PORT: "7000",
    MLFLOW_HOST: "x",
  });
  assert.ok(c !== "help");
  assert.equal(c.port, 6000);
  assert.equal(c.host, "0.0.0.0");
  const e = loadConfig([], { MLFLOW_PORT: "7000", MLFLOW_SERVE_ARTIFACTS: "false" });
  assert.ok(e !== "help");
  assert.equal(e.port, 7000);
  assert.equal(e.serveArtifacts, false);
  assert.equal(e.defaultArtifactRoot, "./mlflow-data/artifacts");
});

Deno.test("loadConfig() rejects unknown and invalid options with ConfigError", () => {
  assert.throws(() => loadConfig(["--bogus"], {}), ConfigError);
  assert.throws(() => loadConfig(["--port", "99999"], {}), /Invalid option --port/);
  assert.throws(() => loadConfig(["--static-prefix", "/x/"], {}), /--static-prefix/);
  assert.throws(
    () => loadConfig(["--backend-store-uri", "postgres://x"], {}),
    /Unsupported backend/,
  );
});

Deno.test("parseBackendUri() accepts the AWS, endpoint and embedded forms", () => {
  assert.deepEqual(parseBackendUri("dynamodb://eu-west-1/mlflow"), {
    kind: "dynamodb",
    tableName: "mlflow",
    region: "eu-west-1",
  });
  assert.deepEqual(parseBackendUri("dynamodb://http://localhost:8000/tbl"), {
    kind: "dynamodb",
    endpoint: "http://localhost:8000",
    tableName: "tbl",
    region: undefined,
  });
  assert.deepEqual(parseBackendUri("dynamodb:///tbl?endpoint=http://h:1&region=r"), {
    kind: "dynamodb",
    tableName: "tbl",
    region: "r",
    endpoint: "http://h:1",
  });
  assert.deepEqual(parseBackendUri("embedded:///tmp/x"), {
    kind: "embedded",
    path: "/tmp/x",
    tableName: "mlflow",
  });
  assert.equal(parseBackendUri("memory:").kind, "memory");
  assert.throws(() => parseBackendUri("dynamodb://us-east-1/"), /names no table/);
  assert.throws(() => parseBackendUri("dynamodb://us-east-1/a"), /Invalid table name/);
});
