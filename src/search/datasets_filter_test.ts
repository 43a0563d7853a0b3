import assert from "node:assert/strict";
import { MlflowError } from "../errors.ts";
import { matchDataset, parseDatasetFilter, parseDatasetOrderBy } from "./datasets_filter.ts";

const rec = {
  name: "golden-set",
  created_time: 100,
  last_update_time: 200,
  created_by: "bob",
  tags: { env: "prod" },
};

function refused(filter: string, message: RegExp) {
  assert.throws(() => parseDatasetFilter(filter), (e: unknown) => {
    assert.ok(e instanceof MlflowError);
    assert.equal(e.code, "INVALID_PARAMETER_VALUE");
    assert.match(e.message, message);
    return true;
  });
}

Deno.test("dataset filters match names, times, users and tags as MLflow's SQL store", () => {
  const m = (f: string) => matchDataset(parseDatasetFilter(f), rec);
  assert.equal(m("name = 'golden-set'"), true);
  assert.equal(m("name LIKE 'gold%' AND created_time < 150"), true);
  assert.equal(m("name ILIKE 'GOLD%'"), true);
  assert.equal(m("name IN ('a', 'golden-set')"), true);
  assert.equal(m("name NOT IN ('golden-set')"), false);
  assert.equal(m("last_update_time >= 201"), false);
  assert.equal(m("created_by = 'bob'"), true);
  assert.equal(m("last_updated_by = 'bob'"), false);
  assert.equal(m("tags.env = 'prod'"), true);
  assert.equal(m("tags.env != 'prod'"), false);
  assert.equal(m("tags.missing IS NULL"), true);
  assert.equal(m("tags.`env` IS NOT NULL"), true);
  assert.deepEqual(parseDatasetFilter(""), []);
});

Deno.test("bad dataset filters get MLflow's INVALID_PARAMETER_VALUE", () => {
  refused("digest = 'x'", /Invalid attribute key 'digest' specified/);
  refused("metrics.x = 1", /Invalid entity type 'metrics'/);
  refused("created_time LIKE 'x'", /Invalid comparator 'LIKE'/);
  refused("created_time > 'x'", /Expected numeric value type for numeric attribute: created_time/);
  refused("tags.env IN ('a')", /Invalid comparator 'IN'/);
  refused("name = ('a', 'b')", /only supported with the IN comparator/);
  refused("name = bare", /not quoted/);
  refused("name = 'a' OR name = 'b'", /Invalid clause/);
});

Deno.test("dataset order_by: default newest first, attribute keys only", () => {
  assert.deepEqual(parseDatasetOrderBy(undefined), [{ key: "created_time", ascending: false }]);
  assert.deepEqual(parseDatasetOrderBy(["name", "last_update_time DESC"]), [
    { key: "name", ascending: true },
    { key: "last_update_time", ascending: false },
  ]);
  assert.throws(() => parseDatasetOrderBy(["digest"]), /Invalid order_by clause 'digest'/);
  assert.throws(() => parseDatasetOrderBy(["name sideways"]), /Invalid order_by clause/);
});
