"""Processing speed of raw InterHuman clips into cached pair features.

    python benchmarks/bench_process.py [--clips 300]

Writes realistic-size raw clips (90-450 frames, 492 float32 columns, two persons) in the
InterHuman layout to a temporary folder, then times the reader's first (cold: read, process,
cache) and second (warm: cache hits) indexing passes. Prints clips/s and the projected time for
the full 7,779-clip data set.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from t2i_core.data.interhuman import InterHumanDataset
from tests.fixtures import random_raw_pair, write_clip

INTERHUMAN_CLIPS = 7779


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, default=300)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        ids = [f"{i:05d}" for i in range(args.clips)]
        frames = rng.integers(90, 451, size=args.clips)
        for i, clip_id in enumerate(ids):
            write_clip(root, clip_id, *random_raw_pair(i, int(frames[i])))
        (root / "split").mkdir()
        (root / "split" / "train.txt").write_text("\n".join(ids))
        print(f"{args.clips} clips, mean {frames.mean():.0f} frames")
        for label in ("cold (process + cache)", "warm (cache hits)"):
            start = time.perf_counter()
            InterHumanDataset(root, "train", cache_dir=Path(tmp) / "cache", progress=False)
            seconds = time.perf_counter() - start
            rate = args.clips / seconds
            print(f"{label:24s} {rate:8.1f} clips/s  -> {INTERHUMAN_CLIPS / rate:6.1f} s for {INTERHUMAN_CLIPS} clips")


if __name__ == "__main__":
    main()
