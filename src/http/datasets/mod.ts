/**
 * Mounts the GenAI evaluation routes: evaluation datasets, registered scorers and their online
 * scoring configurations (3.0 paths).
 *
 * @module
 */
import type { Hono } from "hono";
import { DatasetStore } from "../../store/datasets/dataset_store.ts";
import type { Stores } from "../../store/stores.ts";
import { mountMlflow } from "../mount.ts";
import { datasetRoutes } from "./dataset_routes.ts";
import { ScorerStore } from "../../store/scorers/scorer_store.ts";
import { scorerRoutes } from "../scorers/scorer_routes.ts";
import { OnlineConfigStore } from "../../store/gateway/online_config_store.ts";

/** Returns the mount function of the evaluation dataset and scorer routes. */
export function mountDatasets(stores: Stores): (app: Hono) => void {
  const datasets = new DatasetStore(stores.db, stores.experiments);
  const scorers = new ScorerStore(stores.db, stores.experiments);
  const online = new OnlineConfigStore(stores.db, stores.experiments, scorers);
  return (app: Hono) => {
    mountMlflow(app, datasetRoutes(datasets), ["3.0"]);
    mountMlflow(app, scorerRoutes(scorers, online), ["3.0"]);
  };
}
