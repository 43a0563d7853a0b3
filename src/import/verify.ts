/**
 * The verification report at the end of an import: per entity, what the source holds in the
 * import's scope and how much of it this server has (read back from the table, not from what the
 * import believes it wrote), metric-point totals, and every copied artifact re-read and its
 * SHA-256 compared with the source bytes'. Any difference makes the command exit non-zero.
 *
 * Cost: one read per entity, one history read per metric key and one full read per artifact.
 *
 * @module
 */
import { MlflowError } from "../errors.ts";
import { readHistory } from "../store/metrics/metric_history.ts";
import { joinPath } from "../artifacts/store.ts";
import { pooledMap } from "../util/pool.ts";
import type { ImportContext } from "./context.ts";
import { sha256Of } from "./copy_artifacts.ts";
import { TraceStore } from "../store/traces/trace_store.ts";

/** One line of the report. */
export interface ReportRow {
  entity: string;
  source: number;
  target: number;
}

/** The report: rows, and the mismatches found (empty when everything matches). */
export interface Report {
  rows: ReportRow[];
  mismatches: string[];
}

const HISTORY_PAGE = 100_000;

async function found<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof MlflowError && e.code === "RESOURCE_DOES_NOT_EXIST") return undefined;
    throw e;
  }
}

async function countPoints(ctx: ImportContext, runId: string, key: string): Promise<number> {
  let n = 0;
  let cursor;
  do {
    const page = await readHistory(ctx.db, runId, key, HISTORY_PAGE, cursor);
    n += page.metrics.length;
    cursor = page.next;
  } while (cursor);
  return n;
}

/** Reads everything the tally lists back from this server and compares. */
export async function verify(ctx: ImportContext): Promise<Report> {
  const t = ctx.tally;
  const mismatches: string[] = [];
  const rows: ReportRow[] = [];
  const row = (entity: string, source: number, target: number) =>
    rows.push({ entity, source, target });

  let experiments = 0;
  for (const id of t.experiments) {
    if (await found(() => ctx.experiments.get(id))) experiments++;
    else mismatches.push(`experiment ${id} is missing`);
  }
  row("experiments", t.experiments.length, experiments);

  let runs = 0;
  let srcPoints = 0;
  let dstPoints = 0;
  const runUris = new Map<string, string>();
  await pooledMap(t.runs.keys(), async (id) => {
    const run = await found(() => ctx.runs.get(id));
    if (!run) {
      mismatches.push(`run ${id} is missing`);
      return;
    }
    runs++;
    runUris.set(id, run.info.artifactUri);
    for (const [key, n] of Object.entries(t.metricPoints.get(id) ?? {})) {
      const m = await countPoints(ctx, id, key);
      srcPoints += n;
      dstPoints += m;
      if (m !== n) {
        mismatches.push(`run ${id} metric '${key}': ${n} points on the source, ${m} here`);
      }
    }
  }, ctx.concurrency);
  row("runs", t.runs.size, runs);
  row("metric points", srcPoints, dstPoints);

  let models = 0;
  let srcModelPoints = 0;
  let modelPoints = 0;
  const modelUris = new Map<string, string>();
  for (const id of t.loggedModels) {
    const m = await found(() => ctx.loggedModels.get(id, true));
    const want = t.modelMetrics.get(id) ?? 0;
    srcModelPoints += want;
    if (!m) {
      mismatches.push(`logged model ${id} is missing`);
      continue;
    }
    models++;
    modelPoints += m.metrics.length;
    if (m.metrics.length !== want) {
      mismatches.push(
        `logged model ${id}: ${want} metric points on the source, ${m.metrics.length} here`,
      );
    }
    modelUris.set(`model:${id}`, m.artifactLocation);
  }
  row("logged models", t.loggedModels.length, models);
  row("logged-model metric points", srcModelPoints, modelPoints);

  let srcFiles = 0;
  let sameFiles = 0;
  const trees = [...t.artifacts.entries()];
  await pooledMap(trees, async ([owner, files]) => {
    const uri = runUris.get(owner) ?? modelUris.get(owner);
    for (const [path, sum] of Object.entries(files)) {
      srcFiles++;
      if (uri === undefined) continue;
      const { store, base } = await ctx.artifacts.forRun(uri);
      const obj = await found(() => store.get(joinPath(base, path)));
      const got = obj ? await sha256Of(obj.body) : undefined;
      if (got === sum) sameFiles++;
      else {
        mismatches.push(
          `artifact ${owner}/${path}: ${got === undefined ? "missing" : "checksum differs"}`,
        );
      }
    }
  }, ctx.concurrency);
  row("artifacts (sha256 equal)", srcFiles, sameFiles);

  const traces = new TraceStore(ctx.db, ctx.experiments);
  let copiedTraces = 0;
  await pooledMap(t.traces.entries(), async ([id, sum]) => {
    const record = await traces.findRecord(id);
    if (!record) {
      mismatches.push(`trace ${id} is missing`);
      return;
    }
    const e = await ctx.experiments.get(record.experiment_id);
    const { store, base } = await ctx.artifacts.forRun(
      TraceStore.artifactLocation(e.artifactLocation, id),
    );
    const obj = await found(() => store.get(joinPath(base, "traces.json")));
    const got = obj ? await sha256Of(obj.body) : undefined;
    if (got === sum) copiedTraces++;
    else mismatches.push(`trace ${id}: spans (traces.json) ${got ? "differ" : "missing"}`);
  }, ctx.concurrency);
  row("traces (spans sha256 equal)", t.traces.size, copiedTraces);

  let rms = 0;
  let srcVersions = 0;
  let versions = 0;
  let prompts = 0;
  const promptNames = new Set(t.prompts);
  for (const [name, nums] of t.registeredModels) {
    srcVersions += nums.length;
    if (!(await found(() => ctx.registry.getRegisteredModel(name)))) {
      mismatches.push(`registered model '${name}' is missing`);
      continue;
    }
    if (promptNames.has(name)) prompts++;
    else rms++;
    for (const v of nums) {
      if (await found(() => ctx.registry.getModelVersion(name, v))) versions++;
      else mismatches.push(`model '${name}' version ${v} is missing`);
    }
  }
  row("registered models", t.registeredModels.size - promptNames.size, rms);
  row("prompts", promptNames.size, prompts);
  row("model versions", srcVersions, versions);

  let aliases = 0;
  for (const [key, version] of t.aliases) {
    const at = key.lastIndexOf("@");
    const v = await found(() =>
      ctx.registry.getModelVersionByAlias(key.slice(0, at), key.slice(at + 1))
    );
    if (v && v.version === version) aliases++;
    else mismatches.push(`alias ${key} does not point at version ${version}`);
  }
  row("aliases", t.aliases.size, aliases);

  for (const r of rows) {
    if (r.source !== r.target && mismatches.length === 0) {
      mismatches.push(`${r.entity}: ${r.source} on the source, ${r.target} here`);
    }
  }
  return { rows, mismatches: [...t.problems, ...mismatches] };
}

/** The report as text lines. */
export function formatReport(r: Report): string[] {
  const lines = [
    "Verification:",
    `  ${"entity".padEnd(30)}${"source".padStart(10)}${"here".padStart(10)}`,
  ];
  for (const row of r.rows) {
    const mark = row.source === row.target ? "ok" : "MISMATCH";
    lines.push(
      `  ${row.entity.padEnd(30)}${String(row.source).padStart(10)}${
        String(row.target).padStart(10)
      }  ${mark}`,
    );
  }
  for (const m of r.mismatches.slice(0, 50)) lines.push(`  - ${m}`);
  if (r.mismatches.length > 50) lines.push(`  … and ${r.mismatches.length - 50} more`);
  lines.push(
    r.mismatches.length === 0
      ? "Everything matches."
      : `${r.mismatches.length} mismatches: the import is not complete (run it again).`,
  );
  return lines;
}
