/**
 * The issue detection job (MLflow's `invoke_issue_detection` job): `start` records the detection
 * run and a job in the table and runs it in this process; `view` answers the UI's polls.
 *
 * The worker holds a lease on the job, renewed at each stage and on a timer; a cancel makes its
 * next renewal fail, and it stops without writing a result. When the process dies mid-job (a
 * restart, a crash), the lease runs out: the next poll, on any replica, takes the job over and
 * runs it again from the start, as MLflow re-enqueues unfinished jobs when its server restarts;
 * after {@link MAX_ATTEMPTS} starts it is FAILED with a message saying so. Credentials are never
 * stored with the job: each start resolves them again from the gateway secret, the endpoint or
 * the server's environment.
 *
 * A failed job's error is what MLflow stores, the `repr` of the exception
 * (`MlflowException("Scorer '_issue_discovery_judge' returned null value: …")`), and its run
 * ends FAILED; a finished one's run ends FINISHED.
 *
 * @module
 */
import { invalidParameter, MlflowError } from "../../errors.ts";
import { isDefaultWorkspace, withWorkspace } from "../../util/workspace_context.ts";
import type { GatewayStores } from "../gateway/gateway_store.ts";
import type { ApiBasePolicy } from "../gateway/secret_rules.ts";
import { isFinal, type JobRecord, JobStore } from "../jobs/job_store.ts";
import type { RunStore } from "../runs/run_store.ts";
import type { TraceStore } from "../traces/trace_store.ts";
import { chatModel, resolveTarget } from "./chat_model.ts";
import { detectIssues } from "./detection_pipeline.ts";
import type { IssueStore } from "./issue_store.ts";

export const JOB_NAME = "invoke_issue_detection";
/** MLflow's `DEFAULT_MODEL` of issue discovery. */
export const DEFAULT_MODEL = "openai:/gpt-5-mini";
/** Starts of one job before it is given up (the first run and two takeovers). */
export const MAX_ATTEMPTS = 3;
const RUN_TYPE_TAG = "mlflow.runType";
const MAX_ERROR_CHARS = 20_000;
/** Largest job parameters kept (UTF-8 bytes of their JSON): one item, under DynamoDB's 400 KB. */
const MAX_PARAMS_BYTES = 300_000;

/** Refuses parameters too large to keep in the job's item. */
export function checkParamsSize(params: unknown): void {
  const bytes = new TextEncoder().encode(JSON.stringify(params)).length;
  if (bytes > MAX_PARAMS_BYTES) {
    throw invalidParameter(
      `The job parameters are too large to store: ${bytes} bytes of trace ids and categories (at most ${MAX_PARAMS_BYTES})`,
    );
  }
}
const JOB_ID_TAG = "mlflow.issueDetection.jobId";

/** The job's parameters, as stored (MLflow's, plus where credentials come from). */
export interface DetectionJobParams {
  experiment_id: string;
  trace_ids: string[];
  categories: string[];
  run_id: string;
  model: string;
  secret_id?: string;
}

/** What the service works with. */
export interface DetectionServiceDeps {
  jobs: JobStore;
  runs: RunStore;
  traces: TraceStore;
  issues: IssueStore;
  gateway: GatewayStores;
  env: (name: string) => string | undefined;
  apiBase: ApiBasePolicy;
  /** Lease length (ms); a worker renews it at least every third of it. */
  leaseMs?: number;
  fetch?: typeof fetch;
  sampleSize?: number;
}

/**
 * MLflow's `MLFLOW_SERVER_ENABLE_JOB_EXECUTION` (default true): when off, no job is started (501
 * here, before anything is written; MLflow answers 500 after creating the run).
 */
function checkJobsEnabled(env: (name: string) => string | undefined): void {
  const v = env("MLFLOW_SERVER_ENABLE_JOB_EXECUTION")?.trim().toLowerCase();
  if (v === "false" || v === "0") {
    throw new MlflowError(
      "NOT_IMPLEMENTED",
      "Mlflow server job execution feature is not enabled, please set environment variable " +
        "'MLFLOW_SERVER_ENABLE_JOB_EXECUTION' to 'true' to enable it.",
    );
  }
}

/** Python's `repr` of a string. */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of s) {
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

/** The error text MLflow stores for a failed job (`repr(exc)`). */
export function jobError(e: unknown): string {
  const full = e instanceof Error ? e.message : String(e);
  const message = full.length > MAX_ERROR_CHARS ? `${full.slice(0, MAX_ERROR_CHARS)}…` : full;
  return `MlflowException(${pyRepr(message)})`;
}

class JobLost extends Error {}

/** The detection job service (one per process). */
export class IssueDetectionService {
  readonly owner = crypto.randomUUID();
  readonly leaseMs: number;

  constructor(readonly deps: DetectionServiceDeps) {
    this.leaseMs = deps.leaseMs ?? 60_000;
  }

  /** Records the run (RUNNING, MLflow's tags) and the job, and starts it here. */
  async start(input: {
    experimentId: string;
    traceIds: string[];
    categories: string[];
    model: string;
    endpointName?: string;
    secretId?: string;
    userId?: string;
  }): Promise<{ job_id: string; run_id: string }> {
    checkJobsEnabled(this.deps.env);
    checkParamsSize({ t: input.traceIds, c: input.categories, m: input.model });
    const run = await this.deps.runs.create({
      experimentId: input.experimentId,
      userId: input.userId,
      tags: {
        [RUN_TYPE_TAG]: "issue_detection",
        categories: input.categories.join(","),
        model: input.model,
        total_traces: String(input.traceIds.length),
        ...(input.endpointName ? { endpoint_name: input.endpointName } : {}),
      },
    });
    const runId = run.info.runId;
    const params: DetectionJobParams = {
      experiment_id: input.experimentId,
      trace_ids: input.traceIds,
      categories: input.categories,
      run_id: runId,
      model: input.model,
      ...(input.secretId ? { secret_id: input.secretId } : {}),
    };
    const job = await this.deps.jobs.create(JOB_NAME, { ...params }, this.leaseMs, input.userId);
    await this.deps.runs.setTag(runId, JOB_ID_TAG, job.job_id);
    const claimed = await this.deps.jobs.claimNew(job.job_id, this.owner, this.leaseMs);
    if (claimed) this.spawn(claimed);
    return { job_id: job.job_id, run_id: runId };
  }

  /**
   * A job submitted through the job API with MLflow's parameters (the run exists already;
   * credentials come from the server's environment; no model means MLflow's default).
   */
  async submit(params: Record<string, unknown>, creator?: string): Promise<JobRecord> {
    checkJobsEnabled(this.deps.env);
    const stored = { ...params, model: params.model ?? DEFAULT_MODEL };
    checkParamsSize(stored);
    const job = await this.deps.jobs.create(JOB_NAME, stored, this.leaseMs, creator);
    const claimed = await this.deps.jobs.claimNew(job.job_id, this.owner, this.leaseMs);
    if (claimed) this.spawn(claimed);
    return claimed ?? job;
  }

  /** The job for a poll; one whose worker is gone is taken over (or given up) first. */
  async poll(jobId: string): Promise<JobRecord> {
    const job = await this.deps.jobs.get(jobId);
    if (isFinal(job.status) || job.lease_expires_at >= Date.now()) return job;
    if (job.attempts >= MAX_ATTEMPTS) {
      await this.deps.jobs.fail(
        jobId,
        undefined,
        jobError(
          new Error(
            `The job was interrupted ${job.attempts} times (its server stopped while it ran); ` +
              "start issue detection again.",
          ),
        ),
      );
      if (typeof job.params.run_id === "string") await this.endRun(job.params.run_id, "FAILED");
    } else {
      const claimed = await this.deps.jobs.claim(jobId, this.owner, this.leaseMs);
      if (claimed) this.spawn(claimed);
    }
    return await this.deps.jobs.get(jobId);
  }

  private spawn(job: JobRecord): void {
    const work = job.workspace && !isDefaultWorkspace(job.workspace)
      ? () => withWorkspace(job.workspace!, () => this.execute(job))
      : () => this.execute(job);
    // Runs after the answer; a failure to record the outcome is logged, and the lease then
    // runs out, so a later poll retries the job.
    work().catch((e) =>
      console.error(`issue detection job ${job.job_id}: ${(e as Error).message}`)
    );
  }

  private async endRun(runId: string, status: "FINISHED" | "FAILED"): Promise<void> {
    try {
      await this.deps.runs.update(runId, { status, endTime: Date.now() });
    } catch (e) {
      if (!(e instanceof MlflowError)) throw e; // the run was deleted meanwhile
    }
  }

  private async execute(job: JobRecord): Promise<void> {
    const p = job.params as unknown as DetectionJobParams;
    const { jobs } = this.deps;
    const beat = async (details?: Record<string, unknown>) => {
      if (!(await jobs.heartbeat(job.job_id, this.owner, this.leaseMs, details))) {
        throw new JobLost();
      }
    };
    let lost = false;
    const timer = setInterval(() => {
      beat().catch(() => lost = true);
    }, Math.max(10, Math.floor(this.leaseMs / 3)));
    try {
      const target = await resolveTarget(
        { uri: p.model, secretId: p.secret_id },
        this.deps,
      );
      const model = await chatModel(p.model, target, this.deps);
      const result = await detectIssues({
        experimentId: p.experiment_id,
        traceIds: p.trace_ids,
        categories: p.categories,
        runId: p.run_id,
      }, {
        traces: this.deps.traces,
        issues: this.deps.issues,
        runs: this.deps.runs,
        model,
        sampleSize: this.deps.sampleSize,
        stage: async (stage) => {
          if (lost) throw new JobLost();
          await beat({ stage });
        },
      });
      clearInterval(timer);
      await jobs.finish(job.job_id, this.owner, result);
    } catch (e) {
      clearInterval(timer);
      if (e instanceof JobLost) return; // canceled or taken over: nothing more to write
      if (await jobs.fail(job.job_id, this.owner, jobError(e))) {
        await this.endRun(p.run_id, "FAILED");
      }
    }
  }
}
