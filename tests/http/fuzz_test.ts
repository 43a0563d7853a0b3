/**
 * Malformed input against every JSON endpoint of the whole app (tracking, registry, logged
 * models, artifact listing) on the in-process engine, through `createApp(...).request`.
 *
 * A seeded generator (`fuzz_cases.ts`) mutates one valid request per endpoint (listed in
 * `fuzz_endpoints.ts`) into a few hundred bad ones. The test asserts what a user must see: no
 * answer ≥ 500, every non-2xx answer carries MLflow's `error_code`, and a refused request writes
 * nothing (spot checks compare every listing before and after), and no error body names a server
 * path. It prints its figures. `FUZZ_CASES` (per endpoint, default 150) and `FUZZ_SEED` change
 * the run.
 */
import assert from "node:assert/strict";
import { bodyCase, type Case, prng, queryCase } from "./fuzz_cases.ts";
import { endpoints, setup } from "./fuzz_endpoints.ts";
import { apiUrl, type FullApp, fullApp } from "./full_app.ts";

// Gateway secrets are sealed under this passphrase (read when the app is built).
Deno.env.set("MLFLOW_CRYPTO_KEK_PASSPHRASE", "fuzz-passphrase-0123456789");
const CASES = Number(Deno.env.get("FUZZ_CASES") ?? "150");
const SEED = Number(Deno.env.get("FUZZ_SEED") ?? "20261130");
/** One refused request in this many gets a before/after comparison of every listing. */
const SPOT_EVERY = 10;

/** Everything a refused request must leave unchanged, as the listings show it. */
async function snapshot(s: FullApp, E: string): Promise<string> {
  const parts = await Promise.all([
    s.call("POST", "/experiments/search", { max_results: 1000, view_type: "ALL" }),
    s.call("POST", "/runs/search", {
      experiment_ids: [E],
      max_results: 1000,
      run_view_type: "ALL",
    }),
    s.call("POST", "/registered-models/search", { max_results: 1000 }),
    s.call("POST", "/model-versions/search", { max_results: 1000 }),
    s.call("POST", "/logged-models/search", { experiment_ids: [E], max_results: 100 }),
  ]);
  for (const p of parts) assert.equal(p.status, 200, JSON.stringify(p.body).slice(0, 300));
  return JSON.stringify(parts.map((p) => p.body));
}

async function send(s: FullApp, method: string, path: string, c: Case): Promise<Response> {
  const url = path.startsWith("/gateway/") ? path : apiUrl(path);
  if (c.query) {
    const qs = new URLSearchParams(c.query).toString() + (c.rawQuery ?? "");
    return await s.app.request(`${url}${qs ? `?${qs}` : ""}`, { method });
  }
  const headers: Record<string, string> = {};
  if (c.contentType !== null) headers["content-type"] = c.contentType ?? "application/json";
  return await s.app.request(url, { method, headers, body: c.body as BodyInit });
}

Deno.test("malformed input on every JSON endpoint: no 5xx, always error_code, no partial write", async () => {
  // Workspaces on: their routes are fuzzed too, and every other route passes the workspace guard.
  const s = await fullApp(["--enable-workspaces"]);
  const errorLog = console.error;
  const warnLog = console.warn;
  const logged: string[] = [];
  console.error = (...a: unknown[]) => logged.push(a.map(String).join(" ").slice(0, 300));
  console.warn = () => {};
  const figures = {
    requests: 0,
    ok2xx: 0,
    errors4xx: 0,
    server5xx: 0,
    noErrorCode: 0,
    disclosed: 0,
  };
  const spot = { checked: 0, changed: 0 };
  const failures: string[] = [];
  try {
    const ids = await setup(s);
    const rnd = prng(SEED);
    for (const [method, path, base] of endpoints(ids)) {
      for (let i = 0; i < CASES; i++) {
        const c = method === "GET"
          ? queryCase(rnd, base as Record<string, string>)
          : bodyCase(rnd, base);
        const spotCheck = figures.requests % SPOT_EVERY === 0;
        const before = spotCheck ? await snapshot(s, ids.E) : "";
        const res = await send(s, method, path, c);
        const text = await res.text();
        figures.requests++;
        const what = () =>
          `${method} ${path} [${c.kind}] ${
            (c.query ? JSON.stringify(c.query) : String(c.body)).slice(0, 160)
          } → ${res.status} ${text.slice(0, 200)}`;
        if (res.status >= 300 && (text.includes(s.tmp) || text.includes(Deno.cwd()))) {
          figures.disclosed++;
          failures.push(`discloses a server path: ${what()}`);
        }
        if (res.status >= 500) {
          figures.server5xx++;
          failures.unshift(`${what()}\n  body: ${String(c.body).slice(0, 600)}`);
        } else if (res.status >= 300) {
          figures.errors4xx++;
          let code: unknown;
          try {
            const parsed = JSON.parse(text);
            // The gateway's invocation routes answer FastAPI's `{"detail": ...}`, as MLflow.
            code = path.startsWith("/gateway/") && parsed.detail !== undefined
              ? "detail"
              : parsed.error_code;
          } catch {
            code = undefined;
          }
          if (typeof code !== "string") {
            figures.noErrorCode++;
            failures.push(`no error_code: ${what()}`);
          }
          if (spotCheck) {
            spot.checked++;
            if ((await snapshot(s, ids.E)) !== before) {
              spot.changed++;
              failures.push(`refused but wrote: ${what()}`);
            }
          }
        } else figures.ok2xx++;
      }
    }
  } finally {
    console.error = errorLog;
    console.warn = warnLog;
    await s.close();
  }
  console.log(
    `fuzz: ${figures.requests} requests (seed ${SEED}, ${CASES} per endpoint): ` +
      `${figures.ok2xx} 2xx, ${figures.errors4xx} refused (4xx), ${figures.server5xx} 5xx, ` +
      `${figures.noErrorCode} without error_code, ${figures.disclosed} naming a server path; ` +
      `partial-write spot checks ${spot.checked}, ` +
      `${spot.changed} changed`,
  );
  if (failures.length > 0) {
    console.log(failures.slice(0, 40).join("\n"));
    console.log(logged.slice(0, 10).join("\n"));
  }
  assert.equal(figures.server5xx, 0, "answers ≥ 500");
  assert.equal(figures.noErrorCode, 0, "non-2xx answers without error_code");
  assert.equal(spot.changed, 0, "refused requests that changed a listing");
  assert.equal(figures.disclosed, 0, "error bodies naming a server path");
});
