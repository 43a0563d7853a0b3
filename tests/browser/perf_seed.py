"""Seeds one experiment with N runs (params, tags, a few metrics) for the runs-table timing.

Usage: MLFLOW_TRACKING_URI=... python perf_seed.py <experiment name> <runs>
Prints the experiment id (the last line of stdout).
"""

import sys
import time
from concurrent.futures import ThreadPoolExecutor

from mlflow import MlflowClient
from mlflow.entities import Metric, Param


def main():
    name, count = sys.argv[1], int(sys.argv[2])
    client = MlflowClient()
    experiment_id = client.create_experiment(name)
    now = int(time.time() * 1000)

    def one(i):
        run = client.create_run(
            experiment_id, run_name=f"perf-run-{i:04d}", tags={"team": "perf"}
        )
        client.log_batch(
            run.info.run_id,
            metrics=[Metric(k, (i % 97) / 97, now, 0) for k in ("loss", "accuracy", "f1")],
            params=[Param(k, str(i % 13)) for k in ("lr", "depth", "optimizer")],
        )

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(one, range(count)))
    print(experiment_id)


if __name__ == "__main__":
    main()
