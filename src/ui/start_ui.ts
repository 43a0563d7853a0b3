/**
 * Start-up of the web UI: finds a build (`ui_build.ts`) and, when there is none and downloads are
 * allowed, fills the cache from PyPI in the background (`wheel.ts`), so the API serves at once
 * and the UI appears when the download is done. Every outcome is one clear log line.
 *
 * @module
 */
import { bundledBuildDir, defaultCacheDir, findUiBuild, UI_MLFLOW_VERSION } from "./ui_build.ts";
import { runningCompiled } from "../util/compiled.ts";
import { missingUiMessage, type UiState } from "./static_routes.ts";
import { fillUiCache } from "./wheel.ts";

/** The settings start-up reads. */
export interface UiSettings {
  uiDir?: string;
  uiDownload: boolean;
}

/** A UI state plus the background download, if one was started (await it to know it ended). */
export interface StartedUi {
  state: UiState;
  download?: Promise<void>;
}

/** Finds or fetches the UI build; logs where it comes from or how to get one. */
export async function startUi(
  settings: UiSettings,
  env: Record<string, string | undefined>,
  log: (line: string) => void = console.log,
  fill: (cacheDir: string) => Promise<string> = (dir) => fillUiCache(dir, { log }),
): Promise<StartedUi> {
  const cacheDir = defaultCacheDir(env);
  const found = await findUiBuild({
    uiDir: settings.uiDir,
    cacheDir,
    env,
    ...(runningCompiled() ? { bundledDir: bundledBuildDir() } : {}),
  });
  if (found.build) {
    log(`UI: serving the MLflow web UI from ${found.build.dir} (${found.build.source})`);
    return { state: { dir: found.build.dir, missingMessage: "" } };
  }
  if (found.problem) {
    log(`UI: ${found.problem}; the API serves without the UI`);
    return { state: { missingMessage: missingUiMessage(found.problem) } };
  }
  if (!settings.uiDownload) {
    const why = "No UI build found and --no-ui-download is set.";
    log(`UI: ${why} Run \`deno task ui\` or pass --ui-dir to get the web UI.`);
    return { state: { missingMessage: missingUiMessage(why) } };
  }
  const state: UiState = {
    missingMessage: missingUiMessage(
      `The UI build of mlflow ${UI_MLFLOW_VERSION} is being downloaded; reload in a moment.`,
    ),
  };
  log(`UI: no build found; fetching mlflow ${UI_MLFLOW_VERSION}'s UI from PyPI in the background`);
  const download = fill(cacheDir).then((dir) => {
    state.dir = dir;
    log(`UI: ready (${dir})`);
  }, (e) => {
    const why = `Downloading the UI failed: ${e instanceof Error ? e.message : e}.`;
    state.missingMessage = missingUiMessage(why);
    log(`UI: ${why} The API serves without the UI; run \`deno task ui\` or pass --ui-dir.`);
  });
  return { state, download };
}
