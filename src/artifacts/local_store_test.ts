import assert from "node:assert/strict";
import { join } from "node:path";
import { MlflowError } from "../errors.ts";
import { LocalArtifactStore, UPLOAD_TMP_DIR } from "./local_store.ts";
import { safeArtifactPath } from "./safe_path.ts";
import { BAD_PATHS } from "./testdata.ts";

const enc = new TextEncoder();

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  return ReadableStream.from(chunks.map((c) => enc.encode(c)));
}

async function text(store: LocalArtifactStore, path: string): Promise<string> {
  const { body } = await store.get(path);
  return await new Response(body).text();
}

/** Every path under `dir`, recursively (symlinks not followed). */
async function tree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    out.push(rel);
    if (e.isDirectory) out.push(...(await tree(join(dir, e.name), rel)));
  }
  return out.sort();
}

async function withStore(fn: (store: LocalArtifactStore, tmp: string) => Promise<void>) {
  const tmp = await Deno.realPath(await Deno.makeTempDir({ prefix: "artifacts-local-" }));
  try {
    const store = await LocalArtifactStore.open(join(tmp, "root"));
    await fn(store, tmp);
  } finally {
    // A recursive remove can race the OS finishing a closed upload's handle ("Directory not
    // empty", seen once in CI): retry once after a beat; the assertions above are unaffected.
    await Deno.remove(tmp, { recursive: true }).catch(async () => {
      await new Promise((r) => setTimeout(r, 100));
      await Deno.remove(tmp, { recursive: true });
    });
  }
}

function isMlflow(code: string, message?: RegExp | string) {
  return (e: unknown) => {
    assert.ok(e instanceof MlflowError, `expected MlflowError, got ${e}`);
    assert.equal(e.code, code);
    if (typeof message === "string") assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return true;
  };
}

Deno.test("local store: put, get, list, delete", async () => {
  await withStore(async (store) => {
    await store.put("1/run/artifacts/a.txt", streamOf("hello ", "world"));
    await store.put("1/run/artifacts/dir/b.bin", streamOf("bb"));
    await store.put("1/run/artifacts/dir/sub/c", null);
    assert.equal(await text(store, "1/run/artifacts/a.txt"), "hello world");
    const opened = await store.get("1/run/artifacts/a.txt");
    assert.equal(opened.size, 11);
    await opened.body.cancel(); // releases the file
    assert.equal(await text(store, "1/run/artifacts/dir/sub/c"), "");

    assert.deepEqual(await store.list("1/run/artifacts"), [
      { name: "a.txt", isDir: false, fileSize: 11 },
      { name: "dir", isDir: true },
    ]);
    assert.deepEqual(await store.list("1/run/artifacts/dir"), [
      { name: "b.bin", isDir: false, fileSize: 2 },
      { name: "sub", isDir: true },
    ]);
    assert.deepEqual(await store.list(""), [{ name: "1", isDir: true }]);
    assert.deepEqual(await store.list("1/run/artifacts/a.txt"), [], "a file lists as empty");
    assert.deepEqual(await store.list("nope/nothing"), []);

    // Overwrite replaces the content.
    await store.put("1/run/artifacts/a.txt", streamOf("v2"));
    assert.equal(await text(store, "1/run/artifacts/a.txt"), "v2");

    await store.delete("1/run/artifacts/dir");
    assert.deepEqual(await store.list("1/run/artifacts"), [{
      name: "a.txt",
      isDir: false,
      fileSize: 2,
    }]);
    await store.delete("1/run/artifacts/a.txt");
    await store.delete("1/run/artifacts/a.txt"); // missing: no error
    assert.deepEqual(await store.list("1/run/artifacts"), []);
  });
});

Deno.test("local store: missing files, directories and the root", async () => {
  await withStore(async (store) => {
    await store.put("d/f.txt", streamOf("x"));
    await assert.rejects(
      store.get("d/missing.txt"),
      isMlflow("RESOURCE_DOES_NOT_EXIST", "No such artifact: 'd/missing.txt'"),
    );
    await assert.rejects(store.get("d/f.txt/below"), isMlflow("RESOURCE_DOES_NOT_EXIST"));
    await assert.rejects(store.get("d"), isMlflow("INVALID_PARAMETER_VALUE", /is a directory/));
    await assert.rejects(
      store.put("d", streamOf("x")),
      isMlflow("INVALID_PARAMETER_VALUE", /is a directory/),
    );
    await assert.rejects(
      store.put("d/f.txt/g", streamOf("x")),
      isMlflow("INVALID_PARAMETER_VALUE", /parent path is a file/),
    );
    await assert.rejects(
      store.put("", streamOf("x")),
      isMlflow("INVALID_PARAMETER_VALUE", "Invalid path"),
    );
    await assert.rejects(store.delete(""), isMlflow("INVALID_PARAMETER_VALUE", "Invalid path"));
  });
});

Deno.test("local store: an upload is invisible until complete, and a failed one leaves nothing", async () => {
  await withStore(async (store, tmp) => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let sent = 0;
    const slow = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === 1) await gate;
        if (sent === 2) return controller.close();
        sent++;
        controller.enqueue(enc.encode("part"));
      },
    });
    const pending = store.put("x/slow.txt", slow);
    while (sent < 1) await new Promise((r) => setTimeout(r, 5));
    await assert.rejects(store.get("x/slow.txt"), isMlflow("RESOURCE_DOES_NOT_EXIST"));
    assert.deepEqual(await store.list("x"), []);
    assert.deepEqual(await store.list(""), [{ name: "x", isDir: true }], "the temp dir is hidden");
    release();
    await pending;
    assert.equal(await text(store, "x/slow.txt"), "partpart");

    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(enc.encode("partial"));
        controller.error(new Error("client went away"));
      },
    });
    await assert.rejects(store.put("x/broken.txt", failing), /client went away/);
    assert.deepEqual((await store.list("x")).map((e) => e.name), ["slow.txt"]);
    assert.deepEqual(await tree(join(tmp, "root", UPLOAD_TMP_DIR)), [], "temp file removed");
  });
});

Deno.test("local store: the upload directory cannot be addressed", async () => {
  await withStore(async (store) => {
    for (const p of [UPLOAD_TMP_DIR, `${UPLOAD_TMP_DIR}/x`]) {
      await assert.rejects(
        store.put(p, streamOf("x")),
        isMlflow("INVALID_PARAMETER_VALUE", "Invalid path"),
      );
      await assert.rejects(store.get(p), isMlflow("INVALID_PARAMETER_VALUE", "Invalid path"));
      await assert.rejects(store.list(p), isMlflow("INVALID_PARAMETER_VALUE", "Invalid path"));
      await assert.rejects(store.delete(p), isMlflow("INVALID_PARAMETER_VALUE", "Invalid path"));
    }
  });
});

Deno.test("local store: symlinks out of the root are refused and nothing is written outside", async () => {
  await withStore(async (store, tmp) => {
    const root = join(tmp, "root");
    const outside = join(tmp, "outside");
    await Deno.mkdir(outside);
    await Deno.writeTextFile(join(outside, "secret.txt"), "secret");
    await Deno.symlink(outside, join(root, "escape"));
    await Deno.symlink(join(outside, "secret.txt"), join(root, "secret-link"));
    await Deno.mkdir(join(root, "ok"));
    await Deno.symlink(join(root, "ok"), join(root, "inside-link"));
    const before = await tree(outside);

    const invalid = isMlflow("INVALID_PARAMETER_VALUE", "Invalid path");
    await assert.rejects(store.put("escape/new.txt", streamOf("x")), invalid);
    await assert.rejects(store.put("escape/deep/new.txt", streamOf("x")), invalid);
    await assert.rejects(store.put("secret-link", streamOf("x")), invalid);
    await assert.rejects(store.get("secret-link"), invalid);
    await assert.rejects(store.get("escape/secret.txt"), invalid);
    await assert.rejects(store.list("escape"), invalid);
    await assert.rejects(store.delete("escape/secret.txt"), invalid);
    await assert.rejects(store.delete("escape"), invalid);

    assert.deepEqual(await tree(outside), before);
    assert.equal(await Deno.readTextFile(join(outside, "secret.txt")), "secret");

    // A symlink that stays inside the root is fine.
    await store.put("inside-link/f.txt", streamOf("in"));
    assert.equal(await Deno.readTextFile(join(root, "ok", "f.txt")), "in");
    assert.deepEqual(await store.list(""), [
      { name: "escape", isDir: true },
      { name: "inside-link", isDir: true },
      { name: "ok", isDir: true },
      { name: "secret-link", isDir: false, fileSize: 6 },
    ]);
  });
});

Deno.test("local store: traversal paths are refused before the store and create nothing", async () => {
  await withStore(async (store, tmp) => {
    const before = await tree(tmp);
    for (const p of BAD_PATHS) {
      // The HTTP layer validates first; a store never sees these paths.
      assert.throws(
        () => safeArtifactPath(p),
        isMlflow("INVALID_PARAMETER_VALUE", "Invalid path"),
        p,
      );
    }
    assert.deepEqual(await tree(tmp), before);
    void store;
  });
});

Deno.test("local store: open without create leaves a missing directory alone", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const store = await LocalArtifactStore.open(join(tmp, "absent"), { create: false });
    assert.deepEqual(await store.list(""), []);
    await assert.rejects(store.get("x"), isMlflow("RESOURCE_DOES_NOT_EXIST"));
    assert.deepEqual(await tree(tmp), []);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("local store: stale temporary uploads are cleaned when the store opens", async () => {
  await withStore(async (_store, tmp) => {
    const dir = join(tmp, "root", UPLOAD_TMP_DIR);
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(join(dir, "old"), "x");
    await Deno.writeTextFile(join(dir, "fresh"), "x");
    const old = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    await Deno.utime(join(dir, "old"), old, old);
    await LocalArtifactStore.open(join(tmp, "root"));
    assert.deepEqual(await tree(dir), ["fresh"]);
  });
});
