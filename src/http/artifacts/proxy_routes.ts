/**
 * The mlflow-artifacts proxy (MLflow's `MlflowArtifactsService`), under
 * `/api/2.0/mlflow-artifacts` and `/ajax-api/2.0/mlflow-artifacts`:
 *
 * | route | what |
 * |---|---|
 * | `PUT /artifacts/<path>` | raw body streamed to the store → `{}` |
 * | `GET /artifacts/<path>` | file streamed as an attachment |
 * | `GET /artifacts?path=<dir>` | `{"files":[{"path","is_dir","file_size"}]}` (basenames), `{}` if empty |
 * | `DELETE /artifacts/<path>` | file or directory removed → `{}` |
 * | `POST /mpu/{create,complete,abort}/<dir>` | multipart upload with presigned part URLs (S3 only; else 501) |
 * | `GET /presigned/<path>` | 501: multipart download is not offered |
 *
 * Every path is validated by `safeArtifactPath` before the store is touched. Bodies are never
 * buffered: uploads hand the request stream to the store, downloads return the store's stream.
 * With `--no-serve-artifacts` every route answers 503 text, as MLflow does.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { z } from "zod";
import { safeArtifactPath } from "../../artifacts/safe_path.ts";
import { workspaceScopedPath } from "../../artifacts/workspace_path.ts";
import { type ArtifactStore, joinPath } from "../../artifacts/store.ts";
import { MlflowError } from "../../errors.ts";
import { mlflowJson, nonEmpty } from "../json.ts";
import { int64, parseRequest, requireString } from "../request.ts";
import { fileResponse, rawPath, rawPathAfter } from "./responses.ts";

/** MLflow's message for a store without multipart uploads; the client falls back to a plain PUT. */
export const MULTIPART_UPLOAD_UNSUPPORTED =
  "Multipart upload is not supported for the current artifact repository";
/** MLflow's message for a store without presigned downloads; the client downloads through us. */
export const MULTIPART_DOWNLOAD_UNSUPPORTED =
  "Multipart download is not supported for the current artifact repository";

const SERVICE = "/mlflow-artifacts";

/** Flask's rule for each route, for the `--no-serve-artifacts` message. */
const RULES = {
  artifact: "/artifacts/<path:artifact_path>",
  list: "/artifacts",
  create: "/mpu/create/<path:artifact_path>",
  complete: "/mpu/complete/<path:artifact_path>",
  abort: "/mpu/abort/<path:artifact_path>",
  presigned: "/presigned/<path:artifact_path>",
} as const;

function notFoundText(c: Context): Response {
  return c.text("Not Found", 404);
}

/** The validated artifact path after `/mlflow-artifacts<route>/`, or undefined for an empty one. */
function artifactPath(c: Context, route: string): string | undefined {
  const raw = rawPathAfter(c, `${SERVICE}${route}/`);
  if (raw === undefined || raw === "") return undefined;
  return workspaceScopedPath(safeArtifactPath(raw));
}

/** The basename of the client's local file (`path` in multipart requests), validated. */
function uploadFileName(localPath: string): string {
  const name = safeArtifactPath(localPath.split(/[\\/]/).pop() ?? "");
  if (name === "" || name.includes("/")) {
    throw new MlflowError("INVALID_PARAMETER_VALUE", "Invalid path");
  }
  return name;
}

function multipartOf(store: ArtifactStore) {
  if (!store.multipart) throw new MlflowError("NOT_IMPLEMENTED", MULTIPART_UPLOAD_UNSUPPORTED);
  return store.multipart;
}

const CreateSchema = z.object({ path: z.string().optional(), num_parts: int64.optional() });
const CompleteSchema = z.object({
  path: z.string().optional(),
  upload_id: z.string().optional(),
  parts: z.array(z.object({
    part_number: int64.optional(),
    etag: z.string().optional(),
    url: z.string().optional(),
  })).optional(),
});
const AbortSchema = z.object({ path: z.string().optional(), upload_id: z.string().optional() });

/** The routes served when artifacts are proxied to `store`. */
function servingRoutes(store: ArtifactStore): Hono {
  const app = new Hono();

  app.get("/artifacts", async (c) => {
    const raw = c.req.query("path");
    const path = workspaceScopedPath(raw === undefined ? "" : safeArtifactPath(raw)) ?? "";
    const entries = await store.list(path);
    const files = entries.map((e) =>
      e.isDir
        ? { path: e.name, is_dir: true }
        : { path: e.name, is_dir: false, file_size: e.fileSize ?? 0 }
    );
    return mlflowJson({ files: nonEmpty(files) });
  });

  app.put("/artifacts/*", async (c) => {
    const path = artifactPath(c, "/artifacts");
    if (path === undefined) return notFoundText(c);
    await store.put(path, c.req.raw.body, { contentType: c.req.header("content-type") });
    return mlflowJson({});
  });

  app.get("/artifacts/*", async (c) => {
    const path = artifactPath(c, "/artifacts");
    if (path === undefined) return notFoundText(c);
    return fileResponse(await store.get(path), path);
  });

  app.delete("/artifacts/*", async (c) => {
    const path = artifactPath(c, "/artifacts");
    if (path === undefined) return notFoundText(c);
    await store.delete(path);
    return mlflowJson({});
  });

  app.post("/mpu/create/*", async (c) => {
    const dir = artifactPath(c, "/mpu/create") ?? workspaceScopedPath("") ?? "";
    const req = await parseRequest(c, CreateSchema);
    const name = uploadFileName(requireString(req.path, "path"));
    const created = await multipartOf(store).create(joinPath(dir, name), req.num_parts ?? 0);
    return mlflowJson({
      upload_id: created.uploadId,
      credentials: nonEmpty(created.credentials.map((cr) => ({
        url: cr.url,
        part_number: cr.partNumber,
        headers: cr.headers,
      }))),
    });
  });

  app.post("/mpu/complete/*", async (c) => {
    const dir = artifactPath(c, "/mpu/complete") ?? workspaceScopedPath("") ?? "";
    const req = await parseRequest(c, CompleteSchema);
    const name = uploadFileName(requireString(req.path, "path"));
    if (req.parts === undefined) {
      throw new MlflowError(
        "INVALID_PARAMETER_VALUE",
        "Missing value for required parameter 'parts'. See the API docs for more information about request parameters.",
      );
    }
    const parts = req.parts.map((p) => ({ partNumber: p.part_number ?? 0, etag: p.etag ?? "" }));
    await multipartOf(store).complete(joinPath(dir, name), req.upload_id ?? "", parts);
    return mlflowJson({});
  });

  app.post("/mpu/abort/*", async (c) => {
    const dir = artifactPath(c, "/mpu/abort") ?? workspaceScopedPath("") ?? "";
    const req = await parseRequest(c, AbortSchema);
    const name = uploadFileName(requireString(req.path, "path"));
    await multipartOf(store).abort(joinPath(dir, name), req.upload_id ?? "");
    return mlflowJson({});
  });

  app.get("/presigned/*", (c) => {
    if (artifactPath(c, "/presigned") === undefined) return notFoundText(c);
    throw new MlflowError("NOT_IMPLEMENTED", MULTIPART_DOWNLOAD_UNSUPPORTED);
  });

  return app;
}

/** The same routes, each answering MLflow's `--no-serve-artifacts` 503 text. */
function disabledRoutes(): Hono {
  const app = new Hono();
  const disabled = (rule: string) => (c: Context) => {
    const path = rawPath(c);
    const prefix = path.slice(0, path.indexOf(SERVICE) + SERVICE.length);
    return c.text(
      `Endpoint: ${prefix}${rule} disabled due to the mlflow server running with \`--no-serve-artifacts\`. To enable artifacts server functionality, run \`mlflow server\` with \`--serve-artifacts\``,
      503,
    );
  };
  app.get("/artifacts", disabled(RULES.list));
  app.on(["GET", "PUT", "DELETE"], "/artifacts/*", disabled(RULES.artifact));
  app.post("/mpu/create/*", disabled(RULES.create));
  app.post("/mpu/complete/*", disabled(RULES.complete));
  app.post("/mpu/abort/*", disabled(RULES.abort));
  app.get("/presigned/*", disabled(RULES.presigned));
  return app;
}

/**
 * Mounts the proxy under `/api/2.0/mlflow-artifacts` and `/ajax-api/2.0/mlflow-artifacts`.
 *
 * @param store the `--artifacts-destination` store, or undefined for `--no-serve-artifacts`
 */
export function mountArtifactProxy(app: Hono, store: ArtifactStore | undefined): void {
  const routes = store ? servingRoutes(store) : disabledRoutes();
  app.route(`/api/2.0${SERVICE}`, routes);
  app.route(`/ajax-api/2.0${SERVICE}`, routes);
}
