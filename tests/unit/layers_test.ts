/**
 * The layer rule of `src/`: a lower layer never imports an upper one. The HTTP layer may import
 * the store, search and artifacts; none of those (nor the DynamoDB port, the engine or the key
 * schema) may import `src/http/`, `src/app.ts` or `src/server/`.
 */
import assert from "node:assert/strict";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = normalize(join(dirname(fileURLToPath(import.meta.url)), "../../src"));
const LOWER = [
  "store",
  "search",
  "artifacts",
  "dynamo",
  "engine",
  "keys",
  "util",
  "config",
  "auth",
  "webhooks",
];
const UPPER = ["http", "app.ts", "server", "cli"];

async function* tsFiles(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const p = join(dir, e.name);
    if (e.isDirectory) yield* tsFiles(p);
    else if (e.name.endsWith(".ts")) yield p;
  }
}

Deno.test("no lower layer of src/ imports the HTTP layer, the app or the server", async () => {
  const violations: string[] = [];
  for (const layer of LOWER) {
    const dir = join(SRC, layer);
    try {
      await Deno.stat(dir);
    } catch {
      continue;
    }
    for await (const file of tsFiles(dir)) {
      const text = await Deno.readTextFile(file);
      for (const m of text.matchAll(/from\s+"(\.[^"]+)"/g)) {
        const target = relative(SRC, normalize(join(dirname(file), m[1]!)));
        const top = target.split("/")[0]!;
        if (UPPER.includes(top)) violations.push(`${relative(SRC, file)} -> ${target}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

Deno.test("every Query outside src/dynamo/ goes through the paged reader (explicit page policy)", async () => {
  const raw: string[] = [];
  for (const layer of ["store", "search", "artifacts", "http", "server", "cli"]) {
    const dir = join(SRC, layer);
    try {
      await Deno.stat(dir);
    } catch {
      continue;
    }
    for await (const file of tsFiles(dir)) {
      if (file.endsWith("_test.ts")) continue;
      const text = await Deno.readTextFile(file);
      if (/\.query\(\{/.test(text) && /port\.query\(/.test(text)) raw.push(relative(SRC, file));
    }
  }
  assert.deepEqual(raw, []);
});

Deno.test("outside src/keys/, the key schema is imported only through src/keys/key_schema.ts", async () => {
  const keys = join(SRC, "keys");
  const roots = [SRC, join(SRC, "../tests"), join(SRC, "../main.ts")];
  const violations: string[] = [];
  for (const root of roots) {
    const files = root.endsWith(".ts") ? [root] : await Array.fromAsync(tsFiles(root));
    for (const file of files) {
      if (dirname(file) === keys) continue;
      const text = await Deno.readTextFile(file);
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)) {
        const target = normalize(join(dirname(file), m[1]!));
        if (dirname(target) === keys && !target.endsWith("/key_schema.ts")) {
          violations.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
        }
      }
    }
  }
  assert.deepEqual(violations, []);
});
