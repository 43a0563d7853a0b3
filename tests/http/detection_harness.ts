/**
 * What the issue detection tests share: the full app (`full_app.ts`) with the routes they need
 * (traces, AI Gateway configuration, issues, jobs) on a fresh in-process table, with injected
 * environment and a permissive `api_base` policy (the fake provider lives on loopback), and a
 * fake OpenAI-compatible provider on loopback that judges traces whose request says BAD as
 * failing and groups them into one issue.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mountGateway } from "../../src/http/gateway/mod.ts";
import { mountIssues } from "../../src/http/issues/mod.ts";
import { mountTracesFromConfig } from "../../src/http/traces/mod.ts";
import { engineBackend } from "../support/backends.ts";
import { type FullApp, fullApp } from "./full_app.ts";

// deno-lint-ignore no-explicit-any
export type Any = any;

const PASSPHRASE = "issues-invoke-test-passphrase-0123";
const permissive = { allowedSchemes: ["http", "https"], allowPrivateIps: true };

/** The fake provider: judges traces whose request says BAD as failing, groups them as one issue. */
export function fakeProvider(mode: { fail?: boolean; hold?: Promise<void> } = {}) {
  const seen: { auth: string | null; model: string; format?: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.json() as Any;
    const format = body.response_format?.json_schema?.name as string | undefined;
    seen.push({ auth: req.headers.get("authorization"), model: body.model, format });
    if (mode.hold) await mode.hold;
    if (mode.fail) {
      return Response.json({ error: { message: "upstream exploded" } }, { status: 500 });
    }
    const user = body.messages.at(-1).content as string;
    let content: string;
    if (format === "issue_discovery_judgement") {
      const bad = user.includes("BAD");
      content = JSON.stringify({
        passed: bad ? "false" : "true",
        categories: bad ? "correctness" : "",
        rationale: bad ? "The answer contradicts the data." : "Fine.",
      });
    } else if (format === "issue_clusters") {
      const n = (user.match(/^\[\d+\]/gm) ?? []).length;
      content = JSON.stringify({
        issues: [
          {
            name: "Issue: Wrong answers",
            description: "Answers contradict the data.",
            root_cause: "The agent ignores the retrieved documents.",
            severity: "high",
            categories: ["correctness"],
            trace_indices: [...Array(n).keys()],
          },
          {
            name: "NO_ISSUE_DETECTED",
            description: "-",
            root_cause: "-",
            severity: "low",
            trace_indices: [0],
          },
        ],
      });
    } else {
      content = "The response states the opposite of the document.";
    }
    return Response.json({ choices: [{ message: { role: "assistant", content } }] });
  });
  return {
    base: `http://127.0.0.1:${server.addr.port}/v1`,
    seen,
    close: () => server.shutdown(),
  };
}

export interface Harness extends Omit<FullApp, "call"> {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Any }>;
}

/** The app with injected environment `env` and a job lease of `leaseMs`. */
export async function harness(
  env: Record<string, string> = {},
  leaseMs = 60_000,
): Promise<Harness> {
  const allEnv: Record<string, string> = { MLFLOW_CRYPTO_KEK_PASSPHRASE: PASSPHRASE, ...env };
  return await fullApp([], {
    backend: engineBackend,
    extraRoutes: async (config, stores) => [
      await mountTracesFromConfig(config, stores),
      mountGateway(stores, { enabled: true, passphrase: PASSPHRASE, apiBase: permissive }),
      mountIssues(stores, { env: (n) => allEnv[n], apiBase: permissive, leaseMs }),
    ],
  });
}

export async function ok(h: Harness, method: string, path: string, body?: unknown): Promise<Any> {
  const r = await h.call(method, path, body);
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function setup(h: Harness, requests: string[]) {
  const E = (await ok(h, "POST", "/experiments/create", { name: "detect" })).experiment_id;
  const traceIds: string[] = [];
  for (const [n, request] of requests.entries()) {
    const id = `tr-${String(n + 1).padStart(32, "0")}`;
    await ok(h, "POST", "/3.0/traces", {
      trace: {
        trace_info: {
          trace_id: id,
          trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: E } },
          request_time: "2026-11-30T00:00:00Z",
          execution_duration: "0.010s",
          state: "OK",
          request_preview: request,
          response_preview: "42",
        },
      },
    });
    traceIds.push(id);
  }
  return { E, traceIds };
}

export async function secret(h: Harness, base: string): Promise<string> {
  return (await ok(h, "POST", "/3.0/gateway/secrets/create", {
    secret_name: `key-${crypto.randomUUID().slice(0, 8)}`,
    secret_value: { api_key: "sk-test-123" },
    provider: "openai",
    auth_config: { api_base: base },
  })).secret.secret_id;
}

/** Polls as the UI does until the job is final; returns every status seen and the last view. */
export async function pollJob(h: Harness, jobId: string): Promise<{ seen: string[]; job: Any }> {
  const seen: string[] = [];
  for (let i = 0; i < 500; i++) {
    const job = await ok(h, "GET", `/ajax:/jobs/${jobId}`);
    if (seen.at(-1) !== job.status) seen.push(job.status);
    if (["SUCCEEDED", "FAILED", "TIMEOUT", "CANCELED"].includes(job.status)) return { seen, job };
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`job ${jobId} never finished`);
}
