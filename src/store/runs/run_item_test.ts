import assert from "node:assert/strict";
import { runGsi1, runKey } from "../../keys/key_schema.ts";
import { toItem } from "../db.ts";
import { runItem, type RunRecord, runRecordFromItem } from "./run_item.ts";

const base: RunRecord = {
  run_id: "0123456789abcdef0123456789abcdef",
  experiment_id: "7",
  run_name: "bright-owl-42",
  user_id: "",
  status: "RUNNING",
  start_time: 1700000000000,
  artifact_uri: "mlflow-artifacts:/7/0123456789abcdef0123456789abcdef/artifacts",
  lifecycle_stage: "active",
  params: {},
  tags: { "mlflow.runName": "bright-owl-42", "": "", "a.b c": "ü\u{1F600}" },
};

const viaToItem = (r: RunRecord) =>
  toItem({ ...runKey(r.run_id), ...runGsi1(r.experiment_id, r.run_id, r.start_time), ...r });

Deno.test("runItem marshals a run record exactly as toItem does", () => {
  const records: RunRecord[] = [
    base,
    { ...base, start_time: -5, end_time: 0, deleted_time: 1700000000001 },
    { ...base, start_time: 2 ** 53 + 2, params: { p: "1" } }, // unsafe integer: toItem decides
    { ...base, groups: new Set(["g1", "g2"]) },
    { ...base, dataset_inputs: [], tags: {} },
    { ...base, end_time: undefined },
  ];
  for (const r of records) {
    let expected: unknown;
    try {
      expected = viaToItem(r);
    } catch (e) {
      assert.throws(() => runItem(r), { message: (e as Error).message });
      continue;
    }
    assert.deepEqual(runItem(r), expected);
  }
  assert.deepEqual(runRecordFromItem(runItem(base)).tags, base.tags);
});
