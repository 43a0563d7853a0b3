/**
 * The UI's start-up and shell calls that are not in MLflow's protos, answered as `mlflow server`
 * answers them on a server without telemetry, workspaces, trace archival or an assistant
 * (`workspaces_enabled` follows `--enable-workspaces`; `gateway-proxy` lives with the AI Gateway
 * routes, `src/http/gateway/`):
 *
 * - `GET ajax-api/3.0/mlflow/server-info` (also under `api/3.0`): the store type (null: neither
 *   FileStore nor SqlStore) and the feature switches the UI reads.
 * - `GET ajax-api/3.0/mlflow/ui-telemetry`: telemetry disabled; `POST`: `{"status": "disabled"}`.
 * - `GET ajax-api/3.0/mlflow/assistant/config`: no providers, no projects; `…/providers`: none.
 *
 * @module
 */
import type { Hono } from "hono";
import { z } from "zod";
import { parseRequest } from "../request.ts";

/** MLflow's telemetry answer when telemetry is off (`FALLBACK_UI_CONFIG`). */
const TELEMETRY_DISABLED = {
  disable_ui_telemetry: true,
  disable_ui_events: [],
  ui_rollout_percentage: 0,
};

/** Mounts the routes (relative to the static prefix). */
export function mountInfoRoutes(app: Hono, workspacesEnabled = false): void {
  const serverInfo = {
    store_type: null,
    workspaces_enabled: workspacesEnabled,
    trace_archival_enabled: false,
    multipart_uploads_enabled: false,
    multipart_downloads_enabled: false,
    presigned_upload_run_id_supported: false,
    presigned_upload_model_id_supported: false,
    // MLFLOW_ENABLE_AI_GATEWAY (default on), as MLflow reports it.
    features_enabled: {
      gateway: !["false", "0"].includes(
        (Deno.env.get("MLFLOW_ENABLE_AI_GATEWAY") ?? "").trim().toLowerCase(),
      ),
    },
  };
  for (const api of ["api", "ajax-api"]) {
    app.get(`/${api}/3.0/mlflow/server-info`, (c) => c.json(serverInfo));
  }
  app.get("/ajax-api/3.0/mlflow/ui-telemetry", (c) => c.json(TELEMETRY_DISABLED));
  app.post("/ajax-api/3.0/mlflow/ui-telemetry", async (c) => {
    // The records are validated as MLflow reads them, then dropped: telemetry is off.
    await parseRequest(c, z.object({ records: z.array(z.unknown()).optional() }).passthrough());
    return c.json({ status: "disabled" });
  });
  app.get(
    "/ajax-api/3.0/mlflow/assistant/config",
    (c) => c.json({ providers: {}, projects: {}, remote_access_allowed: false }),
  );
  app.get(
    "/ajax-api/3.0/mlflow/assistant/providers",
    (c) => c.json({ providers: [], resolved: null, gateway_vendor_options: [] }),
  );
}
