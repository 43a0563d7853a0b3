/**
 * Keys of server jobs (MLflow's job store: `issues/invoke` and the other UI-started jobs), one
 * item per job. Part of `key_schema.ts`, which re-exports it; import that, not this file.
 *
 * @module
 */
import { type Gsi1Key, type Key, padNumber } from "./names.ts";

// Server jobs (docs/key-schema.md, "Jobs").

/** The job item (status, params, result, lease). */
export const jobKey = (jobId: string): Key => ({ pk: `${JOB_PK_PREFIX}${jobId}`, sk: "JOB" });
export const JOB_PK_PREFIX = "JOB#";
/** Job ids this server makes (a UUID); anything else names no job. */
export const JOB_KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Every job, oldest first, in one index partition (MLflow lists jobs by creation time). */
export const JOBS_GSI1_PK = "JOBS";
export const jobGsi1 = (creationTime: number, jobId: string): Gsi1Key => ({
  gsi1pk: JOBS_GSI1_PK,
  gsi1sk: `${padNumber(creationTime)}#${jobId}`,
});
