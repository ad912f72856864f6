"""Build the procedural two-person interaction data set in InterHuman layout.

    python -m training.build_dataset --out DIR --clips N --seed S [--workers K] [--vocabulary base|ood]

Clip i depends only on (seed, i), so the files are byte-identical whatever the number of
workers. See ``t2i_core.data.procedural`` for what is generated and ``writer`` for the layout.
``--vocabulary base`` (the default) is the two-person set of 23 interaction phases;
``--vocabulary ood`` the out-of-distribution benchmark (``procedural.ood``): the persons do solo
actions in relation to each other, with a clip list per relation kind (split/relation_<kind>.txt).
An OOD set is written beside DIR and renamed when complete.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from functools import partial
from pathlib import Path

from t2i_core.data.procedural.generator import generate_clip
from t2i_core.data.procedural.ood import OOD_VERSION, RELATIONS, generate_ood_clip
from t2i_core.data.procedural.writer import assign_splits, write_clip, write_index, write_ood_index
from t2i_core.io import FolderExistsError, staged_folder
from training.parallel import run_jobs

VOCABULARIES = ("base", "ood")
DEFAULT_CLIPS = {"base": 6000, "ood": 600}   # the OOD set is a benchmark: 600 clips, as issue 23 measures


class BuildRequestError(ValueError):
    """A build request that cannot be carried out, with what is accepted."""


def _build_one(index: int, out: Path, seed: int) -> dict:
    return write_clip(out, generate_clip(seed, index))


def _build_one_ood(index: int, out: Path, seed: int) -> dict:
    clip = generate_ood_clip(seed, index)
    # Each clip is its own group: OOD clips have no contrast twins, and clips sharing a group with no
    # contrast would read as one scene (never each other's negatives) to the evaluator's training.
    return {**write_clip(out, clip), "group": index, "relation": clip.plan.relation}


def build(out: Path, clips: int, seed: int, workers: int = 1, progress: bool = True,
          vocabulary: str = "base") -> dict[str, list[str]]:
    """Generate ``clips`` clips of ``vocabulary`` into ``out``; returns the ids per split."""
    if vocabulary not in VOCABULARIES:
        raise BuildRequestError(f"unknown vocabulary {vocabulary!r}; accepted: {', '.join(VOCABULARIES)}")
    if vocabulary == "ood":
        return build_ood(out, clips, seed, workers, progress)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    records = run_jobs(partial(_build_one, out=out, seed=seed), clips, workers, progress)
    return write_index(out, records, seed)


def build_ood(out: Path, clips: int, seed: int, workers: int = 1, progress: bool = True) -> dict[str, list[str]]:
    """The OOD set: refused before writing when a split would be empty; staged, then renamed."""
    if seed < 0:
        raise BuildRequestError(f"--seed must be 0 or more, got {seed}")
    draft = assign_splits([{"id": str(i), "index": i, "group": i, "phases": []} for i in range(max(clips, 0))], seed)
    empty = [name for name in ("train", "val", "test") if name not in draft.values()]
    if clips < 1 or empty:
        raise BuildRequestError(
            f"--clips {clips} leaves the {', '.join(empty) or 'every'} split empty (about 85/5/10% of the clips "
            "go to train/val/test); accepted: enough clips that every split gets one, e.g. 100 or more")
    try:
        with staged_folder(out) as stage:
            records = run_jobs(partial(_build_one_ood, out=stage, seed=seed), clips, workers, progress)
            return write_ood_index(stage, records, seed, RELATIONS, OOD_VERSION)
    except FolderExistsError as error:
        raise BuildRequestError(str(error)) from error


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output folder (created)")
    parser.add_argument("--clips", type=int, default=None,
                        help="number of clips (default: {base} for base, {ood} for ood)".format(**DEFAULT_CLIPS))
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="worker processes (default: 2 or the CPU count if smaller)")
    parser.add_argument("--vocabulary", choices=VOCABULARIES, default="base",
                        help="base: the 23 interaction phases (default); ood: solo actions in relation")
    args = parser.parse_args(argv)
    if args.clips is None:
        args.clips = DEFAULT_CLIPS[args.vocabulary]
    start = time.perf_counter()
    try:
        ids = build(args.out, args.clips, args.seed, args.workers, vocabulary=args.vocabulary)
    except BuildRequestError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    elapsed = time.perf_counter() - start
    counts = ", ".join(f"{k} {len(v)}" for k, v in ids.items())
    print(f"wrote {args.clips} clips to {args.out} in {elapsed:.1f} s ({counts})")


if __name__ == "__main__":
    main()
