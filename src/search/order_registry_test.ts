import assert from "node:assert/strict";
import { MlflowError } from "../errors.ts";
import {
  loggedModelComparator,
  modelVersionComparator,
  parseLoggedModelOrderBy,
  parseModelVersionOrderBy,
  parseRegisteredModelOrderBy,
  registeredModelComparator,
} from "./order_registry.ts";
import type { LoggedModelRecord, ModelVersionRecord, RegisteredModelRecord } from "./records.ts";

const rm = (name: string, t: number): RegisteredModelRecord => ({
  name,
  tags: {},
  creationTimestamp: 0,
  lastUpdatedTimestamp: t,
});

Deno.test("registered models: name ASC default, timestamp aliases, duplicates", () => {
  const models = [rm("b", 1), rm("A", 2), rm("a", 1)];
  const names = (o: string[]) =>
    [...models].sort(registeredModelComparator(parseRegisteredModelOrderBy(o))).map((m) => m.name);
  assert.deepEqual(names([]), ["A", "a", "b"]);
  assert.deepEqual(names(["timestamp DESC"]), ["A", "a", "b"]);
  assert.deepEqual(names(["last_updated_timestamp", "name DESC"]), ["b", "a", "A"]);
  assert.throws(
    () => parseRegisteredModelOrderBy(["creation_timestamp DESC"]),
    (e) =>
      e instanceof MlflowError &&
      e.message.startsWith("Invalid order by key 'creation_timestamp' specified."),
  );
  assert.throws(
    () => parseRegisteredModelOrderBy(["timestamp", "last_updated_timestamp"]),
    (e) => e instanceof MlflowError && e.code === "INVALID_PARAMETER_VALUE",
  );
});

const mv = (name: string, version: number, updated: number): ModelVersionRecord => ({
  name,
  version,
  source: "s",
  tags: {},
  creationTimestamp: version,
  lastUpdatedTimestamp: updated,
});

Deno.test("model versions: last_updated DESC, name ASC, version DESC by default", () => {
  const versions = [mv("a", 1, 5), mv("a", 2, 5), mv("b", 1, 9), mv("a", 3, 1)];
  const ids = (o: string[]) =>
    [...versions].sort(modelVersionComparator(parseModelVersionOrderBy(o))).map((v) =>
      `${v.name}/${v.version}`
    );
  assert.deepEqual(ids([]), ["b/1", "a/2", "a/1", "a/3"]);
  assert.deepEqual(ids(["version_number"]), ["a/1", "b/1", "a/2", "a/3"]);
  assert.deepEqual(ids(["tags.name DESC"]), ["b/1", "a/3", "a/2", "a/1"]);
  assert.throws(() => parseModelVersionOrderBy(["tags.t"]), /Invalid order by key 't' specified/);
});

Deno.test("logged models: nulls last, latest metric value, creation DESC tie-break", () => {
  const lm = (name: string, created: number, acc?: number, type?: string): LoggedModelRecord => ({
    modelId: `m-${name}`,
    name,
    status: "LOGGED_MODEL_READY",
    ...(type ? { modelType: type } : {}),
    creationTimestamp: created,
    lastUpdatedTimestamp: created,
    metrics: acc === undefined ? [] : [
      { key: "acc", value: 0, timestamp: 1, step: 0 },
      { key: "acc", value: acc, timestamp: 2, step: 0 },
    ],
    params: {},
    tags: {},
  });
  const models = [lm("a", 1, 0.5, "x"), lm("b", 2), lm("c", 3, 0.9)];
  const names = (o: Parameters<typeof parseLoggedModelOrderBy>[0]) =>
    [...models].sort(loggedModelComparator(parseLoggedModelOrderBy(o))).map((m) => m.name);
  assert.deepEqual(names([]), ["c", "b", "a"]);
  assert.deepEqual(names([{ fieldName: "metrics.acc" }]), ["a", "c", "b"]);
  assert.deepEqual(names([{ fieldName: "metrics.acc", ascending: false }]), ["c", "a", "b"]);
  assert.deepEqual(names([{ fieldName: "model_type", ascending: false }]), ["a", "c", "b"]);
  assert.deepEqual(names([{ fieldName: "creation_time" }]), ["a", "b", "c"]);
  assert.throws(
    () => parseLoggedModelOrderBy([{ fieldName: "params.p" }]),
    /Only metrics are supported/,
  );
  assert.throws(
    () => parseLoggedModelOrderBy([{ fieldName: "bogus" }]),
    /Invalid order by field name: bogus/,
  );
});
