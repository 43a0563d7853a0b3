import assert from "node:assert/strict";
import { resolveUriIfLocal } from "./resolve_local.ts";

// Expected values are MLflow 3.17.2's `resolve_uri_if_local` run with cwd=/srv on Linux.
Deno.test("resolveUriIfLocal makes relative local locations absolute, as MLflow", () => {
  const cases: [string, string][] = [
    ["my_location", "/srv/my_location"],
    ["./a/./b//c", "/srv/a/b/c"],
    ["a/../b", "/srv/a/../b"],
    ["a%20b", "/srv/a b"],
    ["file:rel", "file:///srv/rel"],
    ["file:./rel?x=1", "file:///srv/rel?x=1"],
    ["/abs", "/abs"],
    ["file:///abs", "file:///abs"],
    ["file://localhost/abs", "file://localhost/abs"],
    ["s3://bucket/key", "s3://bucket/key"],
    ["mlflow-artifacts:/x", "mlflow-artifacts:/x"],
    ["C:/x", "C:/x"],
  ];
  for (const [given, want] of cases) assert.equal(resolveUriIfLocal(given, "/srv"), want, given);
});
