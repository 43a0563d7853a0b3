/**
 * Builds the Hono application from its dependencies; `main.ts` serves it.
 *
 * Every MLflow route is served under `/api/2.0/mlflow` and `/ajax-api/2.0/mlflow` (and 3.0 where
 * MLflow has it). Unknown routes answer 404 with a non-JSON body, which the MLflow client reads
 * as ENDPOINT_NOT_FOUND and uses for its fallbacks.
 *
 * @module
 */
import { Hono } from "hono";
import type { Stores } from "./store/stores.ts";
import { notFoundRoute, onError } from "./http/on_error.ts";
import { experimentRoutes } from "./http/tracking/experiments.ts";
import { metricRoutes } from "./http/tracking/metrics.ts";
import { runRoutes } from "./http/tracking/runs.ts";
import { MLFLOW_COMPAT_VERSION } from "./version.ts";
import { mountMlflow } from "./http/mount.ts";
import { mountReadiness } from "./http/readiness.ts";
import type { Readiness } from "./dynamo/readiness.ts";
import { installGuards, type SecurityOptions } from "./http/middleware/mod.ts";
import { type ObserveOptions, observeRequests } from "./http/middleware/access_log.ts";
import { mountUi, type UiState } from "./ui/static_routes.ts";
import { type AuthSetup, installAuth } from "./http/auth/mod.ts";
import {
  installWorkspaceResolver,
  installWorkspaceScope,
  mountWorkspaceRoutes,
} from "./http/workspaces/mod.ts";

export { mountMlflow };

/** What the application needs. */
export interface AppDeps {
  stores: Stores;
  /** Prefix for every route, e.g. `/mlflow` (`--static-prefix`). */
  staticPrefix?: string;
  /** Extra route groups (artifacts, registry, ...) mounted by their own modules. */
  extraRoutes?: ((app: Hono) => void)[];
  /** The backend's readiness for `GET /ready` (`src/dynamo/readiness.ts`). */
  ready?: () => Promise<Readiness>;
  /** Host check, CORS and security headers (`src/http/middleware/`); unset → MLflow's defaults. */
  security?: SecurityOptions;
  /** Largest JSON request body in bytes (413 beyond it); unset → 32 MiB. */
  maxJsonBodyBytes?: number;
  /** Access log, request ids and per-request DynamoDB cost (`src/http/middleware/access_log.ts`). */
  observe?: ObserveOptions;
  /** Routes mounted on the root, outside the static prefix (`/metrics`). */
  rootRoutes?: ((app: Hono) => void)[];
  /** The web UI build served at `<prefix>/` (see `src/ui/`); no UI routes without it. */
  ui?: UiState;
  /** `--app-name basic-auth`: authentication and permissions (`src/http/auth/`); unset → off. */
  auth?: AuthSetup;
  /** `--enable-workspaces` (`src/http/workspaces/`); unset → off, the header is refused. */
  workspaces?: boolean;
}

/** Creates the application. */
export function createApp(deps: AppDeps): Hono {
  const root = new Hono();
  if (deps.observe) {
    root.use("*", observeRequests({ staticPrefix: deps.staticPrefix, ...deps.observe }));
  }
  installGuards(root, deps.security, deps.maxJsonBodyBytes, deps.staticPrefix);
  const app = new Hono();
  const workspaces = deps.workspaces ?? false;
  installWorkspaceResolver(root, deps.stores, workspaces);
  const auth = deps.auth &&
    installAuth(root, app, deps.auth, deps.stores, deps.staticPrefix ?? "");
  installWorkspaceScope(root, deps.stores, workspaces, deps.staticPrefix ?? "", auth?.access);
  app.get("/health", (c) => c.text("OK"));
  app.get("/version", (c) => c.text(MLFLOW_COMPAT_VERSION));
  mountReadiness(app, deps.ready);
  mountMlflow(app, experimentRoutes(deps.stores));
  mountMlflow(app, runRoutes(deps.stores));
  mountMlflow(app, metricRoutes(deps.stores));
  mountWorkspaceRoutes(app, deps.stores, workspaces);
  for (const mount of deps.extraRoutes ?? []) mount(app);
  for (const mount of deps.rootRoutes ?? []) mount(root);
  if (deps.ui) mountUi(root, deps.staticPrefix ?? "", deps.ui);
  auth?.routesMounted(app);
  root.route(deps.staticPrefix ?? "", app);
  root.notFound(notFoundRoute);
  root.onError(onError);
  return root;
}
