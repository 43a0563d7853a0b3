/**
 * The `createApp` settings that come from the configuration (static prefix, security guards, body
 * limit, workspaces), shared by `main.ts` and the HTTP tests so that both build the same app.
 *
 * @module
 */
import type { AppDeps } from "../app.ts";
import type { Config } from "../config/config.ts";

/** The configuration-derived part of {@link AppDeps}. */
export function appOptions(
  config: Config,
): Pick<AppDeps, "staticPrefix" | "security" | "maxJsonBodyBytes" | "workspaces"> {
  return {
    staticPrefix: config.staticPrefix,
    security: {
      ...(config.allowedHosts ? { allowedHosts: config.allowedHosts } : {}),
      ...(config.corsAllowedOrigins ? { corsAllowedOrigins: config.corsAllowedOrigins } : {}),
      bindHost: config.host,
      xFrameOptions: config.xFrameOptions,
      disabled: config.disableSecurityMiddleware,
    },
    maxJsonBodyBytes: config.maxJsonBodyBytes,
    workspaces: config.enableWorkspaces,
  };
}
