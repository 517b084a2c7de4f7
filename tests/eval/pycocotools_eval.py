"""Reference numbers from pycocotools for the cocoeval tests and bench.

Reads one JSON request on stdin:
  {"cases": [{"gt": path, "dt": path, "maxDets"?, "useCats"?, "imgIds"?, "catIds"?, "matches"?}],
   "means": [[float, ...], ...]}
and prints one JSON line:
  {"stats": [[12 floats], ...], "seconds": [{"load", "evaluate", "accumulate", "summarize"}, ...],
   "arrays": [{"precision", "recall", "scores": sha256 of the C-order float64 bytes}, ...],
   "matches": [{result id: [[GT id per IoU threshold], [ignore per threshold]]} or null, ...],
   "means": [np.mean(x), ...]}
json.dumps writes floats with repr, so every double survives exactly.
"""
import contextlib
import hashlib
import io
import json
import sys
import time

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def run_case(case):
    timings = {}
    with contextlib.redirect_stdout(io.StringIO()):
        start = time.perf_counter()
        gt = COCO(case["gt"])
        dt = gt.loadRes(case["dt"])
        timings["load"] = time.perf_counter() - start
        ev = COCOeval(gt, dt, "bbox")
        if "maxDets" in case:
            ev.params.maxDets = case["maxDets"]
        if "useCats" in case:
            ev.params.useCats = case["useCats"]
        if "imgIds" in case:
            ev.params.imgIds = case["imgIds"]
        if "catIds" in case:
            ev.params.catIds = case["catIds"]
        start = time.perf_counter()
        ev.evaluate()
        timings["evaluate"] = time.perf_counter() - start
        start = time.perf_counter()
        ev.accumulate()
        timings["accumulate"] = time.perf_counter() - start
        start = time.perf_counter()
        ev.summarize()
        timings["summarize"] = time.perf_counter() - start
    arrays = {
        name: hashlib.sha256(np.ascontiguousarray(ev.eval[name], dtype=np.float64).tobytes()).hexdigest()
        for name in ("precision", "recall", "scores")
    }
    matches = None
    if case.get("matches"):
        # Per detection at area "all": the matched GT id and the ignore flag per IoU threshold.
        matches = {}
        for e in ev.evalImgs:
            if e is None or list(e["aRng"]) != list(ev.params.areaRng[0]):
                continue
            for j, dt_id in enumerate(e["dtIds"]):
                matches[str(dt_id)] = [[float(v) for v in e["dtMatches"][:, j]], [int(v) for v in e["dtIgnore"][:, j]]]
    return [float(s) for s in ev.stats], timings, arrays, matches


def main():
    request = json.load(sys.stdin)
    stats, seconds, arrays, matches = [], [], [], []
    for case in request.get("cases", []):
        s, t, a, m = run_case(case)
        stats.append(s)
        seconds.append(t)
        arrays.append(a)
        matches.append(m)
    means = [float(np.mean(np.array(x, dtype=np.float64))) for x in request.get("means", [])]
    print(json.dumps({"stats": stats, "seconds": seconds, "arrays": arrays, "matches": matches, "means": means}))


if __name__ == "__main__":
    main()
