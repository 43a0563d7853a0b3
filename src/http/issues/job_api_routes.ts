/**
 * MLflow 3.17.2's internal job API for the UI (`mlflow/server/job_api.py`, FastAPI, under
 * `/ajax-api/3.0/jobs`): get, submit, cancel and search jobs, answering its `Job` model, and its
 * errors as FastAPI does (`{"detail": <message>}` with the MlflowException's status; a body that
 * does not fit the payload model is a 422 with pydantic's `detail` list).
 *
 * Of MLflow's job functions this server runs `invoke_issue_detection` (with credentials from the
 * server's environment, as MLflow's job gets them without a secret); the other allowed names
 * (scorers, prompt optimization, evaluation) answer 501.
 *
 * With basic-auth on, a job is its creator's (or an admin's), and a search lists the caller's
 * jobs only (MLflow's `_get_job_route_validator` and `_filter_search_jobs`).
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { MlflowError } from "../../errors.ts";
import { type IssueDetectionService, JOB_NAME } from "../../store/issues/detection_job.ts";
import { type JobRecord, jobView } from "../../store/jobs/job_store.ts";
import { authUser, forbidden } from "../auth/middleware.ts";
import { httpStatusOf } from "../error_status.ts";

const STATUSES = ["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "TIMEOUT", "CANCELED"] as const;
/** MLflow's `_ALLOWED_JOB_NAME_LIST`. */
const MLFLOW_JOB_NAMES = [
  "invoke_scorer",
  "run_online_trace_scorer",
  "run_online_session_scorer",
  "optimize_prompts",
  "invoke_issue_detection",
  "invoke_genai_evaluate",
];
const DETECTION_PARAMS = ["experiment_id", "trace_ids", "categories", "run_id", "model"];

/** MLflow's `Job` model of the job API. */
export function jobModel(job: JobRecord) {
  const view = jobView(job);
  return {
    job_id: job.job_id,
    creation_time: job.creation_time,
    job_name: job.job_name,
    params: job.params,
    timeout: null,
    status: job.status,
    result: view.result,
    error_message: view.error_message,
    retry_count: 0,
    last_update_time: job.last_update_time,
    status_details: view.status_details,
    creator: job.creator ?? null,
    status_message: null,
    progress: null,
    progress_updated_at: null,
  };
}

/** FastAPI's answer for an MlflowException turned into an `HTTPException`. */
function detail(c: Context, e: MlflowError): Response {
  return c.json({ detail: e.message }, httpStatusOf(e.code) as 400);
}

/** Pydantic's 422 for one bad field. */
function unprocessable(c: Context, type: string, loc: string[], msg: string, input: unknown) {
  return c.json({ detail: [{ type, loc: ["body", ...loc], msg, input }] }, 422);
}

const pyList = (xs: string[]) => `[${xs.map((x) => `'${x}'`).join(", ")}]`;

async function body(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    return undefined;
  }
}

const JOBS = "/ajax-api/3.0/jobs";

/** The routes, with their full paths (FastAPI serves submit at `/jobs/`, and `/jobs` too). */
export function jobApiRoutes(detection: IssueDetectionService): Hono {
  const app = new Hono();
  const jobs = detection.deps.jobs;
  const ownerDenied = async (c: Context, jobId: string) => {
    const user = authUser(c);
    if (!user || user.is_admin) return false;
    const job = await jobs.find(jobId);
    return job?.creator === undefined || job.creator !== user.username;
  };
  const guarded = (fn: (c: Context) => Promise<Response>) => async (c: Context) => {
    try {
      return await fn(c);
    } catch (e) {
      if (e instanceof MlflowError) return detail(c, e);
      throw e;
    }
  };

  app.post(
    `${JOBS}/search`,
    guarded(async (c) => {
      const raw = (await body(c)) ?? {};
      if (typeof raw !== "object" || Array.isArray(raw)) {
        return unprocessable(
          c,
          "model_attributes_type",
          [],
          "Input should be a valid dictionary or object to extract fields from",
          raw,
        );
      }
      const p = raw as Record<string, unknown>;
      if (p.job_name != null && typeof p.job_name !== "string") {
        return unprocessable(
          c,
          "string_type",
          ["job_name"],
          "Input should be a valid string",
          p.job_name,
        );
      }
      if (p.params != null && (typeof p.params !== "object" || Array.isArray(p.params))) {
        return unprocessable(
          c,
          "dict_type",
          ["params"],
          "Input should be a valid dictionary",
          p.params,
        );
      }
      const statuses = p.statuses == null ? undefined : p.statuses;
      if (statuses !== undefined) {
        if (!Array.isArray(statuses)) {
          return unprocessable(
            c,
            "list_type",
            ["statuses"],
            "Input should be a valid list",
            statuses,
          );
        }
        const bad = statuses.findIndex((s) => !(STATUSES as readonly unknown[]).includes(s));
        if (bad >= 0) {
          return unprocessable(
            c,
            "enum",
            ["statuses", String(bad)],
            `Input should be ${
              STATUSES.slice(0, -1).map((s) => `'${s}'`).join(", ")
            } or 'CANCELED'`,
            statuses[bad],
          );
        }
      }
      let found = await jobs.list({
        jobName: (p.job_name as string | null) ?? undefined,
        statuses: statuses as JobRecord["status"][] | undefined,
        params: (p.params as Record<string, unknown> | null) ?? undefined,
      });
      const user = authUser(c);
      if (user && !user.is_admin) found = found.filter((j) => j.creator === user.username);
      return c.json({ jobs: found.map(jobModel) });
    }),
  );

  const submit = guarded(async (c) => {
    const raw = await body(c);
    const p = (raw ?? {}) as Record<string, unknown>;
    if (typeof p.job_name !== "string") {
      return p.job_name === undefined
        ? unprocessable(c, "missing", ["job_name"], "Field required", raw ?? null)
        : unprocessable(
          c,
          "string_type",
          ["job_name"],
          "Input should be a valid string",
          p.job_name,
        );
    }
    if (p.params === null || typeof p.params !== "object" || Array.isArray(p.params)) {
      return p.params === undefined
        ? unprocessable(c, "missing", ["params"], "Field required", raw)
        : unprocessable(
          c,
          "dict_type",
          ["params"],
          "Input should be a valid dictionary",
          p.params,
        );
    }
    if (!MLFLOW_JOB_NAMES.includes(p.job_name)) {
      throw new MlflowError("INVALID_PARAMETER_VALUE", `Invalid job name: ${p.job_name}`);
    }
    if (p.job_name !== JOB_NAME) {
      throw new MlflowError(
        "NOT_IMPLEMENTED",
        `This server does not run '${p.job_name}' jobs (only '${JOB_NAME}').`,
      );
    }
    const params = p.params as Record<string, unknown>;
    const missing = DETECTION_PARAMS.slice(0, 4).filter((k) => !(k in params));
    if (missing.length) {
      throw new MlflowError(
        "INVALID_PARAMETER_VALUE",
        `Missing required parameters for function 'invoke_issue_detection_job': ${
          pyList(missing)
        }. Expected parameters: ${pyList(DETECTION_PARAMS)}`,
      );
    }
    const job = await detection.submit(params, authUser(c)?.username);
    return c.json(jobModel(job));
  });
  app.post(`${JOBS}/`, submit);
  app.post(JOBS, submit);

  app.patch(
    `${JOBS}/cancel/:job_id`,
    guarded(async (c) => {
      const jobId = c.req.param("job_id")!;
      if (await ownerDenied(c, jobId)) return forbidden();
      return c.json(jobModel(await jobs.cancel(jobId)));
    }),
  );

  app.get(
    `${JOBS}/:job_id`,
    guarded(async (c) => {
      const jobId = c.req.param("job_id")!;
      if (await ownerDenied(c, jobId)) return forbidden();
      return c.json(jobModel(await detection.poll(jobId)));
    }),
  );

  return app;
}
