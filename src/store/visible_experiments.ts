/**
 * Which experiments one search request may read. MLflow 3.17.2 narrows a multi-experiment search
 * before it reads anything: its workspace-aware store keeps only the request's workspace's ids
 * (`_filter_experiment_ids`), and under basic-auth `runs/search` keeps only the experiments the
 * caller may read (`filter_experiment_ids`; logged models are filtered by the same reads). The
 * HTTP layer knows the workspace and the caller, so it builds this value per request; the search
 * stores (runs, logged models, traces, trace metrics, datasets) call {@link keepVisible} on the
 * ids they were given before they read any of those experiments' items, so an invisible
 * experiment is never read. An emptied list is an empty answer, never "no experiment named".
 *
 * @module
 */
import { pooledMap } from "../util/pool.ts";

/** One test: may this request see the experiment with this id? */
export type ExperimentTest = (experimentId: string) => Promise<boolean>;

/** The experiments a request may see. */
export interface VisibleExperiments {
  /** The ids of `ids` the request may see, in their order. */
  keep(ids: readonly string[]): Promise<string[]>;
}

/**
 * The experiments that pass every test. Each test sees only the ids the tests before it kept, so
 * put the cheap or scoping test (the workspace) first.
 */
export function visibleWhen(tests: readonly ExperimentTest[]): VisibleExperiments {
  return {
    async keep(ids) {
      let kept = [...ids];
      for (const test of tests) {
        if (kept.length === 0) break;
        const pass = await pooledMap(kept, test);
        kept = kept.filter((_, i) => pass[i]);
      }
      return kept;
    },
  };
}

/** The ids of `ids` that `visible` keeps; all of them when the request has no limit. */
export async function keepVisible(
  visible: VisibleExperiments | undefined,
  ids: readonly string[],
): Promise<string[]> {
  return visible ? await visible.keep(ids) : [...ids];
}
