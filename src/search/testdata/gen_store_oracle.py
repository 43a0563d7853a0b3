"""Regenerate store_oracle.json from MLflow's SQL stores (never needed at test time).

    python -m venv /tmp/mlvenv
    /tmp/mlvenv/bin/pip install mlflow-skinny==3.11.1 sqlalchemy alembic
    cd src/search/testdata && PYTHONHASHSEED=0 /tmp/mlvenv/bin/python gen_store_oracle.py

Builds a SQLite tracking + registry store with fixed data, runs every search in the lists
below through the real store (filter + order_by, as `mlflow server` does) and writes the
data and the results (names in result order, or the error) to store_oracle.json.
"""

import json
import math
import tempfile

from sqlalchemy import text

from mlflow.entities import (
    Dataset,
    DatasetInput,
    ExperimentTag,
    InputTag,
    LoggedModelParameter,
    LoggedModelStatus,
    LoggedModelTag,
    Metric,
    RunStatus,
    Param,
    RunTag,
    ViewType,
)
from mlflow.entities.model_registry import ModelVersionTag, RegisteredModelTag
from mlflow.exceptions import MlflowException
from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore as RegistryStore
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore as TrackingStore

tmp = tempfile.mkdtemp()
DB = f"sqlite:///{tmp}/mlflow.db"
ts = TrackingStore(DB, f"{tmp}/artifacts")
rs = RegistryStore(DB)


def num(x):
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def outcome(fn, name):
    try:
        return {"names": [name(x) for x in fn()]}
    except MlflowException as e:
        return {"error": e.error_code, "message": e.message}
    except Exception as e:  # noqa: BLE001 - Python errors are HTTP 500 in MLflow
        return {"error": "PYTHON_" + type(e).__name__, "message": str(e)}


# ------------------------------------------------------------------------------------------
# Runs

exp_id = ts.create_experiment("runs")
RUNS = [
    # name, user, start, end, status, metrics, params, tags, datasets [(name, digest, context)]
    ("alpha", "alice", 100, 200, "FINISHED", {"acc": 0.9, "loss": 0.5}, {"lr": "0.1", "model": "LR"},
     {"env": "prod", "team": "A"}, [("train", "d1", "training"), ("eval", "d2", None)]),
    ("beta", "bob", 200, None, "RUNNING", {"acc": 0.8, "loss": float("nan")}, {"lr": "0.01", "model": "Tree"},
     {"env": "dev"}, [("train", "d1", "training")]),
    ("Gamma", "alice", 200, 300, "FAILED", {"acc": float("inf"), "loss": 0.0}, {"model": "lr"},
     {"env": "Prod", "note": "it's"}, [("test", "d3", "eval")]),
    ("delta", "carol", 50, 60, "FINISHED", {"acc": -1.0, "loss": float("-inf")}, {"lr": "0.1"},
     {}, []),
    ("eps_1", "dave", 300, 400, "KILLED", {}, {"model": "LR%"},
     {"env": "prod", "mlflow.note.content": "x"}, [("train", "d9", None)]),
    ("zeta 2", "ünïcode", 300, None, "SCHEDULED", {"acc": 0.9}, {"lr": "1e-3", "model": "ML_x"},
     {"env": "staging"}, []),
]
run_ids = {}
for name, user, start, end, status, metrics, params, tags, datasets in RUNS:
    run = ts.create_run(exp_id, user, start, [RunTag("mlflow.user", user)], name)
    rid = run.info.run_id
    run_ids[name] = rid
    ts.log_batch(
        rid,
        metrics=[Metric(k, v, 1000, 0) for k, v in metrics.items()],
        params=[Param(k, v) for k, v in params.items()],
        tags=[RunTag(k, v) for k, v in tags.items()],
    )
    if datasets:
        ts.log_inputs(rid, [
            DatasetInput(
                Dataset(name=dn, digest=dd, source_type="local", source="src"),
                [InputTag("mlflow.data.context", ctx)] if ctx else [],
            )
            for dn, dd, ctx in datasets
        ])
    if end is not None:
        ts.update_run_info(rid, RunStatus.from_string(status), end, name)
    elif status != "RUNNING":
        ts.update_run_info(rid, RunStatus.from_string(status), None, name)

run_records = []
for r in ts.search_runs([exp_id], None, ViewType.ALL, max_results=1000):
    run_records.append({
        "runId": r.info.run_id,
        "runName": r.info.run_name,
        "userId": r.info.user_id,
        "status": r.info.status,
        "startTime": r.info.start_time,
        **({"endTime": r.info.end_time} if r.info.end_time is not None else {}),
        "artifactUri": r.info.artifact_uri,
        "lifecycleStage": r.info.lifecycle_stage,
        "metrics": {k: num(v) for k, v in r.data.metrics.items()},
        "params": r.data.params,
        "tags": r.data.tags,
        "datasets": [
            {
                "name": di.dataset.name,
                "digest": di.dataset.digest,
                **{t.key.replace("mlflow.data.", ""): t.value for t in di.tags},
            }
            for di in r.inputs.dataset_inputs
        ],
    })

RUN_FILTERS = [
    None,
    "metrics.acc > 0.85",
    "metrics.acc >= 0.9",
    "metrics.acc = 0.9",
    "metrics.acc != 0.9",
    "metrics.acc < 0",
    "metrics.acc > 1e308",
    "metrics.acc = 1.7976931348623157e308",
    "metrics.loss = 0",
    "metrics.loss != 0",
    "metrics.loss < 0",
    "metrics.loss >= 0",
    "metrics.missing != 1",
    "params.lr = '0.1'",
    "params.lr != '0.1'",
    "params.model LIKE 'L%'",
    "params.model LIKE 'l%'",
    "params.model ILIKE 'l%'",
    "params.model LIKE '%\\%'",
    "params.model LIKE 'LR_'",
    "params.model LIKE 'ML_x'",
    "params.model LIKE 'M__x'",
    "params.model like '%r'",
    "params.lr IS NULL",
    "params.lr IS NOT NULL",
    "tags.env = 'prod'",
    "tags.env != 'prod'",
    "tags.env ILIKE 'PROD'",
    "tags.env IS NULL",
    "tags.note = \"it's\"",
    "tags.team IS NOT NULL and tags.env = 'prod'",
    "tags.`mlflow.note.content` = 'x'",
    "tags.\"mlflow.user\" = 'alice'",
    "attributes.status = 'FINISHED'",
    "attributes.status != 'FINISHED'",
    "status LIKE '%ING'",
    "attributes.user_id = 'alice'",
    "attributes.user_id ILIKE 'ÜNÏCODE'",
    "attributes.run_name = 'alpha'",
    "attributes.run_name LIKE '%a'",
    "run_name ILIKE 'g%'",
    "`Run Name` = 'beta'",
    "\"run name\" != 'beta'",
    "attributes.start_time > 100",
    "attributes.start_time >= 100 AND attributes.start_time <= 200",
    "created < 100",
    "attributes.end_time > 100",
    "attributes.end_time != 200",
    "attributes.start_time = 1.0e2",
    "attributes.artifact_uri LIKE '%/artifacts'",
    "datasets.name = 'train'",
    "datasets.name != 'train'",
    "datasets.name IN ('train', 'test')",
    "datasets.name NOT IN ('train')",
    "datasets.digest = 'd1'",
    "datasets.context = 'training'",
    "datasets.context != 'training'",
    "datasets.context IN ('eval')",
    "datasets.name = 'train' AND datasets.digest = 'd9'",
    "datasets.name LIKE 't%' AND params.lr = '0.1'",
    "metrics.acc > 0.5 AND params.model = 'LR' AND tags.env = 'prod'",
    "metrics.acc LIKE 1",
    "params.lr > '0.01'",
    "tags.env < 'q'",
    "attributes.status > 'A'",
    "attributes.start_time LIKE 1",
    "datasets.name > 'a'",
    "status RLIKE 'F'",
    "status <> 'FINISHED'",
    "params.model NOT LIKE 'L%'",
    "run_id = ('a')",
]
# run_id filters need the generated ids
RUN_FILTERS += [
    f"attributes.run_id = '{run_ids['alpha']}'",
    f"attributes.run_id IN ('{run_ids['alpha']}', '{run_ids['beta']}')",
    f"attributes.run_id IN ('{run_ids['alpha'].upper()}', '{run_ids['beta']}')",
    f"attributes.run_id NOT IN ('{run_ids['alpha']}')",
    f"run_id LIKE '{run_ids['delta'][:5]}%'",
]

RUN_ORDERS = [
    [],
    ["metrics.acc"],
    ["metrics.acc DESC"],
    ["metrics.loss"],
    ["metrics.loss DESC"],
    ["params.lr"],
    ["params.lr DESC"],
    ["params.model ASC", "attributes.user_id DESC"],
    ["tags.env"],
    ["tags.env DESC"],
    ["attributes.start_time"],
    ["attributes.start_time DESC"],
    ["created ASC"],
    ["attributes.end_time"],
    ["attributes.end_time DESC"],
    ["attributes.run_name"],
    ["run_name DESC"],
    ["attributes.status", "metrics.acc DESC"],
    ["attributes.user_id"],
    ["attributes.run_id"],
    ["metrics.`acc` desc"],
    ["metrics.acc", "metrics.acc DESC"],
    ["start_time", "created"],
    ["datasets.name"],
    ["attributes.lifecycle_stage"],
    ["metrics.acc DESC ASC"],
    ["metrics.acc DSC"],
    ["tags.missing DESC"],
]

runs_out = {
    "records": run_records,
    "filters": [
        {"filter": f, **outcome(lambda f=f: ts.search_runs([exp_id], f, ViewType.ALL, 1000),
                                lambda r: r.info.run_name)}
        for f in RUN_FILTERS
    ],
    "orders": [
        {"order_by": o, **outcome(lambda o=o: ts.search_runs([exp_id], None, ViewType.ALL, 1000, o),
                                  lambda r: r.info.run_name)}
        for o in RUN_ORDERS
    ],
    "combined": [
        {"filter": f, "order_by": o,
         **outcome(lambda f=f, o=o: ts.search_runs([exp_id], f, ViewType.ALL, 1000, o),
                   lambda r: r.info.run_name)}
        for f, o in [
            ("metrics.acc LIKE 1", ["bogus.x"]),
            ("params.x ~ 'a'", ["metrics.a", "metrics.a"]),
            ("bogus.x = 1", ["bogus.y"]),
            ("metrics.acc > 0", ["params.lr DESC"]),
        ]
    ],
}

# ------------------------------------------------------------------------------------------
# Experiments

EXPERIMENTS = [
    ("Abc", 30, 40, {"team": "A", "k": "v1"}),
    ("ab", 10, 50, {"team": "B"}),
    ("a", 20, 20, {}),
    ("b_c", 30, 35, {"k": "V1", "team": "a"}),
    ("jamie-foo C+W bar", 5, 60, {"note": "x"}),
]
with ts.engine.begin() as conn:
    conn.execute(text("UPDATE experiments SET creation_time = 0, last_update_time = 0"))
exp_ids = {"runs": exp_id}
for name, created, updated, tags in EXPERIMENTS:
    eid = ts.create_experiment(name, tags=[ExperimentTag(k, v) for k, v in tags.items()])
    exp_ids[name] = eid
    with ts.engine.begin() as conn:
        conn.execute(
            text("UPDATE experiments SET creation_time = :c, last_update_time = :u "
                 "WHERE experiment_id = :i"),
            {"c": created, "u": updated, "i": int(eid)},
        )
exp_records = [
    {"experimentId": e.experiment_id, "name": e.name, "creationTime": e.creation_time,
     "lastUpdateTime": e.last_update_time, "tags": e.tags}
    for e in ts.search_experiments(ViewType.ALL, 1000)
]
EXP_FILTERS = [
    None,
    "name = 'ab'",
    "name != 'ab'",
    "name LIKE 'a%'",
    "name ILIKE 'a%'",
    "name LIKE '%_c'",
    "name LIKE 'jamie-foo C+%'",
    "name like 'a%'",
    "attribute.name = 'a'",
    "creation_time > 10",
    "creation_time >= 10 AND last_update_time < 50",
    "last_update_time = 20",
    "creation_time != 30",
    "tags.team = 'A'",
    "tags.team ILIKE 'a'",
    "tags.team != 'A'",
    "tags.k LIKE 'v%'",
    "tags.k IS NULL",
    "tags.k IS NOT NULL",
    "tag.team = 'B' AND name = 'ab'",
    "tags.team like 'A'",
    "name < 'b'",
    "creation_time LIKE 1",
    "tags.team IN ('A')",
    "name IN ('a')",
]
EXP_ORDERS = [
    [],
    ["name"],
    ["name DESC"],
    ["creation_time"],
    ["creation_time DESC", "name"],
    ["last_update_time DESC"],
    ["experiment_id"],
    ["experiment_id DESC"],
    ["attribute.name ASC"],
    ["tags.team"],
    ["name", "name DESC"],
    ["bogus"],
    ["name sideways"],
]
exp_out = {
    "records": exp_records,
    "filters": [
        {"filter": f, **outcome(lambda f=f: ts.search_experiments(ViewType.ALL, 1000, f),
                                lambda e: e.name)}
        for f in EXP_FILTERS
    ],
    "orders": [
        {"order_by": o, **outcome(lambda o=o: ts.search_experiments(ViewType.ALL, 1000, None, o),
                                  lambda e: e.name)}
        for o in EXP_ORDERS
    ],
}

# ------------------------------------------------------------------------------------------
# Registered models and model versions

MODELS = [
    ("model-a", 300, {"stage": "prod", "owner": "x"}),
    ("Model-B", 100, {"stage": "dev"}),
    ("model_c", 200, {}),
    ("prompt-1", 250, {"mlflow.prompt.is_prompt": "true"}),
    ("model-d", 300, {"mlflow.prompt.is_prompt": "false"}),
]
for name, updated, tags in MODELS:
    rs.create_registered_model(name, [RegisteredModelTag(k, v) for k, v in tags.items()])
VERSIONS = [
    # model, run (name), source, tags, created, updated
    ("model-a", "alpha", "s3://bucket/a1", {"t": "x"}, 10, 100),
    ("model-a", "beta", "s3://bucket/a2", {"t": "y"}, 20, 300),
    ("model-a", None, "file:///tmp/a3", {}, 30, 300),
    ("Model-B", "alpha", "s3://bucket/b1", {"t": "x"}, 40, 200),
    ("model_c", "gamma", "runs:/x/model", {}, 50, 50),
    ("prompt-1", None, "prompt-src", {"mlflow.prompt.is_prompt": "true"}, 60, 60),
]
for model, run, source, tags, created, updated in VERSIONS:
    mv = rs.create_model_version(
        model, source, run_id=run_ids.get(run or "", run and "gamma-run-id"),
        tags=[ModelVersionTag(k, v) for k, v in tags.items()],
    )
    with rs.engine.begin() as conn:
        conn.execute(
            text("UPDATE model_versions SET creation_time = :c, last_updated_time = :u "
                 "WHERE name = :n AND version = :v"),
            {"c": created, "u": updated, "n": model, "v": int(mv.version)},
        )
for name, updated, _tags in MODELS:
    with rs.engine.begin() as conn:
        conn.execute(
            text("UPDATE registered_models SET creation_time = 1, last_updated_time = :u "
                 "WHERE name = :n"),
            {"u": updated, "n": name},
        )


def all_rms():
    return rs.search_registered_models("tags.`mlflow.prompt.is_prompt` = 'true'", 1000) + \
        rs.search_registered_models(None, 1000)


rm_records = [
    {"name": m.name, "tags": m._tags, "creationTimestamp": m.creation_timestamp,
     "lastUpdatedTimestamp": m.last_updated_timestamp}
    for m in all_rms()
]
mv_all = rs.search_model_versions("tags.`mlflow.prompt.is_prompt` = 'true'", 1000) + \
    rs.search_model_versions(None, 1000)
mv_records = [
    {"name": v.name, "version": int(v.version), **({"runId": v.run_id} if v.run_id else {}),
     "source": v.source, "tags": v.tags, "creationTimestamp": v.creation_timestamp,
     "lastUpdatedTimestamp": v.last_updated_timestamp}
    for v in mv_all
]
RM_FILTERS = [
    None,
    "name = 'model-a'",
    "name != 'model-a'",
    "name LIKE 'model%'",
    "name ILIKE 'model%'",
    "name like 'model%'",
    "tags.stage = 'prod'",
    "tags.stage != 'prod'",
    "tags.stage LIKE '%d%'",
    "tags.stage = 'prod' AND tags.owner = 'x'",
    "tags.`mlflow.prompt.is_prompt` = 'true'",
    "tags.`mlflow.prompt.is_prompt` = 'TRUE'",
    "tags.`mlflow.prompt.is_prompt` != 'true'",
    "tags.`mlflow.prompt.is_prompt` = 'false'",
    "tags.`mlflow.prompt.is_prompt` != 'false'",
    "name < 'm'",
    "tags.stage > 'a'",
]
RM_ORDERS = [
    [],
    ["name"],
    ["name DESC"],
    ["timestamp"],
    ["timestamp DESC"],
    ["last_updated_timestamp DESC", "name DESC"],
    ["timestamp", "last_updated_timestamp"],
    ["creation_timestamp DESC"],
    ["attribute.name"],
    ["name aCs"],
    ["timestamp somerandomstuff"],
]
MV_FILTERS = [
    None,
    "name = 'model-a'",
    "name LIKE 'model%'",
    "name ILIKE 'model%'",
    "version_number = 2",
    "version_number > 1",
    "version_number >= 1.5",
    "version_number = '2'",
    "version_number != 'abc'",
    "version_number < 'abc'",
    "source_path LIKE 's3://%'",
    "source_path = 'prompt-src'",
    f"run_id = '{run_ids['alpha']}'",
    f"run_id IN ('{run_ids['alpha']}', '{run_ids['beta']}')",
    f"run_id IN ('{run_ids['alpha'].upper()}')",
    f"run_id != '{run_ids['alpha']}'",
    "run_id NOT IN ('x')",
    "tags.t = 'x'",
    "tags.t != 'x'",
    "tags.`mlflow.prompt.is_prompt` = 'true'",
    "name = 'model-a' AND version_number > 1 AND tags.t = 'y'",
    "version_number LIKE '1'",
    "name IN ('model-a')",
    "name > 'a'",
]
MV_ORDERS = [
    [],
    ["name"],
    ["name DESC"],
    ["version_number"],
    ["creation_timestamp DESC"],
    ["last_updated_timestamp"],
    ["last_updated_timestamp", "version_number"],
    ["tags.name"],
    ["tags.t"],
    ["name", "name DESC"],
    ["run_id"],
    ["metrics.x"],
]
registry_out = {
    "registeredModels": {
        "records": rm_records,
        "filters": [
            {"filter": f, **outcome(lambda f=f: rs.search_registered_models(f, 1000),
                                    lambda m: m.name)}
            for f in RM_FILTERS
        ],
        "orders": [
            {"order_by": o, **outcome(lambda o=o: rs.search_registered_models(None, 1000, o),
                                      lambda m: m.name)}
            for o in RM_ORDERS
        ],
    },
    "modelVersions": {
        "records": mv_records,
        "filters": [
            {"filter": f, **outcome(lambda f=f: rs.search_model_versions(f, 1000),
                                    lambda v: f"{v.name}/{v.version}")}
            for f in MV_FILTERS
        ],
        "orders": [
            {"order_by": o, **outcome(lambda o=o: rs.search_model_versions(None, 1000, o),
                                      lambda v: f"{v.name}/{v.version}")}
            for o in MV_ORDERS
        ],
    },
}

# ------------------------------------------------------------------------------------------
# Logged models

lm_exp = ts.create_experiment("logged")
LMS = [
    # name, type, created, updated, params, tags, metrics [(key, value, ts, step, ds, digest)]
    ("m1", "agent", 100, 500, {"p": "1"}, {"t": "a"},
     [("acc", 0.5, 1, 0, "ds1", "x1"), ("acc", 0.9, 2, 0, "ds1", "x1"), ("f1", 0.1, 1, 0, None, None)]),
    ("m2", None, 200, 400, {"p": "2"}, {"t": "b"},
     [("acc", 0.7, 1, 0, "ds2", "x2"), ("acc", 0.6, 1, 1, "ds1", "y1")]),
    ("m3", "llm", 300, 300, {}, {},
     []),
    ("M4", "agent", 150, 200, {"p": "10"}, {"t": "A"},
     [("acc", 0.95, 5, 0, "ds1", "x1")]),
]
lm_ids = {}
for name, mtype, created, updated, params, tags, metrics in LMS:
    lm = ts.create_logged_model(
        lm_exp, name, source_run_id=run_ids["alpha"] if name == "m1" else None,
        tags=[LoggedModelTag(k, v) for k, v in tags.items()],
        params=[LoggedModelParameter(k, v) for k, v in params.items()], model_type=mtype,
    )
    lm_ids[name] = lm.model_id
    run = ts.create_run(lm_exp, "u", 1, [], f"run-{name}")
    if metrics:
        ts.log_batch(run.info.run_id, metrics=[
            Metric(k, v, t, s, model_id=lm.model_id, dataset_name=d, dataset_digest=g)
            for k, v, t, s, d, g in metrics
        ], params=[], tags=[])
    if name == "m3":
        ts.finalize_logged_model(lm.model_id, LoggedModelStatus.READY)
    with ts.engine.begin() as conn:
        conn.execute(
            text("UPDATE logged_models SET creation_timestamp_ms = :c, "
                 "last_updated_timestamp_ms = :u WHERE model_id = :i"),
            {"c": created, "u": updated, "i": lm.model_id},
        )
lm_records = [
    {"modelId": m.model_id, "experimentId": m.experiment_id, "name": m.name,
     **({"modelType": m.model_type} if m.model_type else {}),
     "status": "LOGGED_MODEL_" + str(m.status), **({"sourceRunId": m.source_run_id} if m.source_run_id else {}),
     "creationTimestamp": m.creation_timestamp, "lastUpdatedTimestamp": m.last_updated_timestamp,
     "metrics": [
         {"key": x.key, "value": num(x.value), "timestamp": x.timestamp, "step": x.step,
          **({"datasetName": x.dataset_name} if x.dataset_name else {}),
          **({"datasetDigest": x.dataset_digest} if x.dataset_digest else {})}
         for x in (m.metrics or [])
     ],
     "params": m.params, "tags": m.tags}
    for m in ts.search_logged_models([lm_exp], max_results=1000)
]
LM_SEARCHES = [
    (None, None, None),
    ("name = 'm1'", None, None),
    ("name LIKE 'm%'", None, None),
    ("name ILIKE 'm%'", None, None),
    ("attributes.name != 'm1'", None, None),
    ("model_type = 'agent'", None, None),
    ("model_type != 'agent'", None, None),
    ("name IN ('m1', 'm3')", None, None),
    ("name NOT IN ('m1')", None, None),
    ("creation_timestamp > 150", None, None),
    ("creation_time >= 150", None, None),
    ("last_updated_timestamp < 400", None, None),
    ("metrics.acc > 0.8", None, None),
    ("metrics.acc < 0.55", None, None),
    ("metrics.acc > 0.8", [{"dataset_name": "ds1", "dataset_digest": "x1"}], None),
    ("metrics.acc > 0.5", [{"dataset_name": "ds2", "dataset_digest": "x2"}], None),
    (None, [{"dataset_name": "ds1", "dataset_digest": "x1"}], None),
    (None, [{"dataset_name": "ds1", "dataset_digest": None}], None),
    ("params.p = '1'", None, None),
    ("params.p LIKE '1%'", None, None),
    ("tags.t = 'a'", None, None),
    ("tags.t ILIKE 'a'", None, None),
    ("params.p != '1' AND tags.t = 'b'", None, None),
    ("name like 'm%'", None, None),
    ("metric.acc > 1", None, None),
    ("name = 'm1' OR name = 'm2'", None, None),
    ("creation_timestamp LIKE 1", None, None),
    ("name > 'a'", None, None),
    (None, None, [{"field_name": "name", "ascending": True}]),
    (None, None, [{"field_name": "name", "ascending": False}]),
    (None, None, [{"field_name": "creation_timestamp", "ascending": True}]),
    (None, None, [{"field_name": "creation_time", "ascending": True}]),
    (None, None, [{"field_name": "last_updated_timestamp", "ascending": False}]),
    (None, None, [{"field_name": "model_type", "ascending": True}]),
    (None, None, [{"field_name": "model_type", "ascending": False}]),
    (None, None, [{"field_name": "metrics.acc", "ascending": True}]),
    (None, None, [{"field_name": "metrics.acc", "ascending": False}]),
    (None, None, [{"field_name": "metrics.acc", "ascending": False, "dataset_name": "ds1"}]),
    (None, None, [{"field_name": "metrics.acc", "ascending": True, "dataset_name": "ds1",
                   "dataset_digest": "x1"}]),
    (None, None, [{"field_name": "status", "ascending": False}, {"field_name": "name"}]),
    (None, None, [{"field_name": "params.p", "ascending": True}]),
    (None, None, [{"field_name": "bogus", "ascending": True}]),
]


def lm_search(f, ds, ob):
    def call():
        order = [{"ascending": True, "dataset_name": None, "dataset_digest": None, **o}
                 for o in ob] if ob else None
        return ts.search_logged_models([lm_exp], f, ds, 1000, order)
    return outcome(call, lambda m: m.name)


lm_out = {
    "records": lm_records,
    "searches": [
        {"filter": f, "datasets": ds, "order_by": ob, **lm_search(f, ds, ob)}
        for f, ds, ob in LM_SEARCHES
    ],
}

with open("store_oracle.json", "w", encoding="utf-8") as fh:
    json.dump({"runs": runs_out, "experiments": exp_out, **registry_out, "loggedModels": lm_out},
              fh, indent=1, ensure_ascii=False)
    fh.write("\n")
