/**
 * Uploads and downloads a large artifact through a real server and checks that the server's RSS
 * stays bounded. Size: `MLFLOW_ARTIFACT_MEMTEST_MB` (default 200). See `memory_bench.ts`.
 */
import assert from "node:assert/strict";
import { runMemoryBench } from "./memory_bench.ts";

const MB = Number(Deno.env.get("MLFLOW_ARTIFACT_MEMTEST_MB") ?? "200");
const LIMIT_MB = 64;

Deno.test(`artifact transfer of ${MB} MB keeps the server's RSS growth under ${LIMIT_MB} MB`, async () => {
  const result = await runMemoryBench(MB, LIMIT_MB);
  console.log(JSON.stringify(result));
  assert.ok(result.sha256Match, "downloaded bytes differ from the uploaded ones");
  assert.ok(result.growthMb < LIMIT_MB, `RSS grew by ${result.growthMb} MB`);
});
