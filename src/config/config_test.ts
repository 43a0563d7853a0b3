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

Deno.test("loadConfig() reads the security flags and their MLFLOW_SERVER_* env names", () => {
  const d = loadConfig([], {});
  assert.ok(d !== "help");
  assert.equal(d.allowedHosts, undefined);
  assert.equal(d.corsAllowedOrigins, undefined);
  assert.equal(d.xFrameOptions, "SAMEORIGIN");
  assert.equal(d.disableSecurityMiddleware, false);
  assert.equal(d.maxJsonBodyBytes, 32 * 1024 * 1024);
  const f = loadConfig([
    "--allowed-hosts",
    "mlflow.example.com, 10.0.0.5:5000",
    "--cors-allowed-origins",
    "https://app.example.com",
    "--x-frame-options",
    "DENY",
    "--disable-security-middleware",
    "--max-json-body-bytes",
    "1048576",
  ], { MLFLOW_SERVER_ALLOWED_HOSTS: "ignored" });
  assert.ok(f !== "help");
  assert.deepEqual(f.allowedHosts, ["mlflow.example.com", "10.0.0.5:5000"]);
  assert.deepEqual(f.corsAllowedOrigins, ["https://app.example.com"]);
  assert.equal(f.xFrameOptions, "DENY");
  assert.equal(f.disableSecurityMiddleware, true);
  assert.equal(f.maxJsonBodyBytes, 1048576);
  const e = loadConfig([], {
    MLFLOW_SERVER_ALLOWED_HOSTS: "*",
    MLFLOW_SERVER_CORS_ALLOWED_ORIGINS: "https://a.example,https://b.example",
    MLFLOW_SERVER_X_FRAME_OPTIONS: "none",
    MLFLOW_SERVER_DISABLE_SECURITY_MIDDLEWARE: "true",
    MLFLOW_SERVER_MAX_JSON_BODY_BYTES: "2097152",
  });
  assert.ok(e !== "help");
  assert.deepEqual(e.allowedHosts, ["*"]);
  assert.deepEqual(e.corsAllowedOrigins, ["https://a.example", "https://b.example"]);
  assert.equal(e.xFrameOptions, "none");
  assert.equal(e.disableSecurityMiddleware, true);
  assert.equal(e.maxJsonBodyBytes, 2097152);
  assert.throws(() => loadConfig(["--x-frame-options", "ALLOW"], {}), ConfigError);
  assert.throws(() => loadConfig(["--max-json-body-bytes", "ten"], {}), ConfigError);
});

Deno.test("loadConfig() reads --log-format and --expose-prometheus, flags before env", () => {
  const d = loadConfig([], {});
  assert.ok(d !== "help");
  assert.equal(d.logFormat, "text");
  assert.equal(d.exposePrometheus, undefined);
  const e = loadConfig([], { MLFLOW_LOG_FORMAT: "json", MLFLOW_EXPOSE_PROMETHEUS: "/tmp/p" });
  assert.ok(e !== "help");
  assert.equal(e.logFormat, "json");
  assert.equal(e.exposePrometheus, "/tmp/p");
  const f = loadConfig(["--log-format", "text", "--expose-prometheus", "/x"], {
    MLFLOW_LOG_FORMAT: "json",
  });
  assert.ok(f !== "help");
  assert.equal(f.logFormat, "text");
  assert.equal(f.exposePrometheus, "/x");
  assert.throws(() => loadConfig(["--log-format", "xml"], {}), /Invalid option --log-format/);
});

Deno.test("--app-name basic-auth (or MLFLOW_APP_NAME) turns auth on; default off; others refused", () => {
  const off = loadConfig([], {});
  assert.ok(off !== "help" && off.appName === undefined);
  const flag = loadConfig(["--app-name", "basic-auth"], {});
  assert.ok(flag !== "help" && flag.appName === "basic-auth");
  const env = loadConfig([], { MLFLOW_APP_NAME: "basic-auth" });
  assert.ok(env !== "help" && env.appName === "basic-auth");
  assert.throws(() => loadConfig(["--app-name", "oidc"], {}), /--app-name/);
});
