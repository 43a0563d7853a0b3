"""Seeds the runs of the peer benchmark's search experiment straight into an MLflow sqlite store.

Run with the peer's own venv python (`mlflow server` 3.17.2, mlflow-go's mlflow 3.0.1), after the
server created the experiment over REST. It writes, in one transaction and through the installed
MLflow's own ORM models, exactly the rows its REST handlers write for the same requests: per run
what `runs/create` writes (run, `mlflow.runName` tag) and, for every tenth run, what `runs/log-batch`
of one metric writes (history row and latest value). The timed operations then read the same
data; only the seeding skips 10,000 HTTP round trips through a Python server.

Usage: python sqlite_seed.py '{"db": "...", "experiment_id": "1", "runs": 10000}'
Prints the number of runs written.
"""

import json
import sys
import uuid

import sqlalchemy
from sqlalchemy.orm import sessionmaker

from mlflow.entities import LifecycleStage, RunStatus, SourceType
from mlflow.store.tracking.dbmodels.models import (
    SqlExperiment,
    SqlLatestMetric,
    SqlMetric,
    SqlRun,
    SqlTag,
)
from mlflow.utils.uri import append_to_uri_path

BASE_TIME = 1700000000000


def main() -> None:
    args = json.loads(sys.argv[1])
    engine = sqlalchemy.create_engine(f"sqlite:///{args['db']}")
    session = sessionmaker(bind=engine)()
    try:
        experiment = (
            session.query(SqlExperiment)
            .filter(SqlExperiment.experiment_id == int(args["experiment_id"]))
            .one()
        )
        for i in range(args["runs"]):
            run_id = uuid.uuid4().hex
            name = f"r{i}"
            run = SqlRun(
                name=name,
                artifact_uri=append_to_uri_path(experiment.artifact_location, run_id, "artifacts"),
                run_uuid=run_id,
                experiment_id=experiment.experiment_id,
                source_type=SourceType.to_string(SourceType.UNKNOWN),
                source_name="",
                entry_point_name="",
                user_id="",
                status=RunStatus.to_string(RunStatus.RUNNING),
                start_time=BASE_TIME + i,
                end_time=None,
                deleted_time=None,
                source_version="",
                lifecycle_stage=LifecycleStage.ACTIVE,
            )
            run.tags = [SqlTag(key="mlflow.runName", value=name)]
            session.add(run)
            if i % 10 == 0:
                point = dict(key="m", value=float(i), timestamp=BASE_TIME, step=0, is_nan=False)
                session.add(SqlMetric(run_uuid=run_id, **point))
                session.add(SqlLatestMetric(run_uuid=run_id, **point))
        session.commit()
    finally:
        session.close()
    print(args["runs"])


if __name__ == "__main__":
    main()
