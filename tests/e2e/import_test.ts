/**
 * `deno task import` (`src/import/`, `src/cli/import_command.ts`) end to end, with this server as
 * the source (it speaks MLflow's REST API; the real `mlflow server` is the compat tier's
 * `tests/compat/test_import.py`): a seeded source is copied into a fresh table, ids kept, and
 * the report matches; an import interrupted by a failing source continues where it stopped and
 * copies nothing twice; bad flags and an unreachable server are one line and a non-zero exit.
 */
import assert from "node:assert/strict";
import { ArtifactLocations } from "../../src/artifacts/locations.ts";
import { LocalArtifactStore } from "../../src/artifacts/local_store.ts";
import { retryingPort } from "../../src/dynamo/retry.ts";
import { createEngine } from "../../src/engine/mod.ts";
import { ensureTable } from "../../src/dynamo/table.ts";
import { readHistory } from "../../src/store/metrics/metric_history.ts";
import { createStores } from "../../src/store/stores.ts";
import { RegistryStore } from "../../src/store/registry/registry_store.ts";
import { LoggedModelStore } from "../../src/store/logged_models/logged_model_store.ts";
import { type ImportIo, importMain } from "../../src/cli/import_command.ts";
import { runImport } from "../../src/import/run_import.ts";
import { Checkpoint } from "../../src/import/checkpoint.ts";
import { Progress } from "../../src/import/progress.ts";
import { ImportError, SourceClient } from "../../src/import/source.ts";
import { formatReport } from "../../src/import/verify.ts";
import { TraceStore } from "../../src/store/traces/trace_store.ts";
import { fullApp } from "../http/full_app.ts";
import { unindexedRunsPk } from "../../src/keys/key_schema.ts";
import { searchRuns } from "../../src/store/runs/search_runs.ts";
import { compileRunSearch } from "../../src/http/tracking/search_compile.ts";

type Call = Awaited<ReturnType<typeof fullApp>>["call"];

async function ok(call: Call, method: string, path: string, body?: unknown) {
  const r = await call(method, path, body);
  assert.equal(r.status, 200, `${method} ${path}: ${JSON.stringify(r.body)}`);
  // deno-lint-ignore no-explicit-any
  return r.body as Record<string, any>;
}

/** A source server: the full app on a free port, with a switch that makes some requests fail. */
async function sourceServer() {
  const src = await fullApp();
  let failing: ((url: URL) => boolean) | undefined;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, (req) => {
    if (failing?.(new URL(req.url))) return new Response("down", { status: 503 });
    return src.app.fetch(req);
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  return {
    src,
    url,
    failWhen(f: ((url: URL) => boolean) | undefined) {
      failing = f;
    },
    async close() {
      await server.shutdown();
      await src.close();
    },
  };
}

async function seed(call: Call, app: { fetch(r: Request): Response | Promise<Response> }) {
  const exp = (await ok(call, "POST", "/experiments/create", {
    name: "imp",
    tags: [{ key: "team", value: "ml" }],
  })).experiment_id as string;
  const runIds: string[] = [];
  for (const name of ["a", "b", "c"]) {
    const run = (await ok(call, "POST", "/runs/create", { experiment_id: exp, run_name: name }))
      .run.info;
    runIds.push(run.run_id);
    await ok(call, "POST", "/runs/log-batch", {
      run_id: run.run_id,
      params: [{ key: "lr", value: "0.1" }],
      tags: [{ key: "t", value: name }],
      metrics: Array.from({ length: 30 }, (_, i) => ({
        key: "loss",
        value: i / 2,
        timestamp: 1000 + i,
        step: i,
      })),
    });
    const res = await app.fetch(
      new Request(
        `http://localhost/api/2.0/mlflow-artifacts/artifacts/${exp}/${run.run_id}/artifacts/dir/f-${name}.txt`,
        { method: "PUT", body: `bytes of ${name}` },
      ),
    );
    assert.equal(res.status, 200);
    await res.body?.cancel();
  }
  const model = (await ok(call, "POST", "/logged-models", {
    experiment_id: exp,
    name: "clf",
    source_run_id: runIds[0],
    params: [{ key: "C", value: "1" }],
  })).model.info.model_id as string;
  await ok(call, "POST", "/runs/log-batch", {
    run_id: runIds[0],
    metrics: [{ key: "val", value: 0.5, timestamp: 5, step: 0, model_id: model }],
  });
  const mput = await app.fetch(
    new Request(
      `http://localhost/api/2.0/mlflow-artifacts/artifacts/${exp}/models/${model}/artifacts/MLmodel`,
      { method: "PUT", body: "flavors: {}" },
    ),
  );
  assert.equal(mput.status, 200);
  await mput.body?.cancel();
  await ok(call, "POST", "/runs/update", { run_id: runIds[1], status: "FINISHED" });
  await ok(call, "POST", "/runs/delete", { run_id: runIds[2] });
  const traceId = "tr-0123456789abcdef0123456789abcdef";
  await ok(call, "POST", "/3.0/traces", {
    trace: {
      trace_info: {
        trace_id: traceId,
        trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: exp } },
        request_time: "2026-01-02T03:04:05.678Z",
        execution_duration: "1.5s",
        state: "OK",
        tags: { reviewed: "yes" },
        trace_metadata: {},
      },
    },
  });
  const put = await app.fetch(
    new Request(
      `http://localhost/api/2.0/mlflow-artifacts/artifacts/${exp}/traces/${traceId}/artifacts/traces.json`,
      { method: "PUT", body: JSON.stringify({ spans: [{ name: "root" }] }) },
    ),
  );
  assert.equal(put.status, 200);
  await put.body?.cancel();
  await ok(call, "POST", "/registered-models/create", { name: "m" });
  for (let i = 0; i < 3; i++) {
    await ok(call, "POST", "/model-versions/create", {
      name: "m",
      source: `mlflow-artifacts:/${exp}/${runIds[0]}/artifacts/dir`,
      run_id: runIds[0],
    });
  }
  await ok(call, "DELETE", "/model-versions/delete", { name: "m", version: "2" });
  await ok(call, "POST", "/registered-models/alias", { name: "m", alias: "best", version: "3" });
  return { exp, runIds, traceId, model };
}

async function target() {
  const port = retryingPort(await createEngine());
  const table = "import_target";
  await ensureTable(port, table);
  const dir = await Deno.makeTempDir({ prefix: "import-target-" });
  const db = { port, table };
  const artifacts = new ArtifactLocations(await LocalArtifactStore.open(dir));
  const stores = await createStores(db, "mlflow-artifacts:/");
  return {
    db,
    dir,
    artifacts,
    stores,
    registry: new RegistryStore(db),
    models: new LoggedModelStore(db, stores.experiments),
    async close() {
      await artifacts.close();
      await port.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const quiet = { sink: () => {}, warn: () => {} };

Deno.test("import copies a seeded server: ids, params, histories, artifacts, registry; report matches", async () => {
  const source = await sourceServer();
  const t = await target();
  try {
    const { exp, runIds, traceId, model } = await seed(source.src.call, source.src.app);
    const lines: string[] = [];
    const out = await runImport(
      { db: t.db, artifacts: t.artifacts, defaultArtifactRoot: "mlflow-artifacts:/" },
      { from: source.url, historyPageSize: 7, concurrency: 2 },
      (l) => lines.push(l),
      quiet.warn,
    );
    assert.ok(out.report);
    assert.deepEqual(out.report.mismatches, []);
    const rows = Object.fromEntries(out.report.rows.map((r) => [r.entity, [r.source, r.target]]));
    assert.deepEqual(rows["runs"], [3, 3]);
    assert.deepEqual(rows["metric points"], [91, 91]);
    assert.deepEqual(rows["artifacts (sha256 equal)"], [4, 4]);
    assert.deepEqual(rows["logged models"], [1, 1]);
    assert.deepEqual(rows["logged-model metric points"], [1, 1]);
    assert.deepEqual(rows["model versions"], [2, 2]);
    assert.deepEqual(rows["traces (spans sha256 equal)"], [1, 1]);
    assert.ok(formatReport(out.report).includes("Everything matches."));
    assert.ok(lines.some((l) => /^runs of exp \d+ +\[#+\] 3\/3; .*ETA/.test(l)), lines.join("\n"));

    const e = await t.stores.experiments.get(exp);
    assert.equal(e.name, "imp");
    assert.equal(e.tags.team, "ml");
    const run = await t.stores.runs.get(runIds[0]!);
    assert.equal(run.params.lr, "0.1");
    assert.equal(run.tags.t, "a");
    assert.equal(run.info.artifactUri, `mlflow-artifacts:/${exp}/${runIds[0]}/artifacts`);
    assert.equal((await t.stores.runs.get(runIds[2]!)).info.lifecycleStage, "deleted");
    const h = await readHistory(t.db, runIds[1]!, "loss", 100);
    assert.deepEqual(h.metrics.map((m) => m.step), Array.from({ length: 30 }, (_, i) => i));
    const body = await t.artifacts.destination!.get(`${exp}/${runIds[1]}/artifacts/dir/f-b.txt`);
    assert.equal(await new Response(body.body).text(), "bytes of b");
    const v3 = await t.registry.getModelVersionByAlias("m", "best");
    assert.equal(v3.version, 3);
    assert.equal(v3.source, `mlflow-artifacts:/${exp}/${runIds[0]}/artifacts/dir`);
    await assert.rejects(() => t.registry.getModelVersion("m", 2));
    const traces = new TraceStore(t.db, t.stores.experiments);
    const trace = await traces.getRecord(traceId);
    assert.equal(trace.request_time, Date.parse("2026-01-02T03:04:05.678Z"));
    assert.equal(trace.execution_duration, 1500);
    assert.equal(trace.tags.reviewed, "yes");
    const spans = await t.artifacts.destination!.get(
      `${exp}/traces/${traceId}/artifacts/traces.json`,
    );
    assert.deepEqual(await new Response(spans.body).json(), { spans: [{ name: "root" }] });
    const lm = await t.models.get(model);
    assert.equal(lm.name, "clf");
    assert.deepEqual(lm.metrics.map((m) => [m.key, m.value, m.runId]), [["val", 0.5, runIds[0]]]);
    assert.equal(lm.artifactLocation, `mlflow-artifacts:/${exp}/models/${model}/artifacts`);
    // The ended run is in the metric index, the others in the unindexed set.
    const unindexed = await t.db.port.query({
      TableName: t.db.table,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": { S: unindexedRunsPk(exp) } },
    });
    assert.deepEqual(
      (unindexed.Items ?? []).map((i) => i.sk!.S).sort(),
      [runIds[0], runIds[2]].sort(),
    );
    const byLoss = await searchRuns(t.stores.runs, {
      experimentIds: [exp],
      viewType: "ACTIVE_ONLY",
      maxResults: 1,
      ...compileRunSearch("", ["metrics.loss DESC"]),
    });
    assert.ok(byLoss.next?.mx, "ordered through the metric index");
    // A new experiment here never takes an imported id.
    const fresh = await t.stores.experiments.create({ name: "after-import" });
    assert.ok(Number(fresh) > Number(exp));
  } finally {
    await t.close();
    await source.close();
  }
});

Deno.test("an import interrupted by a failing source continues where it stopped, nothing twice", async () => {
  const source = await sourceServer();
  const t = await target();
  const ckpt = await Deno.makeTempFile({ suffix: ".checkpoint" });
  try {
    const { runIds } = await seed(source.src.call, source.src.app);
    const opts = { from: source.url, checkpointPath: ckpt, sourceAttempts: 1, concurrency: 1 };
    const tgt = { db: t.db, artifacts: t.artifacts, defaultArtifactRoot: "mlflow-artifacts:/" };
    // The second run's artifacts cannot be read: the import stops there.
    source.failWhen((u) =>
      u.pathname === "/get-artifact" && u.searchParams.get("run_id") === runIds[1]
    );
    await assert.rejects(
      () => runImport(tgt, opts, quiet.sink, quiet.warn),
      (e) => e instanceof ImportError && /HTTP 503/.test(e.message),
    );
    const first = await Checkpoint.open(ckpt);
    const doneBefore = [runIds[0], runIds[1], runIds[2]].map((id) => first.has(`run:${id}`));
    first.close();
    assert.ok(doneBefore.includes(true) && doneBefore.includes(false), String(doneBefore));
    source.failWhen(undefined);
    const lines: string[] = [];
    const out = await runImport(tgt, opts, (l) => lines.push(l), quiet.warn);
    assert.deepEqual(out.report?.mismatches, []);
    assert.ok(lines.some((l) => /already there/.test(l)), lines.join("\n"));
    for (const id of runIds) {
      const h = await readHistory(t.db, id, "loss", 1000);
      assert.equal(h.metrics.length, 30);
    }
    // Once more: everything is in the checkpoint, nothing is written.
    const again = await runImport(tgt, opts, quiet.sink, quiet.warn);
    assert.deepEqual(again.report?.mismatches, []);
  } finally {
    await Deno.remove(ckpt);
    await t.close();
    await source.close();
  }
});

Deno.test("a changed artifact on this server fails the verification (exit 3)", async () => {
  const source = await sourceServer();
  const dir = await Deno.makeTempDir({ prefix: "import-cli-" });
  try {
    await seed(source.src.call, source.src.app);
    const io = capture();
    const args = [
      "--from",
      source.url,
      "--backend-store-uri",
      `embedded://${dir}/db`,
      "--artifacts-destination",
      `${dir}/artifacts`,
      "--checkpoint",
      `${dir}/ckpt`,
      "--skip-registry",
    ];
    assert.equal(await importMain(args, {}, io), 0, io.text());
    assert.match(io.text(), /Everything matches\./);
    const files: string[] = [];
    for await (const f of walk(`${dir}/artifacts`)) files.push(f);
    await Deno.writeTextFile(files[0]!, "tampered");
    const io2 = capture();
    assert.equal(await importMain(args, {}, io2), 3, io2.text());
    assert.match(io2.text(), /checksum differs|spans \(traces.json\) differ/);
    assert.match(io2.text(), /MISMATCH/);
    const dry = capture();
    assert.equal(await importMain([...args, "--dry-run"], {}, dry), 0, dry.text());
    assert.match(dry.text(), /dry run: would copy \d+ experiments, 3 runs/);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await source.close();
  }
});

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(p);
    else yield p;
  }
}

function capture(): ImportIo & { text(): string; errors: string[] } {
  const all: string[] = [];
  const errors: string[] = [];
  return {
    out: (l) => all.push(l),
    err: (l) => {
      all.push(l);
      errors.push(l);
    },
    progress: (l) => all.push(l),
    text: () => all.join("\n"),
    errors,
  };
}

Deno.test("bad flags and an unreachable server are one line and a non-zero exit", async () => {
  const cases: [string[], number, RegExp][] = [
    [["--nope"], 2, /^Error: Unknown option '--nope' \(see --help\)$/],
    [[], 2, /^Error: --from URL is required/],
    [["--from", "x", "--concurrency", "0"], 2, /^Error: --concurrency must be an integer/],
    [["--from", "x", "--experiments", ","], 2, /^Error: --experiments needs/],
    [["--from", "x", "--backend-store-uri", "bogus://"], 2, /^Error: /],
  ];
  for (const [args, code, re] of cases) {
    const io = capture();
    assert.equal(await importMain(args, {}, io), code, args.join(" "));
    assert.equal(io.errors.length, 1, io.text());
    assert.match(io.errors[0]!, re);
  }
  const help = capture();
  assert.equal(await importMain(["--help"], {}, help), 0);
  assert.match(help.text(), /--from URL/);

  const closed = Deno.listen({ port: 0, hostname: "127.0.0.1" });
  const port = (closed.addr as Deno.NetAddr).port;
  closed.close();
  const dir = await Deno.makeTempDir();
  try {
    for (const from of [`http://127.0.0.1:${port}`, "not a url", "ftp://x"]) {
      const io = capture();
      const code = await importMain(
        [
          "--from",
          from,
          "--backend-store-uri",
          `embedded://${dir}/db`,
          "--artifacts-destination",
          `${dir}/a`,
          "--checkpoint",
          `${dir}/c`,
        ],
        {},
        io,
      );
      assert.equal(code, 1, from);
      assert.equal(io.errors.length, 1, io.text());
      assert.match(io.errors[0]!, /^Error: (cannot reach|--from: )/);
      assert.doesNotMatch(io.text(), /\n\s+at /);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the source client sends the client's credentials and names HTTP errors", async () => {
  const seen: (string | null)[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, (req) => {
    seen.push(req.headers.get("authorization"));
    return Response.json({ error_code: "PERMISSION_DENIED", message: "no\nmore" }, {
      status: 403,
    });
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  try {
    const basic = new SourceClient(url, {
      env: { MLFLOW_TRACKING_USERNAME: "ann", MLFLOW_TRACKING_PASSWORD: "pw" },
    });
    await assert.rejects(
      () => basic.get("/api/2.0/mlflow/experiments/search"),
      (e) => e instanceof ImportError && /HTTP 403 PERMISSION_DENIED: no$/.test(e.message),
    );
    const bearer = new SourceClient(url + "/", { env: { MLFLOW_TRACKING_TOKEN: "tok" } });
    await assert.rejects(() => bearer.get("/x"));
    assert.deepEqual(seen, [`Basic ${btoa("ann:pw")}`, "Bearer tok"]);
  } finally {
    await server.shutdown();
  }
});

Deno.test("the checkpoint survives a torn last line; the progress bar shows counts and ETA", async () => {
  const path = await Deno.makeTempFile();
  try {
    const c = await Checkpoint.open(path);
    await c.mark("run:a", { points: { loss: 3 } });
    await c.mark("exp:1");
    c.close();
    await Deno.writeTextFile(path, '{"k":"run:b","v"', { append: true });
    const again = await Checkpoint.open(path);
    assert.deepEqual(again.get("run:a"), { points: { loss: 3 } });
    assert.equal(again.has("exp:1"), true);
    assert.equal(again.has("run:b"), false);
    again.close();
  } finally {
    await Deno.remove(path);
  }
  let now = 0;
  const lines: string[] = [];
  const p = new Progress("runs", 4, (l) => lines.push(l), () => now);
  now = 1000;
  p.tick();
  now = 2000;
  p.tick(true);
  p.finish();
  assert.equal(
    lines.at(-1),
    "runs               [##########----------] 2/4, 1 already there; 2.0s elapsed, ETA 2.0s",
  );
});
