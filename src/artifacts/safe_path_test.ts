import assert from "node:assert/strict";
import { join } from "node:path";
import { MlflowError } from "../errors.ts";
import { BAD_PATHS } from "./testdata.ts";
import {
  decodeFully,
  isInside,
  resolveInsideRoot,
  safeArtifactPath,
  unquote,
} from "./safe_path.ts";

function assertInvalid(fn: () => unknown, label: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MlflowError, `${label}: not an MlflowError: ${e}`);
    assert.equal(e.code, "INVALID_PARAMETER_VALUE", label);
    assert.equal(e.message, "Invalid path", label);
    return true;
  }, label);
}

Deno.test("safeArtifactPath refuses every traversal pattern with 400 Invalid path", () => {
  for (const p of BAD_PATHS) assertInvalid(() => safeArtifactPath(p), JSON.stringify(p));
});

Deno.test("safeArtifactPath normalises harmless paths", () => {
  const cases: [string, string][] = [
    ["", ""],
    ["a", "a"],
    ["a/b/c.txt", "a/b/c.txt"],
    ["a/", "a"],
    ["./a//b/./c", "a/b/c"],
    ["a%20b/c.txt", "a b/c.txt"],
    ["...", "..."],
    ["a..b/..c/d..", "a..b/..c/d.."],
    ["%zz", "%zz"],
    ["caf%C3%A9.txt", "café.txt"],
    ["1/abc/artifacts/model/MLmodel", "1/abc/artifacts/model/MLmodel"],
  ];
  for (const [input, expected] of cases) assert.equal(safeArtifactPath(input), expected, input);
});

Deno.test("unquote decodes like Python's urllib.parse.unquote", () => {
  assert.equal(unquote("a%2Fb"), "a/b");
  assert.equal(unquote("%zz%2"), "%zz%2");
  assert.equal(unquote("%C3%A9"), "é");
  assert.equal(unquote("%ff"), "\ufffd");
  assert.equal(unquote("plain"), "plain");
});

Deno.test("decodeFully gives up after 10 rounds", () => {
  let s = "%2e";
  for (let i = 0; i < 12; i++) s = s.replaceAll("%", "%25");
  assertInvalid(() => decodeFully(s), "deeply encoded");
  assert.equal(decodeFully("%25252e"), ".");
});

Deno.test("isInside compares whole segments", () => {
  assert.ok(isInside("/r", "/r"));
  assert.ok(isInside("/r", "/r/a"));
  assert.ok(!isInside("/r", "/rx"));
  assert.ok(!isInside("/r", "/"));
});

Deno.test("resolveInsideRoot follows symlinks and refuses to leave the root", async () => {
  const tmp = await Deno.realPath(await Deno.makeTempDir());
  try {
    const root = join(tmp, "root");
    const outside = join(tmp, "outside");
    await Deno.mkdir(join(root, "sub"), { recursive: true });
    await Deno.mkdir(outside);
    await Deno.writeTextFile(join(outside, "secret.txt"), "secret");
    await Deno.symlink(outside, join(root, "escape"));
    await Deno.symlink(join(outside, "secret.txt"), join(root, "secret-link"));
    await Deno.symlink(join(root, "sub"), join(root, "inner"));
    await Deno.symlink(join(root, "loop"), join(root, "loop"));

    assert.equal(await resolveInsideRoot(root, ""), root);
    assert.equal(await resolveInsideRoot(root, "sub/new/file"), join(root, "sub/new/file"));
    assert.equal(await resolveInsideRoot(root, "inner/x"), join(root, "inner/x"));
    assert.equal(await resolveInsideRoot(root, "missing/a/b"), join(root, "missing/a/b"));
    for (const p of ["escape", "escape/x", "escape/new/dir/file", "secret-link", "loop/x"]) {
      await assert.rejects(resolveInsideRoot(root, p), (e: unknown) => {
        assert.ok(e instanceof MlflowError && e.message === "Invalid path", p);
        return true;
      });
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
