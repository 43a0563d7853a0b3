"""Regenerate parse_oracle.json from a real MLflow install (never needed at test time).

    python -m venv /tmp/mlvenv && /tmp/mlvenv/bin/pip install mlflow-skinny==3.11.1
    cd src/search/testdata && PYTHONHASHSEED=0 /tmp/mlvenv/bin/python gen_parse_oracle.py

Each line of filters.txt is parsed by the four MLflow parsers; the result (the parsed
clauses, or the error code and message) is stored per parser.
"""

import json

from mlflow.exceptions import MlflowException
from mlflow.utils.search_utils import (
    SearchExperimentsUtils,
    SearchModelUtils,
    SearchModelVersionUtils,
    SearchUtils,
)

PARSERS = {
    "runs": SearchUtils,
    "experiments": SearchExperimentsUtils,
    "registered_models": SearchModelUtils,
    "model_versions": SearchModelVersionUtils,
}


def run(parser, f):
    try:
        return {"clauses": parser.parse_search_filter(f)}
    except MlflowException as e:
        return {"error": e.error_code, "message": e.message}
    except Exception as e:  # Python errors become HTTP 500 in MLflow
        return {"error": "PYTHON_" + type(e).__name__, "message": str(e)}


with open("filters.txt", encoding="utf-8") as fh:
    filters = [line.rstrip("\n") for line in fh]

out = [{"filter": f, **{name: run(p, f) for name, p in PARSERS.items()}} for f in filters]
with open("parse_oracle.json", "w", encoding="utf-8") as fh:
    json.dump(out, fh, indent=1, ensure_ascii=False)
    fh.write("\n")
