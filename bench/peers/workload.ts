/**
 * The workload of issue #11 (after mlflow-go's published k6 benchmark), over MLflow's REST API so
 * that every server runs exactly the same requests: seeding (an experiment of `seedRuns` runs, a
 * run holding a `historyPoints`-point history) and the seven timed operations.
 *
 * @module
 */
import { call, inParallel, type Target } from "./load.ts";

/** Sizes of the seeded data. */
export interface Sizes {
  seedRuns: number;
  historyPoints: number;
}

/** What the operations need from the seed. */
export interface Seeded {
  experimentId: string;
  searchExperimentId: string;
  metricRun: string;
  paramRun10: string;
  paramRun100: string;
  historyRun: string;
}

/** One timed operation: a name and one request (or one paged read) of it. */
export interface Op {
  name: string;
  run(t: Target, s: Seeded, seq: number, sizes: Sizes): Promise<void>;
}

async function createRun(t: Target, experimentId: string, i: number): Promise<string> {
  const out = await call(t, "POST", "runs/create", {
    experiment_id: experimentId,
    start_time: 1700000000000 + i,
    run_name: `r${i}`,
  }) as { run: { info: { run_id: string } } };
  return out.run.info.run_id;
}

async function createExperiment(t: Target, name: string): Promise<string> {
  const out = await call(t, "POST", "experiments/create", { name }) as { experiment_id: string };
  return out.experiment_id;
}

/**
 * Writes `count` runs into an experiment the server created, as the REST seeding would (run `i`
 * named `r<i>`, started at 1700000000000 + i, every tenth with metric `m` = i at step 0).
 */
export type BulkRuns = (experimentId: string, count: number) => Promise<void>;

/**
 * Creates the experiments and runs the operations read and write. The search experiment's runs
 * go through `bulkRuns` when the server has one (sqlite peers: `mlflow server` creates ~100 runs
 * a second, so 10,000 over REST took minutes), else over REST from `2 × clients` connections.
 */
export async function seed(
  t: Target,
  sizes: Sizes,
  clients: number,
  bulkRuns?: BulkRuns,
): Promise<Seeded> {
  const tag = `${Date.now().toString(36)}`;
  const experimentId = await createExperiment(t, `bench-${tag}`);
  const searchExperimentId = await createExperiment(t, `bench-search-${tag}`);
  if (bulkRuns) await bulkRuns(searchExperimentId, sizes.seedRuns);
  else {
    await inParallel(sizes.seedRuns, 2 * clients, async (i) => {
      const runId = await createRun(t, searchExperimentId, i);
      if (i % 10 === 0) {
        await call(t, "POST", "runs/log-batch", {
          run_id: runId,
          metrics: [{ key: "m", value: i, timestamp: 1700000000000, step: 0 }],
        });
      }
    });
  }
  const [metricRun, paramRun10, paramRun100, historyRun] = await Promise.all(
    [0, 1, 2, 3].map((i) => createRun(t, experimentId, i)),
  );
  const batches = Math.ceil(sizes.historyPoints / 1000);
  await inParallel(batches, 4, async (b) => {
    const n = Math.min(1000, sizes.historyPoints - b * 1000);
    const metrics = Array.from({ length: n }, (_, i) => ({
      key: "loss",
      value: Math.sin(b * 1000 + i),
      timestamp: 1700000000000 + b * 1000 + i,
      step: b * 1000 + i,
    }));
    await call(t, "POST", "runs/log-batch", { run_id: historyRun, metrics });
  });
  return {
    experimentId,
    searchExperimentId,
    metricRun: metricRun!,
    paramRun10: paramRun10!,
    paramRun100: paramRun100!,
    historyRun: historyRun!,
  };
}

const params = (seq: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ key: `p${seq}_${i}`, value: `v${seq}_${i}` }));

/** The timed operations, in the order. */
export const OPS: Op[] = [
  {
    name: "log-batch 10 metrics",
    run: (t, s, seq) =>
      call(t, "POST", "runs/log-batch", {
        run_id: s.metricRun,
        metrics: Array.from({ length: 10 }, (_, k) => ({
          key: `metric_${k}`,
          value: Math.random(),
          timestamp: Date.now(),
          step: seq,
        })),
      }).then(() => {}),
  },
  {
    name: "create run",
    run: (t, s, seq) => createRun(t, s.experimentId, 1_000_000 + seq).then(() => {}),
  },
  {
    name: "search runs (1,000 of seed)",
    run: async (t, s, _seq, sizes) => {
      const out = await call(t, "POST", "runs/search", {
        experiment_ids: [s.searchExperimentId],
        max_results: 1000,
      }) as { runs?: unknown[] };
      const want = Math.min(1000, sizes.seedRuns);
      if ((out.runs?.length ?? 0) !== want) {
        throw new Error(`search runs answered ${out.runs?.length ?? 0} runs, not ${want}`);
      }
    },
  },
  {
    name: "search experiments",
    run: (t) => call(t, "POST", "experiments/search", { max_results: 1000 }).then(() => {}),
  },
  {
    name: "log-batch 10 params",
    run: (t, s, seq) =>
      call(t, "POST", "runs/log-batch", { run_id: s.paramRun10, params: params(seq, 10) })
        .then(() => {}),
  },
  {
    name: "log-batch 100 params",
    run: (t, s, seq) =>
      call(t, "POST", "runs/log-batch", { run_id: s.paramRun100, params: params(seq, 100) })
        .then(() => {}),
  },
  {
    name: "history (all pages)",
    run: async (t, s, _seq, sizes) => {
      let token: string | undefined;
      let points = 0;
      for (let page = 0; page < 100; page++) {
        const out = await call(t, "GET", "metrics/get-history", {
          run_id: s.historyRun,
          metric_key: "loss",
          max_results: 25000,
          ...(token ? { page_token: token } : {}),
        }) as { metrics?: unknown[]; next_page_token?: string };
        points += out.metrics?.length ?? 0;
        token = out.next_page_token || undefined;
        if (!token) break;
      }
      if (points !== sizes.historyPoints) {
        throw new Error(`history answered ${points} points, not ${sizes.historyPoints}`);
      }
    },
  },
];
