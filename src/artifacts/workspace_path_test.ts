import assert from "node:assert/strict";
import { MlflowError } from "../errors.ts";
import { withWorkspace } from "../util/workspace_context.ts";
import { workspaceScopedPath } from "./workspace_path.ts";

Deno.test("workspaceScopedPath: unchanged without workspaces", () => {
  assert.equal(workspaceScopedPath("1/abc/artifacts/f.txt"), "1/abc/artifacts/f.txt");
  assert.equal(workspaceScopedPath(undefined), undefined);
  assert.equal(workspaceScopedPath("workspaces/x/1"), "workspaces/x/1");
});

Deno.test("workspaceScopedPath: the default workspace keeps the legacy root layout", () => {
  withWorkspace("default", () => {
    assert.equal(workspaceScopedPath("1/abc/f.txt"), "1/abc/f.txt");
    assert.equal(workspaceScopedPath(""), "");
    assert.equal(workspaceScopedPath(undefined), undefined);
    assert.equal(workspaceScopedPath("workspaces/default/1/f"), "workspaces/default/1/f");
    assert.throws(() => workspaceScopedPath("workspaces/team-a/1/f"), MlflowError);
  });
});

Deno.test("workspaceScopedPath: another workspace lives under workspaces/<ws>/ only", () => {
  withWorkspace("team-a", () => {
    assert.equal(workspaceScopedPath("1/abc/f.txt"), "workspaces/team-a/1/abc/f.txt");
    assert.equal(workspaceScopedPath("/1/f"), "workspaces/team-a/1/f");
    assert.equal(workspaceScopedPath(""), "workspaces/team-a");
    assert.equal(workspaceScopedPath("workspaces/team-a/1/f"), "workspaces/team-a/1/f");
    assert.throws(
      () => workspaceScopedPath("workspaces/team-b/1/f"),
      /targets workspace 'team-b' but the workspace specified in the request is 'team-a'/,
    );
    assert.throws(() => workspaceScopedPath("workspaces/"), /must include a workspace name/);
  });
});
