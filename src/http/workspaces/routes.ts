/**
 * Workspace CRUD, as MLflow 3.17.2's `WorkspaceService` (`/api/3.0/mlflow/workspaces[/{name}]`
 * and the ajax twin): list, create (201), get, update (PATCH), delete (204, `?mode=`). Without
 * `--enable-workspaces` every route answers MLflow's 503 text (`_disable_if_workspaces_disabled`).
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { z } from "zod";
import { invalidParameter, missingParameter } from "../../errors.ts";
import { validateArtifactLocation } from "../../artifacts/artifact_uri.ts";
import {
  DELETION_MODES,
  type DeletionMode,
  validateWorkspaceName,
  type WorkspaceStore,
} from "../../store/workspaces/workspace_store.ts";
import { DEFAULT_WORKSPACE } from "../../util/workspace_context.ts";
import { mlflowJson } from "../json.ts";
import { parseRequest } from "../request.ts";

/** MLflow's order of `WorkspaceDeletionMode`, for its error message. */
const MODE_ORDER = ["SET_DEFAULT", "CASCADE", "RESTRICT"];

const CreateSchema = z.object({
  name: z.string().optional(),
  description: z.string().optional(),
  default_artifact_root: z.string().optional(),
  trace_archival_config: z.unknown().optional(),
}).passthrough();
const UpdateSchema = CreateSchema.omit({ name: true });

/**
 * MLflow's `_validate_workspace_default_artifact_root`: trimmed; empty means "clear"; otherwise a
 * URI or an absolute path (a relative one would land on the client's machine).
 */
function artifactRoot(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === "") return "";
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(trimmed)?.[1];
  if (!(scheme && scheme.length > 1) && !trimmed.startsWith("/")) {
    throw invalidParameter(
      "Invalid value for 'default_artifact_root'. Expected a URI (for example " +
        "'s3://bucket/prefix' or 'mlflow-artifacts:/prefix') or an absolute path, got " +
        `'${trimmed}'.`,
    );
  }
  validateArtifactLocation(trimmed, "default_artifact_root");
  return trimmed;
}

// Trace archival is not offered by this server: a workspace setting for it is refused, not lost.
function refuseTraceArchival(value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value === "object" && Object.keys(value as object).length === 0) return;
  throw invalidParameter(
    "trace_archival_config is not supported: this server has no trace archival.",
  );
}

function checkName(name: string): string {
  if (name !== DEFAULT_WORKSPACE) validateWorkspaceName(name);
  return name;
}

function disabled(c: Context, rule: string): Response {
  const api = c.req.path.includes("/ajax-api/") ? "ajax-api" : "api";
  return c.text(
    `Endpoint: /${api}/3.0/mlflow/workspaces${rule} disabled because the server is running ` +
      "without workspaces support. To enable workspace, run `mlflow server` with " +
      "`--enable-workspaces`",
    503,
  );
}

/** The routes, relative to `/api/3.0/mlflow` and `/ajax-api/3.0/mlflow`. */
export function workspaceRoutes(store: WorkspaceStore, enabled: boolean): Hono {
  const app = new Hono();
  if (!enabled) {
    app.on(["GET", "POST"], "/workspaces", (c) => disabled(c, ""));
    app.on(
      ["GET", "PATCH", "DELETE"],
      "/workspaces/:workspace_name",
      (c) => disabled(c, "/<workspace_name>"),
    );
    return app;
  }
  app.get("/workspaces", async () => {
    const workspaces = await store.list();
    return mlflowJson(workspaces.length > 0 ? { workspaces } : {});
  });
  app.post("/workspaces", async (c) => {
    const req = await parseRequest(c, CreateSchema);
    if (req.name === undefined) throw invalidParameter(missingParameter("name"));
    if (req.name === DEFAULT_WORKSPACE) {
      throw invalidParameter(
        `The '${DEFAULT_WORKSPACE}' workspace is reserved and cannot be created`,
      );
    }
    validateWorkspaceName(req.name);
    refuseTraceArchival(req.trace_archival_config);
    const root = artifactRoot(req.default_artifact_root);
    const workspace = await store.create({
      name: req.name,
      ...(req.description !== undefined ? { description: req.description } : {}),
      ...(root ? { default_artifact_root: root } : {}),
    });
    return mlflowJson({ workspace }, 201);
  });
  app.get("/workspaces/:workspace_name", async (c) => {
    const name = checkName(c.req.param("workspace_name"));
    return mlflowJson({ workspace: await store.get(name) });
  });
  app.patch("/workspaces/:workspace_name", async (c) => {
    const name = checkName(c.req.param("workspace_name"));
    const req = await parseRequest(c, UpdateSchema);
    if (req.description === undefined && req.default_artifact_root === undefined) {
      if (req.trace_archival_config === undefined) {
        throw invalidParameter("Workspace update must have at least one key");
      }
    }
    refuseTraceArchival(req.trace_archival_config);
    const root = artifactRoot(req.default_artifact_root);
    const workspace = await store.update(name, {
      ...(req.description !== undefined ? { description: req.description } : {}),
      ...(root !== undefined ? { default_artifact_root: root } : {}),
    });
    return mlflowJson({ workspace });
  });
  app.delete("/workspaces/:workspace_name", async (c) => {
    const name = c.req.param("workspace_name");
    if (name === DEFAULT_WORKSPACE) {
      throw invalidParameter(
        `The '${DEFAULT_WORKSPACE}' workspace is reserved and cannot be deleted`,
      );
    }
    validateWorkspaceName(name);
    const mode = c.req.query("mode") ?? "RESTRICT";
    if (!(DELETION_MODES as readonly string[]).includes(mode)) {
      throw invalidParameter(
        `Invalid deletion mode '${mode}'. Must be one of: ${MODE_ORDER.join(", ")}`,
      );
    }
    await store.delete(name, mode as DeletionMode);
    return c.body(null, 204);
  });
  return app;
}
