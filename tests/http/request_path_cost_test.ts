/**
 * The whole server as `deno task start` builds it (`buildServer`, auth and workspaces off, the
 * default guards and access log): the access log's `ddb_calls` of a steady-state CreateRun is 1
 * and of a 100-param log-batch 2, so nothing on the request path (auth, workspaces, webhooks,
 * guards) reads the table when its feature is off (docs/key-schema.md, "CreateRun hot path").
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config/config.ts";
import { buildServer } from "../../src/server/build_server.ts";

Deno.test("with auth and workspaces off, CreateRun is 1 DynamoDB call and a param batch 2", async () => {
  const config = loadConfig(["--backend-store-uri", "memory:", "--no-ui-download"], {});
  assert.ok(config !== "help");
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(" "));
  const server = await buildServer(config, {});
  try {
    const post = async (path: string, body: unknown) => {
      const res = await server.fetch(
        new Request(`http://localhost:5000/api/2.0/mlflow/${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", host: "localhost:5000" },
          body: JSON.stringify(body),
        }),
      );
      const out = await res.json();
      assert.equal(res.status, 200, JSON.stringify(out));
      return out;
    };
    const callsOf = (line: string | undefined) => Number(/ddb_calls=(\d+)/.exec(line ?? "")?.[1]);
    const { experiment_id } = await post("experiments/create", { name: "e" });
    const { run } = await post("runs/create", { experiment_id });
    for (let i = 0; i < 3; i++) {
      await post("runs/create", { experiment_id, run_name: `r${i}` });
      assert.equal(callsOf(lines.at(-1)), 1, lines.at(-1));
      const params = Array.from({ length: 100 }, (_, k) => ({ key: `p${i}_${k}`, value: "v" }));
      await post("runs/log-batch", { run_id: run.info.run_id, params });
      assert.equal(callsOf(lines.at(-1)), 2, lines.at(-1));
    }
  } finally {
    console.log = log;
    await server.close();
  }
});
