/**
 * Server jobs, as MLflow 3.17.2's job store keeps them (`mlflow/store/jobs`): the UI starts one
 * (`issues/invoke`), then polls `jobs/{id}` for its status, stage and result, and may cancel it.
 *
 * One item per job in the table (key_schema.ts, "Jobs"), so any replica answers a poll and the
 * state outlives the process. The process running a job holds a lease on it (owner + expiry,
 * renewed while it works); every transition is a conditional write, so a canceled job is never
 * finished by its worker, and a job whose worker died (a server restart mid-job) is visible as
 * such: its lease runs out and the next poll takes it over and runs it again from the start, as
 * MLflow re-enqueues unfinished jobs when its server restarts ({@link JobStore.takeOver}).
 *
 * Jobs belong to the workspace they were started in; another workspace's job is not found.
 * A workspace delete counts them (RESTRICT), deletes them (CASCADE) or moves them to the default
 * workspace (SET_DEFAULT), as MLflow's `jobs` table is one of its workspace root tables
 * ({@link JobStore.inWorkspace}, {@link JobStore.moveToDefault}).
 *
 * @module
 */
import { invalidParameter, notFound } from "../../errors.ts";
import { GSI1, JOB_KEY_ID, jobGsi1, jobKey, JOBS_GSI1_PK } from "../../keys/key_schema.ts";
import { queryPages } from "../../dynamo/query_pages.ts";
import {
  currentWorkspace,
  DEFAULT_WORKSPACE,
  isDefaultWorkspace,
} from "../../util/workspace_context.ts";
import { type Db, fromItem, isConditionFailure, nowMs, rawKey, toItem } from "../db.ts";

/** MLflow's `JobStatus` names. */
export type JobStatus = "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMEOUT" | "CANCELED";
const FINAL: ReadonlySet<JobStatus> = new Set(["SUCCEEDED", "FAILED", "TIMEOUT", "CANCELED"]);

/** A stored job. */
export interface JobRecord {
  job_id: string;
  job_name: string;
  /** The job function's parameters (what a restart needs; never credentials). */
  params: Record<string, unknown>;
  status: JobStatus;
  /** JSON of the return value (SUCCEEDED) or the error text (FAILED). */
  result?: string;
  status_details?: Record<string, unknown>;
  creation_time: number;
  last_update_time: number;
  /** Absent for the default workspace. */
  workspace?: string;
  creator?: string;
  /** The process working on it and until when its lease holds. */
  lease_owner?: string;
  lease_expires_at: number;
  /** How many times a worker started it. */
  attempts: number;
}

/** What `GET jobs/{id}` and `PATCH jobs/cancel/{id}` answer (MLflow's `_get_job`). */
export interface JobView {
  status: JobStatus;
  result: unknown;
  error_message: string | null;
  status_details: Record<string, unknown> | null;
  status_message: null;
  progress: null;
  progress_updated_at: null;
}

/** MLflow's answer for an unknown job. */
export const jobNotFound = (jobId: string) => notFound(`Job with ID ${jobId} not found`);

/** The UI's view of a job. */
export function jobView(job: JobRecord): JobView {
  const result = job.result === undefined
    ? null
    : job.status === "SUCCEEDED"
    ? JSON.parse(job.result)
    : job.result;
  return {
    status: job.status,
    result,
    error_message: (job.status === "FAILED" || job.status === "TIMEOUT") && job.result !== undefined
      ? job.result
      : null,
    status_details: job.status_details ?? null,
    status_message: null,
    progress: null,
    progress_updated_at: null,
  };
}

/** The job store. */
export class JobStore {
  constructor(readonly db: Db) {}

  private keys(job: JobRecord) {
    return { ...jobKey(job.job_id), ...jobGsi1(job.creation_time, job.job_id) };
  }

  /**
   * MLflow's `list_jobs`: the current workspace's jobs, oldest first, optionally of one name,
   * in the given statuses, and whose params include every given key with an equal value.
   */
  async list(filter: {
    jobName?: string;
    statuses?: JobStatus[];
    params?: Record<string, unknown>;
  }): Promise<JobRecord[]> {
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    return (await this.inWorkspace(currentWorkspace())).filter((job) =>
      (filter.jobName === undefined || job.job_name === filter.jobName) &&
      (!filter.statuses?.length || filter.statuses.includes(job.status)) &&
      (!filter.params ||
        Object.entries(filter.params).every(([k, v]) => same(job.params[k], v)))
    );
  }

  /** Every job of `workspace`, oldest first, whatever the request's workspace. */
  async inWorkspace(workspace: string): Promise<JobRecord[]> {
    const out: JobRecord[] = [];
    const pages = queryPages(this.db.port, {
      TableName: this.db.table,
      IndexName: GSI1,
      KeyConditionExpression: "gsi1pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: JOBS_GSI1_PK } },
    }, { pages: "all" });
    for await (const page of pages) {
      for (const item of page.items) {
        const job = fromItem<{ job: JobRecord }>(item).job;
        if ((job.workspace ?? DEFAULT_WORKSPACE) === workspace) out.push(job);
      }
    }
    return out;
  }

  /** The job's key (a CASCADE workspace delete removes the item). */
  static key(jobId: string) {
    return jobKey(jobId);
  }

  /**
   * Moves a job of `workspace` to the default workspace (SET_DEFAULT), whatever its status; a
   * running worker keeps its lease. False when the job is gone or no longer in `workspace`.
   */
  async moveToDefault(jobId: string, workspace: string): Promise<boolean> {
    const next = await this.transition(
      jobId,
      (j) => (j.workspace ?? DEFAULT_WORKSPACE) === workspace,
      (j) => ({ ...j, workspace: undefined }),
    );
    return next !== undefined;
  }

  /** Records a new PENDING job in the current workspace; its lease starts expired + `graceMs`. */
  async create(
    jobName: string,
    params: Record<string, unknown>,
    graceMs: number,
    creator?: string,
  ): Promise<JobRecord> {
    const now = nowMs();
    const ws = currentWorkspace();
    const job: JobRecord = {
      job_id: crypto.randomUUID(),
      job_name: jobName,
      params,
      status: "PENDING",
      creation_time: now,
      last_update_time: now,
      ...(isDefaultWorkspace(ws) ? {} : { workspace: ws }),
      ...(creator ? { creator } : {}),
      lease_expires_at: now + graceMs,
      attempts: 0,
    };
    await this.db.port.putItem({
      TableName: this.db.table,
      Item: toItem({ ...this.keys(job), ver: job.last_update_time, job }),
      ConditionExpression: "attribute_not_exists(pk)",
    });
    return job;
  }

  /** The job in any workspace, or undefined (workers and takeovers). */
  async find(jobId: string): Promise<JobRecord | undefined> {
    if (!JOB_KEY_ID.test(jobId)) return undefined;
    const res = await this.db.port.getItem({
      TableName: this.db.table,
      Key: rawKey(jobKey(jobId)),
      ConsistentRead: true,
    });
    return res.Item ? fromItem<{ job: JobRecord }>(res.Item).job : undefined;
  }

  /** The job of the current workspace; 404 as MLflow otherwise. */
  async get(jobId: string): Promise<JobRecord> {
    const job = await this.find(jobId);
    if (!job || (job.workspace ?? "default") !== currentWorkspace()) throw jobNotFound(jobId);
    return job;
  }

  /**
   * Writes `next` if the stored job still is `expected` (its version is the update time, which
   * every write moves forward): optimistic concurrency on one item. False when another writer got there first.
   */
  private async replace(expected: JobRecord, next: JobRecord): Promise<boolean> {
    try {
      await this.db.port.putItem({
        TableName: this.db.table,
        Item: toItem({ ...this.keys(next), ver: next.last_update_time, job: next }),
        ConditionExpression: "ver = :t",
        ExpressionAttributeValues: { ":t": { N: String(expected.last_update_time) } },
      });
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  /** Applies `change` to the current record while `allowed` holds, retrying on conflicts. */
  private async transition(
    jobId: string,
    allowed: (job: JobRecord) => boolean,
    change: (job: JobRecord, now: number) => JobRecord,
  ): Promise<JobRecord | undefined> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const job = await this.find(jobId);
      if (!job || !allowed(job)) return undefined;
      const now = Math.max(nowMs(), job.last_update_time + 1);
      const next = { ...change(structuredClone(job), now), last_update_time: now };
      if (await this.replace(job, next)) return next;
    }
    return undefined;
  }

  /**
   * Starts the job under `owner` with a lease of `leaseMs`: a PENDING job, or a RUNNING one whose
   * worker's lease ran out (its process is gone). Undefined when someone else holds it or it is
   * final.
   */
  claim(jobId: string, owner: string, leaseMs: number): Promise<JobRecord | undefined> {
    return this.transition(
      jobId,
      (j) => (j.status === "PENDING" || j.status === "RUNNING") && j.lease_expires_at < nowMs(),
      (j, now) => ({
        ...j,
        status: "RUNNING",
        lease_owner: owner,
        lease_expires_at: now + leaseMs,
        attempts: j.attempts + 1,
        status_details: {},
      }),
    );
  }

  /** Claims a job that `start` just created (its grace lease is still running). */
  claimNew(jobId: string, owner: string, leaseMs: number): Promise<JobRecord | undefined> {
    return this.transition(
      jobId,
      (j) => j.status === "PENDING" && j.attempts === 0,
      (j, now) => ({
        ...j,
        status: "RUNNING",
        lease_owner: owner,
        lease_expires_at: now + leaseMs,
        attempts: 1,
      }),
    );
  }

  /** True while `owner` still runs the job (not canceled, not taken over). */
  private owns(owner: string) {
    return (j: JobRecord) => j.status === "RUNNING" && j.lease_owner === owner;
  }

  /** Renews the lease and merges `details` into the status details; false once not ours. */
  async heartbeat(
    jobId: string,
    owner: string,
    leaseMs: number,
    details?: Record<string, unknown>,
  ): Promise<boolean> {
    const next = await this.transition(jobId, this.owns(owner), (j, now) => ({
      ...j,
      lease_expires_at: now + leaseMs,
      ...(details ? { status_details: { ...j.status_details, ...details } } : {}),
    }));
    return next !== undefined;
  }

  /** SUCCEEDED with `result` (stored as JSON); false once not ours. */
  async finish(jobId: string, owner: string, result: unknown): Promise<boolean> {
    const next = await this.transition(jobId, this.owns(owner), (j) => ({
      ...j,
      status: "SUCCEEDED",
      result: JSON.stringify(result),
      lease_owner: undefined,
    }));
    return next !== undefined;
  }

  /** FAILED with `error` (MLflow stores the exception's `repr`); false once not ours. */
  async fail(jobId: string, owner: string | undefined, error: string): Promise<boolean> {
    const next = await this.transition(
      jobId,
      owner === undefined ? (j) => !FINAL.has(j.status) : this.owns(owner),
      (j) => ({ ...j, status: "FAILED", result: error, lease_owner: undefined }),
    );
    return next !== undefined;
  }

  /** MLflow's `cancel_job`: PENDING or RUNNING → CANCELED; a final job → 400. */
  async cancel(jobId: string): Promise<JobRecord> {
    await this.get(jobId);
    const next = await this.transition(
      jobId,
      (j) => !FINAL.has(j.status),
      (j) => ({ ...j, status: "CANCELED", lease_owner: undefined }),
    );
    if (next) return next;
    const job = await this.get(jobId);
    throw invalidParameter(
      `The Job ${jobId} is already finalized with status: ${job.status}, it can't be updated.`,
    );
  }
}

/** True for SUCCEEDED, FAILED, TIMEOUT and CANCELED. */
export const isFinal = (status: JobStatus): boolean => FINAL.has(status);
