/**
 * `deno task ui`: downloads the pinned MLflow UI build into the cache `deno task start` serves
 * from (see `ui_build.ts` for the cache location), unless it is already there.
 *
 * @module
 */
import { cachedBuildDir, defaultCacheDir, isUiBuild, UI_MLFLOW_VERSION } from "./ui_build.ts";
import { fillUiCache } from "./wheel.ts";

if (import.meta.main) {
  const env = Deno.env.toObject();
  const cacheDir = defaultCacheDir(env);
  const existing = cachedBuildDir(cacheDir);
  if (isUiBuild(existing)) {
    console.log(`UI build of mlflow ${UI_MLFLOW_VERSION} already cached in ${existing}`);
  } else {
    try {
      const dir = await fillUiCache(cacheDir, { log: console.log });
      console.log(`UI build of mlflow ${UI_MLFLOW_VERSION} cached in ${dir}`);
    } catch (e) {
      console.error(`Error: ${e instanceof Error ? e.message : e}`);
      Deno.exit(1);
    }
  }
}
