"""Time of the Data set page's slider handler (statuses as masks + counts + payload) at 10k and 100k points.

    OMP_NUM_THREADS=1 python benchmarks/bench_dataset_page.py [--points 10000 100000] [--repeats 50]

Arrays are made on the fly (no compose run, no model); prints the median and the 90th percentile.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pages.dataset import ComposeSet, slider_moved
from t2i_core.compose.filters import Thresholds


def synthetic_set(points: int, themes: int = 40, seed: int = 0) -> ComposeSet:
    rng = np.random.default_rng(seed)
    cosine = rng.uniform(-0.2, 1.0, points)
    distance = rng.gamma(4.0, 0.2, points)
    has_motion = rng.random(points) > 0.03
    cosine[~has_motion] = np.nan
    distance[~has_motion] = np.nan
    ids = [f"c{i:07d}" for i in range(points)]
    candidates = pd.DataFrame({"id": ids, "description": "", "theme": "", "status": "kept"})
    return ComposeSet(name="bench", set_id="bench", candidates=candidates, real=pd.DataFrame({"id": [], "caption": []}),
                      cosine=cosine, distance=distance, has_motion=has_motion,
                      theme_codes=rng.integers(0, themes, points), themes=[f"theme{t}" for t in range(themes)],
                      synthetic_xy=rng.normal(size=(points, 2)).astype(np.float32),
                      real_xy=np.zeros((0, 2), np.float32), defaults=Thresholds(0.58, 0.2, 1.5, 5), k=5,
                      real_folder=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    for points in args.points:
        data = synthetic_set(points)
        rng = np.random.default_rng(1)
        times, size = [], 0
        for _ in range(args.repeats):
            delta, r_min = rng.uniform(0.3, 0.8), rng.uniform(0.0, 0.4)
            started = time.perf_counter()
            payload, _, _ = slider_moved(data, delta, r_min, r_min + 1.0, "status")
            times.append(time.perf_counter() - started)
            size = len(payload)
        times.sort()
        print(f"{points:>7,} points: slider handler median {statistics.median(times) * 1e3:.2f} ms, "
              f"p90 {times[int(0.9 * len(times))] * 1e3:.2f} ms, payload {size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
