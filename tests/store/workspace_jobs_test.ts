/**
 * Jobs in workspace deletes, on every backend: MLflow 3.17.2 lists `SqlJob` in
 * `_WORKSPACE_ROOT_MODELS`, so RESTRICT refuses while the workspace holds jobs (table `jobs`,
 * after the AI Gateway tables) and SET_DEFAULT moves them to the default workspace (CASCADE
 * deleting them is in `workspace_cascade_test.ts`).
 *
 * @module
 */
import assert from "node:assert/strict";
import { MlflowError } from "../../src/errors.ts";
import { JobStore } from "../../src/store/jobs/job_store.ts";
import { createStores } from "../../src/store/stores.ts";
import { withWorkspace } from "../../src/util/workspace_context.ts";
import { testBackends } from "../support/backends.ts";

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] workspace delete: RESTRICT counts the workspace's jobs, SET_DEFAULT moves them`, async () => {
    const table = await backend.makePort();
    try {
      const stores = await createStores({ port: table.port, table: table.tableName }, "/tmp/a");
      const jobs = new JobStore(stores.db);
      await stores.workspaces.create({ name: "team-j" });
      await withWorkspace("default", () => jobs.create("invoke_issue_detection", {}, 0));
      const [a, b] = await withWorkspace("team-j", async () => [
        await jobs.create("invoke_issue_detection", { experiment_id: "1" }, 0),
        await jobs.create("invoke_issue_detection", { experiment_id: "2" }, 0),
      ]);
      await assert.rejects(
        () => stores.workspaces.delete("team-j", "RESTRICT"),
        (e: unknown) =>
          e instanceof MlflowError && e.code === "INVALID_STATE" &&
          e.message ===
            "Cannot delete workspace 'team-j': table 'jobs' still contains 2 resource(s). " +
              "Remove or reassign them before deleting the workspace.",
      );
      assert.equal((await stores.workspaces.get("team-j")).name, "team-j");

      await stores.workspaces.delete("team-j", "SET_DEFAULT");
      await assert.rejects(() => stores.workspaces.get("team-j"));
      const moved = await withWorkspace("default", () => jobs.get(a!.job_id));
      assert.equal(moved.workspace, undefined);
      assert.deepEqual(moved.params, { experiment_id: "1" });
      assert.equal(
        (await withWorkspace("default", () => jobs.list({}))).length,
        3,
        "the default workspace lists its job and the two moved ones",
      );
      // A workspace created again under the name does not see them.
      await stores.workspaces.create({ name: "team-j" });
      await assert.rejects(() => withWorkspace("team-j", () => jobs.get(b!.job_id)));
      await stores.workspaces.delete("team-j", "RESTRICT");
    } finally {
      await table.cleanup();
    }
  });
}
