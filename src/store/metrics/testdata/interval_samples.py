import json, tempfile, os, math
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
from mlflow.entities import Metric
d = tempfile.mkdtemp()
store = SqlAlchemyStore(f"sqlite:///{d}/db.sqlite", f"{d}/art")
exp = store.create_experiment("x")
out = []
cases = [(10,5),(1,1),(3,1),(5,5),(7,5),(11,5),(20,5),(100,7),(13,4),(2500,2500),(6,2),(9,3),(17,16),(1000,10)]
for n,k in cases:
    run = store.create_run(exp, "u", 0, [], "r")
    rid = run.info.run_id
    ms=[Metric("m", float(i), 1, i) for i in range(n)]
    for j in range(0, n, 1000): store.log_batch(rid, ms[j:j+1000], [], [])
    got = store.get_metric_history_bulk_interval([rid], "m", k, None, None)
    out.append({"n": n, "k": k, "steps": [m.step for m in got]})
# duplicate steps: 3 values per step (timestamps 1,2,3) over 6 steps, k=5
run = store.create_run(exp, "u", 0, [], "r"); rid = run.info.run_id
store.log_batch(rid, [Metric("m", float(i), t, i) for i in range(6) for t in (1,2,3)], [], [])
got = store.get_metric_history_bulk_interval([rid], "m", 5, None, None)
dup = [[m.step, m.timestamp] for m in got]
# range: steps 0..19, start 3 end 15, k 4
run = store.create_run(exp, "u", 0, [], "r"); rid = run.info.run_id
store.log_batch(rid, [Metric("m", float(i), 1, i*2) for i in range(20)], [], [])
got = store.get_metric_history_bulk_interval([rid], "m", 4, 3, 30)
rng = [m.step for m in got]
print(json.dumps({"cases": out, "dup": dup, "range": rng}))
