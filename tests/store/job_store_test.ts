/**
 * The job store on every backend: a job's life (PENDING → RUNNING → SUCCEEDED/FAILED/CANCELED)
 * through conditional writes, one worker at a time (a lease), a canceled job its worker can no
 * longer finish, a dead worker's job claimable once its lease ran out, and the listing MLflow's
 * job search reads (name, statuses, params; per workspace).
 */
import assert from "node:assert/strict";
import { retryingPort } from "../../src/dynamo/retry.ts";
import { MlflowError } from "../../src/errors.ts";
import { JobStore, jobView } from "../../src/store/jobs/job_store.ts";
import { withWorkspace } from "../../src/util/workspace_context.ts";
import { testBackends } from "../support/backends.ts";

for (const backend of testBackends()) {
  Deno.test(`[${backend.name}] jobs: one worker, conditional transitions, cancel, takeover, list`, async () => {
    const { port, tableName, cleanup } = await backend.makePort();
    try {
      const jobs = new JobStore({ port: retryingPort(port), table: tableName });
      const job = await jobs.create(
        "invoke_issue_detection",
        { run_id: "r1", n: [1] },
        60_000,
        "eve",
      );
      assert.equal(job.status, "PENDING");
      assert.deepEqual(jobView(job), {
        status: "PENDING",
        result: null,
        error_message: null,
        status_details: null,
        status_message: null,
        progress: null,
        progress_updated_at: null,
      });
      // Its grace lease runs: only the starter claims it.
      assert.equal(await jobs.claim(job.job_id, "other", 60_000), undefined);
      const mine = await jobs.claimNew(job.job_id, "w1", 60_000);
      assert.equal(mine?.status, "RUNNING");
      assert.equal(await jobs.claimNew(job.job_id, "w2", 60_000), undefined);
      assert.equal(await jobs.heartbeat(job.job_id, "w2", 60_000, { stage: "x" }), false);
      assert.equal(await jobs.heartbeat(job.job_id, "w1", 60_000, { stage: "Clustering" }), true);
      assert.equal(await jobs.finish(job.job_id, "w2", {}), false);
      assert.equal(await jobs.finish(job.job_id, "w1", { issues: 2 }), true);
      const done = await jobs.get(job.job_id);
      assert.deepEqual(jobView(done).result, { issues: 2 });
      assert.deepEqual(done.status_details, { stage: "Clustering" });
      await assert.rejects(
        jobs.cancel(job.job_id),
        (e: MlflowError) =>
          e.code === "INVALID_PARAMETER_VALUE" &&
          e.message ===
            `The Job ${job.job_id} is already finalized with status: SUCCEEDED, it can't be updated.`,
      );

      // Cancel wins over the worker; a dead worker's lease lets another take over.
      const second = await jobs.create("invoke_issue_detection", { run_id: "r2" }, 60_000);
      await jobs.claimNew(second.job_id, "w1", 60_000);
      assert.equal((await jobs.cancel(second.job_id)).status, "CANCELED");
      assert.equal(await jobs.heartbeat(second.job_id, "w1", 60_000), false);
      assert.equal(await jobs.fail(second.job_id, "w1", "late"), false);
      assert.equal((await jobs.get(second.job_id)).status, "CANCELED");
      const orphan = await jobs.create("other_job", { run_id: "r3" }, -1_000);
      assert.equal((await jobs.claim(orphan.job_id, "w1", -1_000))?.attempts, 1);
      assert.equal((await jobs.claim(orphan.job_id, "w2", 60_000))?.attempts, 2);
      assert.equal(await jobs.fail(orphan.job_id, "w2", "MlflowException('x')"), true);
      const failed = jobView(await jobs.get(orphan.job_id));
      assert.equal(failed.status, "FAILED");
      assert.equal(failed.error_message, "MlflowException('x')");

      // The listing: oldest first, filtered as MLflow's list_jobs; another workspace's apart.
      const ids = async (f: Parameters<JobStore["list"]>[0]) =>
        (await jobs.list(f)).map((j) => j.job_id);
      assert.deepEqual(await ids({}), [job.job_id, second.job_id, orphan.job_id]);
      assert.deepEqual(await ids({ jobName: "other_job" }), [orphan.job_id]);
      assert.deepEqual(await ids({ statuses: ["CANCELED", "FAILED"] }), [
        second.job_id,
        orphan.job_id,
      ]);
      assert.deepEqual(await ids({ params: { run_id: "r1" } }), [job.job_id]);
      assert.deepEqual(await ids({ params: { n: [1] } }), [job.job_id]);
      const away = await withWorkspace("team-a", () => jobs.create("other_job", {}, 60_000));
      assert.deepEqual(await withWorkspace("team-a", () => ids({})), [away.job_id]);
      assert.equal((await ids({})).includes(away.job_id), false);
      await assert.rejects(jobs.get(away.job_id), /Job with ID .* not found/);
      await assert.rejects(jobs.get("not-a-uuid"), /Job with ID not-a-uuid not found/);
    } finally {
      await cleanup();
    }
  });
}
