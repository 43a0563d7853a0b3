/**
 * `/graphql` under basic-auth: each operation is checked against what it names, as MLflow's
 * GraphQL authorization middleware does, with the request's {@link ReadGate}. A denied field
 * resolves to null (no error, as MLflow): `mlflowGetExperiment` and `mlflowGetRun` need READ on
 * the experiment (`mlflowListArtifacts` too); `mlflowGetMetricHistoryBulkInterval` on every run;
 * `mlflowSearchRuns` and `mlflowSearchDatasets` keep the readable experiment ids (none: null); `mlflowSearchModelVersions` and a run's `modelVersions`
 * keep the versions of readable registered models.
 *
 * @module
 */
import type { ReadGate } from "../read_gate.ts";

type Obj = Record<string, unknown>;
type Resolver = (args: { input?: Obj | null }, ...rest: unknown[]) => unknown;

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

async function everyOf(ids: string[], check: (id: string) => Promise<boolean>) {
  for (const id of new Set(ids)) if (!(await check(id))) return false;
  return true;
}

async function readableVersions(gate: ReadGate, versions: unknown): Promise<unknown> {
  if (!Array.isArray(versions)) return versions;
  const keep = await Promise.all(
    versions.map((v) => {
      const name = str((v as Obj).name);
      return name ? gate.registeredModel(name) : Promise.resolve(false);
    }),
  );
  return versions.filter((_, i) => keep[i]);
}

/** A run object whose `modelVersions` answers only readable versions. */
function guardRun(gate: ReadGate, run: unknown): unknown {
  if (!run || typeof run !== "object") return run;
  const r = run as Obj;
  const versions = r.modelVersions;
  if (typeof versions !== "function") return run;
  return {
    ...r,
    modelVersions: async (...a: unknown[]) => readableVersions(gate, await versions(...a)),
  };
}

/**
 * The ids the caller's grants let a search keep, as MLflow's middleware filters them (grants in
 * the request's workspace, no look-up); another workspace's ids are then dropped by the search
 * itself (the request's `VisibleExperiments`), so they never make the answer null.
 */
async function readableExperiments(gate: ReadGate, ids: unknown): Promise<string[]> {
  const asked = Array.isArray(ids) ? ids.filter((x): x is string => typeof x === "string") : [];
  const readable: string[] = [];
  for (const id of new Set(asked)) if (await gate.searchable(id)) readable.push(id);
  return readable;
}

/** The root value with every operation checked by `gate`. */
export function guardedRoot(root: Obj, gate: ReadGate): Obj {
  const call = (name: string) => root[name] as Resolver;
  return {
    ...root,
    mlflowGetExperiment: async (args: { input?: Obj | null }, ...rest: unknown[]) => {
      const id = str(args.input?.experimentId);
      if (!id || !(await gate.experiment(id))) return null;
      return call("mlflowGetExperiment")(args, ...rest);
    },
    mlflowGetRun: async (args: { input?: Obj | null }, ...rest: unknown[]) => {
      const id = str(args.input?.runId) ?? str(args.input?.runUuid);
      if (!id || !(await gate.run(id))) return null;
      const out = await call("mlflowGetRun")(args, ...rest) as Obj | null;
      return out && { ...out, run: guardRun(gate, out.run) };
    },
    mlflowListArtifacts: async (args: { input?: Obj | null }, ...rest: unknown[]) => {
      const id = str(args.input?.runId) ?? str(args.input?.runUuid);
      if (!id || !(await gate.run(id))) return null;
      return call("mlflowListArtifacts")(args, ...rest);
    },
    mlflowSearchDatasets: async (args: { input?: Obj | null }, ...rest: unknown[]) => {
      const readable = await readableExperiments(gate, args.input?.experimentIds);
      if (readable.length === 0) return null;
      const input = { ...args.input, experimentIds: readable };
      return call("mlflowSearchDatasets")({ ...args, input }, ...rest);
    },
    mlflowSearchRuns: async (args: { input?: Obj | null }, ...rest: unknown[]) => {
      const readable = await readableExperiments(gate, args.input?.experimentIds);
      if (readable.length === 0) return null;
      const input = { ...args.input, experimentIds: readable };
      const out = await call("mlflowSearchRuns")({ ...args, input }, ...rest) as Obj | null;
      if (!out || !Array.isArray(out.runs)) return out;
      return { ...out, runs: out.runs.map((r) => guardRun(gate, r)) };
    },
    mlflowGetMetricHistoryBulkInterval: async (
      args: { input?: Obj | null },
      ...rest: unknown[]
    ) => {
      const ids = Array.isArray(args.input?.runIds)
        ? (args.input.runIds as unknown[]).filter((x): x is string => typeof x === "string")
        : [];
      if (!(await everyOf(ids, (id) => gate.run(id)))) return null;
      return call("mlflowGetMetricHistoryBulkInterval")(args, ...rest);
    },
    mlflowSearchModelVersions: async (args: { input?: Obj | null }, ...rest: unknown[]) => {
      const out = await call("mlflowSearchModelVersions")(args, ...rest) as Obj | null;
      if (!out) return out;
      return { ...out, model_versions: await readableVersions(gate, out.model_versions) };
    },
  };
}
