"""Build the procedural single-person corpus in HumanML3D's layout.

    python -m training.build_solo --out DIR [--clips N] [--seed S] [--workers K]
    python -m training.build_solo --list-actions
    python -m training.build_solo --report DIR [--compare TWO_PERSON_DIR] [--limit N]

Clip i depends only on (seed, i), so the files are byte-identical whatever the number of workers.
The corpus is written to a hidden folder beside DIR and renamed to DIR when complete, so a failed
or interrupted build leaves nothing half-written. See ``t2i_core.data.procedural.solo_corpus``
for what is generated and ``solo_writer`` for the layout; ``--report`` prints the corpus's
figures (``training.solo_report``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from functools import partial
from pathlib import Path

from t2i_core.data.procedural.solo import SOLO_ACTIONS
from t2i_core.data.procedural.solo_corpus import generate_solo_clip
from t2i_core.data.procedural.solo_writer import SPLIT_SHARES, split_ids, write_solo_clip, write_solo_index
from t2i_core.io import FolderExistsError, staged_folder
from training.parallel import run_jobs

DEFAULT_CLIPS = 9000   # 1.5 x the two-person set's default 6000, as HumanML3D is to InterHuman


class SoloBuildError(ValueError):
    """A build request that cannot be carried out, with what is accepted."""


def _build_one(index: int, out: Path, seed: int) -> dict:
    return write_solo_clip(out, generate_solo_clip(seed, index))


def check_request(clips: int, seed: int) -> None:
    """Refuse, before writing anything, a size whose splits would be empty."""
    if clips < 1:
        raise SoloBuildError(f"--clips must be a positive number of clips, got {clips}")
    if seed < 0:
        raise SoloBuildError(f"--seed must be 0 or more, got {seed}")
    counts = {name: len(ids) for name, ids in split_ids(seed, clips).items()}
    empty = [name for name, n in counts.items() if n == 0]
    if empty:
        shares = "/".join(f"{round(100 * v)}" for v in SPLIT_SHARES.values())
        raise SoloBuildError(
            f"--clips {clips} leaves the {' and '.join(empty)} split{'s' if len(empty) > 1 else ''} empty "
            f"(splits take {shares}% of train/val/test); accepted: enough clips that every split gets one, "
            "e.g. 60 or more")


def build(out: Path, clips: int, seed: int, workers: int = 1, progress: bool = True) -> dict[str, list[str]]:
    """Generate ``clips`` clips into ``out`` (written beside it, then renamed); returns ids per split."""
    check_request(clips, seed)
    try:
        with staged_folder(out) as stage:
            job = partial(_build_one, out=stage, seed=seed)
            records = run_jobs(job, clips, workers, progress)
            return write_solo_index(stage, records, seed)
    except FolderExistsError as error:
        raise SoloBuildError(str(error)) from error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="output folder (must not exist or be empty)")
    parser.add_argument("--clips", type=int, default=DEFAULT_CLIPS, help=f"number of clips (default {DEFAULT_CLIPS})")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="worker processes (default: 2 or the CPU count if smaller)")
    parser.add_argument("--list-actions", action="store_true", help="print the solo action kinds, one a line")
    parser.add_argument("--report", type=Path, metavar="DIR", help="print the figures of a built corpus")
    parser.add_argument("--compare", type=Path, metavar="DIR",
                        help="with --report: a two-person (InterHuman-layout) folder to measure beside it")
    parser.add_argument("--limit", type=int, default=600, help="with --report: clips measured per folder (default 600)")
    args = parser.parse_args(argv)
    if args.list_actions:
        print("\n".join(sorted(SOLO_ACTIONS)))
        return 0
    if args.report is not None:
        from training.solo_report import ReportError, report
        try:
            print(report(args.report, args.compare, args.limit))
        except ReportError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        return 0
    if args.out is None:
        parser.error("--out is required to build (or give --list-actions or --report DIR)")
    start = time.perf_counter()
    try:
        ids = build(args.out, args.clips, args.seed, args.workers)
    except SoloBuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - start
    counts = ", ".join(f"{k} {len(v)}" for k, v in ids.items())
    print(f"wrote {args.clips} clips to {args.out} in {elapsed:.1f} s "
          f"({100 * elapsed / args.clips:.1f} s per 100 clips, {args.workers} workers; {counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
