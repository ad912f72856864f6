"""Speed of the procedural data set build: clips per second and the projected time for 6,000.

    python -m benchmarks.bench_build_dataset [--clips 200] [--workers 2] [--seed 0]

Builds into a temporary folder (deleted afterwards) exactly as ``training.build_dataset`` does.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from training.build_dataset import build


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=200)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        build(Path(tmp), clips=args.clips, seed=args.seed, workers=args.workers, progress=False)
        elapsed = time.perf_counter() - start
    rate = args.clips / elapsed
    print(f"clips: {args.clips}  workers: {args.workers}  time: {elapsed:.1f} s")
    print(f"clips/s: {rate:.2f}")
    print(f"projected time for 6,000 clips: {6000 / rate / 60:.1f} min (target: under 10 min)")


if __name__ == "__main__":
    main()
