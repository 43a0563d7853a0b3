/**
 * `deno task compile`: the single-binary build. It embeds the MLflow UI build when one is found
 * (`--ui-dir`, the cache `deno task ui` fills, or an installed `mlflow`): the build is copied to
 * `dist/ui-build` and passed to `deno compile --include`, where the binary's UI lookup finds it
 * (`bundledBuildDir` in `src/ui/ui_build.ts`). Without a build the binary serves the API and
 * finds a UI at run time as `deno task start` does.
 *
 * `deno compile` downloads its runtime (`denort`) on first use; where that download is not
 * reachable it fails, and this command says so in one line.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { SERVER_PERMISSIONS } from "../server/parallel.ts";
import { defaultCacheDir, findUiBuild } from "../ui/ui_build.ts";

/** The directory `deno compile` embeds and the binary reads its UI from. */
export const BUNDLED_UI_DIR = join("dist", "ui-build");

/** The `deno compile` arguments: the server's permissions, the UI build if any, the output. */
export function compileArgs(output: string, withUi: boolean): string[] {
  return [
    "compile",
    ...SERVER_PERMISSIONS,
    ...(withUi ? ["--include", BUNDLED_UI_DIR] : []),
    "-o",
    output,
    "main.ts",
  ];
}

/** Why a failed `deno compile` failed, in one line. */
export function compileFailure(stderr: string): string {
  if (/denort|download|dl\.deno\.land|error sending request/i.test(stderr)) {
    return "deno compile could not download its runtime (denort); run it on a machine that " +
      "reaches dl.deno.land, or set DENORT_BIN to a local denort of the same Deno version";
  }
  const line = stderr.split("\n").map((l) => l.trim()).find((l) => l.length > 0);
  return `deno compile failed: ${line ?? "no output"}`;
}

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const src = join(from, entry.name);
    const dst = join(to, entry.name);
    if (entry.isDirectory) await copyDir(src, dst);
    else if (entry.isFile) await Deno.copyFile(src, dst);
  }
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: Deno.args,
      options: {
        output: { type: "string", short: "o", default: join("dist", "mlflow-dynamodb-server") },
        "ui-dir": { type: "string" },
        "no-ui": { type: "boolean" },
      },
      strict: true,
    }));
  } catch (e) {
    console.error(`Error: ${(e as Error).message}`);
    return 2;
  }
  const env = Deno.env.toObject();
  let withUi = false;
  if (!values["no-ui"]) {
    const found = await findUiBuild({
      uiDir: values["ui-dir"] ?? env.MLFLOW_UI_DIR,
      cacheDir: defaultCacheDir(env),
      env,
    });
    if (found.build && found.build.source !== "bundled") {
      await Deno.remove(BUNDLED_UI_DIR, { recursive: true }).catch(() => {});
      await copyDir(found.build.dir, BUNDLED_UI_DIR);
    }
    withUi = !!found.build;
    console.log(
      found.build
        ? `UI: embedding the MLflow web UI from ${found.build.dir}`
        : `UI: ${found.problem ?? "no UI build found (run 'deno task ui' first)"}; ` +
          "the binary finds one at run time",
    );
  }
  const out = await new Deno.Command(Deno.execPath(), {
    args: compileArgs(values.output!, withUi),
    stdout: "inherit",
    stderr: "piped",
  }).output();
  if (!out.success) {
    console.error(`Error: ${compileFailure(new TextDecoder().decode(out.stderr))}`);
    return 1;
  }
  console.log(`Binary written to ${values.output}`);
  return 0;
}

if (import.meta.main) Deno.exit(await main());
