import assert from "node:assert/strict";
import { resolve } from "node:path";
import { MlflowError } from "../errors.ts";
import { appendToArtifactUri, parseArtifactUri, validateArtifactLocation } from "./artifact_uri.ts";
import { hideServerPaths } from "./local_store.ts";
import { safeArtifactPath } from "./safe_path.ts";
import { badLocations } from "./testdata.ts";

function refused(fn: () => unknown, what: string): MlflowError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MlflowError, `${what}: ${e}`);
    assert.equal(e.code, "INVALID_PARAMETER_VALUE", what);
    return e;
  }
  assert.fail(`${what} was accepted`);
}

Deno.test("parseArtifactUri: scheme, root and path of the locations MLflow uses", () => {
  const cases: [string, Partial<ReturnType<typeof parseArtifactUri>>][] = [
    ["mlflow-artifacts:/", { kind: "proxied", path: "" }],
    ["mlflow-artifacts:/1/abc/artifacts", { kind: "proxied", path: "1/abc/artifacts" }],
    ["mlflow-artifacts://host:5000/1/abc", { kind: "proxied", path: "1/abc" }],
    [
      "http://h:5000/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts",
      { kind: "proxied", path: "1/abc/artifacts" },
    ],
    ["s3://bucket/a/b/", { kind: "s3", root: "bucket", path: "a/b" }],
    ["s3://bucket/a%20b//c", { kind: "s3", root: "bucket", path: "a%20b/c" }],
    ["/srv/mlruns/1", { kind: "local", scheme: "", root: "/srv/mlruns/1" }],
    ["file:///srv/ml%20runs/1", { kind: "local", scheme: "file", root: "/srv/ml runs/1" }],
    ["file://localhost/srv/x", { kind: "local", root: "/srv/x" }],
    ["./mlruns/1", { kind: "local", root: resolve("mlruns/1") }],
    ["gs://bucket/p", { kind: "other", scheme: "gs", root: "bucket" }],
  ];
  for (const [uri, want] of cases) {
    const got = parseArtifactUri(uri);
    for (const [k, v] of Object.entries(want)) {
      assert.equal(got[k as keyof typeof got], v, `${uri} ${k}`);
    }
  }
});

Deno.test("parseArtifactUri refuses queries, fragments and traversal in every encoding, naming no path", () => {
  for (const uri of badLocations("/srv/secret-dir")) {
    const e = refused(() => parseArtifactUri(uri, "artifact_location"), uri);
    assert.match(
      e.message,
      /^(Invalid 'artifact_location': |'artifact_location' URL can't include fragments or params\.$|Invalid query string$)/,
    );
    assert.ok(!e.message.includes("/srv/secret-dir"), e.message);
  }
  // MLflow's own messages where MLflow refuses too.
  assert.equal(
    refused(() => parseArtifactUri("http:///#/../../etc/"), "frag").message,
    "'artifact_location' URL can't include fragments or params.",
  );
  assert.equal(
    refused(() => parseArtifactUri("s3://b/p?x=%2e%2e/"), "query").message,
    "Invalid query string",
  );
  refused(() => parseArtifactUri(""), "empty");
  refused(() => parseArtifactUri(`/srv/${"a".repeat(256)}`), "long segment");
  refused(() => parseArtifactUri("%25".repeat(12) + "23"), "endless encoding");
});

Deno.test("validateArtifactLocation: MLflow's runs:/ message, then the parser's rules", () => {
  const e = refused(() => validateArtifactLocation("runs:/abc/x"), "runs:");
  assert.equal(e.message, "Artifact location cannot be a runs:/ URI. Given: 'runs:/abc/x'");
  validateArtifactLocation("s3://b/p");
  validateArtifactLocation("/srv/x");
});

Deno.test("appendToArtifactUri inserts before any query or fragment", () => {
  assert.equal(appendToArtifactUri("file:///etc/#", "r", "artifacts"), "file:///etc/r/artifacts#");
  assert.equal(appendToArtifactUri("/etc?x=", "r"), "/etc/r?x=");
  assert.equal(appendToArtifactUri("mlflow-artifacts:/", "0"), "mlflow-artifacts:/0");
  assert.equal(appendToArtifactUri("s3://b/p", "1", "r"), "s3://b/p/1/r");
});

Deno.test("safeArtifactPath: a segment over 255 UTF-8 bytes is 'Invalid path'", () => {
  assert.equal(safeArtifactPath(`${"a".repeat(255)}/b`), `${"a".repeat(255)}/b`);
  assert.equal(safeArtifactPath("é".repeat(127)), "é".repeat(127));
  for (const p of ["a".repeat(256), "é".repeat(128), "%c0%ae".repeat(50), `x/${"b".repeat(300)}`]) {
    const e = refused(() => safeArtifactPath(p), p.slice(0, 20));
    assert.equal(e.message, "Invalid path");
  }
});

Deno.test("hideServerPaths: filesystem errors lose their paths; too-long names are 400", () => {
  const root = "/srv/artifacts-root";
  const fsError = Object.assign(
    new Error(`Permission denied (os error 13): open '${root}/1/x'`),
    { code: "EACCES" },
  );
  const e = hideServerPaths(fsError, root) as MlflowError;
  assert.equal(e.code, "INTERNAL_ERROR");
  assert.ok(!e.message.includes(root), e.message);
  assert.match(e.message, /Permission denied/);
  const plain = hideServerPaths(new Error(`failed at ${root}/x`), root) as MlflowError;
  assert.ok(!plain.message.includes(root), plain.message);
  const long = Object.assign(new Error(`File name too long: realpath '${root}/a'`), {
    code: "ENAMETOOLONG",
  });
  const l = hideServerPaths(long, root) as MlflowError;
  assert.deepEqual(l.toJSON(), { error_code: "INVALID_PARAMETER_VALUE", message: "Invalid path" });
  const mine = new MlflowError("RESOURCE_DOES_NOT_EXIST", "x");
  assert.equal(hideServerPaths(mine, root), mine);
});
