"""The serving benchmark's hand-written peer: FastAPI + uvicorn serving the
breast_cancer_rf RandomForest with scikit-learn, the way many teams do.

The forest is trained at start on fixtures/models/breast_cancer_rf/train.csv
with the parameters in expected.json when it records them, else scikit-learn's
defaults with random_state=0. It answers the same single-row Open Inference
Protocol JSON as the other servers.

    /usr/bin/python3 bench/peers/fastapi_sklearn.py [--port 8091] [--workers 1]
(Debian packages: python3-fastapi python3-uvicorn python3-sklearn)
"""
import argparse
import csv
import json
import os
import sys

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sklearn.ensemble import RandomForestClassifier

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE = os.path.join(ROOT, "fixtures", "models", "breast_cancer_rf")


def train() -> RandomForestClassifier:
    with open(os.path.join(FIXTURE, "train.csv"), newline="") as f:
        rows = list(csv.reader(f))
    header, data = rows[0], np.array(rows[1:], dtype=np.float64)
    label = header.index("target")
    x = np.delete(data, label, axis=1).astype(np.float32)
    y = data[:, label].astype(np.int64)
    with open(os.path.join(FIXTURE, "expected.json")) as f:
        params = json.load(f).get("params") or {}
    params = {"random_state": 0, **params}
    return RandomForestClassifier(**params).fit(x, y)


model = train()
app = FastAPI()


@app.post("/v2/models/{name}/infer")
async def infer(name: str, request: Request):
    try:
        body = await request.json()
        inp = body["inputs"][0]
        x = np.asarray(inp["data"], dtype=np.float32).reshape(inp["shape"])
    except Exception as err:  # a bad request, answered as the protocol says
        return JSONResponse({"error": str(err)}, status_code=400)
    proba = model.predict_proba(x)
    label = model.classes_[proba.argmax(axis=1)]
    return {
        "model_name": name,
        "outputs": [
            {"name": "label", "datatype": "INT64", "shape": [len(label)], "data": label.tolist()},
            {"name": "probabilities", "datatype": "FP32", "shape": list(proba.shape), "data": proba.ravel().tolist()},
        ],
    }


if __name__ == "__main__":
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    target = "fastapi_sklearn:app" if args.workers > 1 else app
    uvicorn.run(target, host=args.host, port=args.port, workers=args.workers, log_level="warning", access_log=False)
