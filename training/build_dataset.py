"""Build the procedural two-person interaction data set in InterHuman layout.

    python -m training.build_dataset --out DIR --clips N --seed S [--workers K]

Clip i depends only on (seed, i), so the files are byte-identical whatever the number of
workers. See ``t2i_core.data.procedural`` for what is generated and ``writer`` for the layout.
"""

from __future__ import annotations

import argparse
import os
import time
from functools import partial
from multiprocessing import get_context
from pathlib import Path

from tqdm import tqdm

from t2i_core.data.procedural.generator import generate_clip
from t2i_core.data.procedural.writer import write_clip, write_index


def _build_one(index: int, out: Path, seed: int) -> dict:
    return write_clip(out, generate_clip(seed, index))


def build(out: Path, clips: int, seed: int, workers: int = 1, progress: bool = True) -> dict[str, list[str]]:
    """Generate ``clips`` clips into ``out``; returns the ids per split."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    job = partial(_build_one, out=out, seed=seed)
    bar = tqdm(total=clips, unit="clip", disable=not progress, smoothing=0.05)
    records = []
    if workers <= 1:
        for i in range(clips):
            records.append(job(i))
            bar.update()
    else:
        with get_context("spawn" if os.name == "nt" else "fork").Pool(workers) as pool:
            for record in pool.imap_unordered(job, range(clips), chunksize=4):
                records.append(record)
                bar.update()
    bar.close()
    return write_index(out, records, seed)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output folder (created)")
    parser.add_argument("--clips", type=int, default=6000, help="number of clips (default 6000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="worker processes (default: 2 or the CPU count if smaller)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    ids = build(args.out, args.clips, args.seed, args.workers)
    elapsed = time.perf_counter() - start
    counts = ", ".join(f"{k} {len(v)}" for k, v in ids.items())
    print(f"wrote {args.clips} clips to {args.out} in {elapsed:.1f} s ({counts})")


if __name__ == "__main__":
    main()
