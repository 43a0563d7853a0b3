import assert from "node:assert/strict";
import { BUNDLED_UI_DIR, compileArgs, compileFailure } from "./compile_command.ts";
import { bundledBuildDir } from "../ui/ui_build.ts";

Deno.test("the binary embeds the UI build where its UI lookup reads it", () => {
  const args = compileArgs("dist/server", true);
  assert.deepEqual(args.slice(args.indexOf("--include"), args.indexOf("--include") + 2), [
    "--include",
    BUNDLED_UI_DIR,
  ]);
  assert.equal(args.at(-1), "main.ts");
  assert.ok(args.includes("--allow-sys=osRelease"));
  // main.ts sits two levels above src/ui/ui_build.ts: the lookup resolves to <root>/dist/ui-build.
  assert.equal(bundledBuildDir("file:///app/src/ui/ui_build.ts"), "/app/dist/ui-build");
  assert.equal(BUNDLED_UI_DIR, "dist/ui-build");
});

Deno.test("without a UI build nothing is included", () => {
  assert.ok(!compileArgs("out", false).includes("--include"));
});

Deno.test("a runtime download failure is explained in one line", () => {
  const msg = compileFailure(
    "Check file:///app/main.ts\nerror: Writing deno compile executable to temporary file\n" +
      "Caused by: error sending request for url (https://dl.deno.land/release/v2.9.6/denort.zip)",
  );
  assert.match(msg, /could not download its runtime/);
  assert.equal(
    compileFailure("error: Module not found\n  at x"),
    "deno compile failed: error: Module not found",
  );
});
