/**
 * MLflow serves each route group under the API and the ajax-API prefix of one or more versions.
 *
 * @module
 */
import type { Hono } from "hono";

/** Mounts `routes` under both the API and the ajax-API prefix of the given versions. */
export function mountMlflow(app: Hono, routes: Hono, versions: string[] = ["2.0"]): void {
  for (const v of versions) {
    app.route(`/api/${v}/mlflow`, routes);
    app.route(`/ajax-api/${v}/mlflow`, routes);
  }
}
