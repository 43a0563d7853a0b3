/**
 * The UI's issue detection routes (MLflow 3.17.2, ajax-API only): `POST issues/invoke` starts a
 * detection job (MLflow's `_invoke_issue_detection_handler`, its checks in its order), `GET
 * jobs/{id}` answers the UI's polls and `PATCH jobs/cancel/{id}` cancels (`_get_job`,
 * `_cancel_job`). Two MLflow answers that are 500s there (no model chosen, an unknown provider
 * with a secret) are 400 `INVALID_PARAMETER_VALUE` here, with MLflow's message.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { invalidParameter, missingParameter, MlflowError } from "../../errors.ts";
import { CORE_PROVIDER_ENV_VARS, providerKeyVars } from "../../store/issues/chat_model.ts";
import type { IssueDetectionService } from "../../store/issues/detection_job.ts";
import { jobView } from "../../store/jobs/job_store.ts";
import type { TraceStore } from "../../store/traces/trace_store.ts";
import { authUser, forbidden } from "../auth/middleware.ts";
import { invalidValue, jsonBody } from "../request.ts";

type Check = (v: unknown) => boolean;
const isString: Check = (v) => typeof v === "string";
const isArray: Check = (v) => Array.isArray(v);
const allStrings: Check = (v) => (v as unknown[]).every((x) => typeof x === "string");

/** MLflow's `_validate_request_json_with_schema` for one field. */
function check(body: Record<string, unknown>, name: string, required: boolean, ...fns: Check[]) {
  if (!(name in body) && !required) return;
  const v = body[name];
  if (required && (v === undefined || v === null || v === "")) {
    throw invalidParameter(missingParameter(name));
  }
  for (const f of fns) if (!f(v)) throw invalidParameter(invalidValue(name, v));
}

const opt = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The credential checks MLflow makes before it submits the job. */
function checkCredentials(
  provider: string,
  endpointName: string | undefined,
  secretId: string | undefined,
  env: (name: string) => string | undefined,
): void {
  const name = provider.toLowerCase();
  if (secretId && CORE_PROVIDER_ENV_VARS[name] === undefined) {
    throw invalidParameter(
      `Unknown provider '${provider}'. Supported providers: ${
        Object.keys(CORE_PROVIDER_ENV_VARS).join(", ")
      }. To use other providers, create an AI Gateway endpoint instead.`,
    );
  }
  if (endpointName || secretId) return;
  const vars = providerKeyVars(name);
  if (!vars) {
    throw invalidParameter(
      `Unsupported provider '${provider}'. Choose a supported provider or AI Gateway endpoint.`,
    );
  }
  if (!vars.some((v) => env(v))) {
    const hint = vars.length === 1 ? vars[0] : `one of ${vars.join(", ")}`;
    throw invalidParameter(
      `No API key available for provider '${provider}'. Save an API key in AI Gateway, or set ${hint} on the MLflow server.`,
    );
  }
}

/**
 * With basic-auth on, a job is its creator's (or an admin's), as MLflow's
 * `validate_is_job_owner`: anyone else, also for an unknown job, gets its 403.
 */
async function ownerDenied(
  c: Context,
  detection: IssueDetectionService,
  jobId: string,
): Promise<boolean> {
  const user = authUser(c);
  if (!user || user.is_admin) return false;
  const job = await detection.deps.jobs.find(jobId);
  return job?.creator === undefined || job.creator !== user.username;
}

/** The routes, mounted under `/ajax-api/3.0/mlflow`. */
export function invokeRoutes(
  detection: IssueDetectionService,
  traces: TraceStore,
): Hono {
  const app = new Hono();

  app.post("/issues/invoke", async (c: Context) => {
    const body = await jsonBody(c, true);
    check(body, "experiment_id", true, isString);
    check(body, "trace_ids", true, isArray, allStrings);
    check(body, "categories", true, isArray);
    check(body, "provider", true, isString);
    check(body, "model", false, isString);
    check(body, "secret_id", false, isString);
    check(body, "endpoint_name", false, isString);
    const experimentId = body.experiment_id as string;
    const traceIds = [...new Set(body.trace_ids as string[])];
    const categories = (body.categories as unknown[]).map(String);
    const provider = body.provider as string;
    const model = opt(body.model);
    const secretId = opt(body.secret_id);
    const endpointName = opt(body.endpoint_name);
    if (traceIds.length === 0) {
      throw invalidParameter("Please select at least one trace to analyze.");
    }
    if (!endpointName && !(provider && model)) {
      throw invalidParameter(
        "Either 'endpoint_name' or both 'provider' and 'model' must be provided",
      );
    }
    // USE on the secret (MLflow's `validate_can_invoke_issue_detection`): gateway secrets carry
    // no grants on this server, so only an admin may hand one to a job.
    const user = authUser(c);
    if (secretId && user && !user.is_admin) return forbidden();
    checkCredentials(provider, endpointName, secretId, detection.deps.env);
    // The traces that exist must be the experiment's (missing ones fail in the job, as MLflow).
    for (const t of await traces.getRecords(traceIds)) {
      if (t.experiment_id !== experimentId) {
        throw new MlflowError("PERMISSION_DENIED", "Not all requested traces could be accessed.");
      }
    }
    if (secretId) await detection.deps.gateway.secrets.open(secretId);
    const started = await detection.start({
      experimentId,
      traceIds,
      categories,
      model: endpointName ? `gateway:/${endpointName}` : `${provider.toLowerCase()}:/${model}`,
      endpointName,
      secretId: endpointName ? undefined : secretId,
      userId: authUser(c)?.username,
    });
    return c.json(started);
  });

  app.get("/jobs/:job_id", async (c) => {
    const jobId = c.req.param("job_id");
    if (await ownerDenied(c, detection, jobId)) return forbidden();
    return c.json(jobView(await detection.poll(jobId)));
  });

  app.patch("/jobs/cancel/:job_id", async (c) => {
    const jobId = c.req.param("job_id");
    if (await ownerDenied(c, detection, jobId)) return forbidden();
    return c.json(jobView(await detection.deps.jobs.cancel(jobId)));
  });

  return app;
}
