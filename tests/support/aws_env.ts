/**
 * The one rule for whether the real-AWS smoke tier can run here. Both the test
 * (`tests/aws_smoke/`) and the runner (`tests/run_all.ts`) ask it, so the runner reports the tier
 * SKIPPED exactly when the test would ignore itself, never "ok, 0 passed".
 *
 * Imports nothing, so the runner can load it even when the project does not type-check.
 *
 * @module
 */

/** The variables the rule reads (a subset of `Deno.env`). */
export interface EnvReader {
  get(key: string): string | undefined;
}

/** The variable naming the table the smoke test may use. */
export const AWS_TEST_TABLE_ENV = "MLFLOW_DYNAMODB_TEST_TABLE";

/** Variables that stand for AWS credentials in the SDK's default chain. */
const CREDENTIAL_VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_PROFILE",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
];

/** Why the real-AWS smoke test cannot run with `env`, or undefined when it can. */
export function awsSmokeSkipReason(env: EnvReader = Deno.env): string | undefined {
  if (!env.get(AWS_TEST_TABLE_ENV)) return `${AWS_TEST_TABLE_ENV} is not set`;
  if (!CREDENTIAL_VARIABLES.some((k) => env.get(k))) {
    return "no AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, a web identity or container credentials)";
  }
  if (!env.get("AWS_REGION") && !env.get("AWS_DEFAULT_REGION") && !env.get("AWS_PROFILE")) {
    return "no AWS region (set AWS_REGION)";
  }
  return undefined;
}
