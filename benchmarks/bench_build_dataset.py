"""Speed of the procedural builds: clips per second, seconds per 100 clips, projected full size.

    python -m benchmarks.bench_build_dataset [--corpus base|ood|solo] [--clips 200] [--workers 2] [--seed 0]

Builds into a temporary folder (deleted afterwards) exactly as ``training.build_dataset``
(``base``: the two-person set; ``ood``: ``--vocabulary ood``) or ``training.build_solo``
(``solo``: the single-person corpus) does.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from training import build_dataset, build_solo

FULL_SIZE = {"base": 6000, "ood": 600, "solo": build_solo.DEFAULT_CLIPS}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=sorted(FULL_SIZE), default="base")
    parser.add_argument("--clips", type=int, default=200)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "built"
        start = time.perf_counter()
        if args.corpus == "solo":
            build_solo.build(out, clips=args.clips, seed=args.seed, workers=args.workers, progress=False)
        else:
            build_dataset.build(out, clips=args.clips, seed=args.seed, workers=args.workers, progress=False,
                                vocabulary=args.corpus)
        elapsed = time.perf_counter() - start
    rate = args.clips / elapsed
    full = FULL_SIZE[args.corpus]
    print(f"corpus: {args.corpus}  clips: {args.clips}  workers: {args.workers}  time: {elapsed:.1f} s")
    print(f"clips/s: {rate:.2f}  s per 100 clips: {100 / rate:.1f}")
    print(f"projected time for {full:,} clips: {full / rate / 60:.1f} min" + (" (target: under 10 min)"
                                                                              if args.corpus == "base" else ""))


if __name__ == "__main__":
    main()
