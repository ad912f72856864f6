"""User studies: prepare every clip in advance, or print the results of the votes.

    python -m training.study prepare --config study.json --out DIR
    python -m training.study results --db votes.sqlite --study DIR [--csv votes.csv]

``prepare`` is resumable: clips already written with the same settings are kept. ``results``
prints the win rates (Wilson 95% intervals, binomial tests), the Bradley-Terry ranking with more
than two systems, Fleiss' kappa and the raters who failed gold trials.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from t2i_core.checkpoint import CheckpointError
from t2i_core.io import atomic_write_text
from t2i_core.study.config import StudyConfigError, load_study_config
from t2i_core.study.prepare import prepare_study
from t2i_core.study.prepared import PreparedStudy, StudyFolderError
from t2i_core.study.report import results_text
from t2i_core.study.stats import MIN_GOLD_ACCURACY, study_results
from t2i_core.study.store import StoreError, VoteStore


def _prepare(args) -> int:
    config = load_study_config(args.config)
    report = prepare_study(config, args.out, device=args.device, progress=not args.quiet)
    print(f"{len(report.written)} clips written, {len(report.kept)} already there; {report.manifest}")
    return 0


def _results(args) -> int:
    study = PreparedStudy.load(args.study)
    if not args.db.is_file():
        print(f"error: no vote database at {args.db}", file=sys.stderr)
        return 2
    votes = VoteStore(args.db).votes(study.name)
    print(results_text(study_results(votes, list(study.systems), args.min_gold_accuracy)))
    if args.csv is not None:
        atomic_write_text(args.csv, votes.to_csv(index=False))
        print(f"wrote {len(votes)} raw votes to {args.csv}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    prepare = commands.add_parser("prepare", help="generate every clip of a study (resumable)")
    prepare.add_argument("--config", type=Path, required=True, help="study config JSON")
    prepare.add_argument("--out", type=Path, required=True, help="prepared study folder")
    prepare.add_argument("--device", default="cpu")
    prepare.add_argument("--quiet", action="store_true", help="no progress bar")
    results = commands.add_parser("results", help="print the statistics of a study's votes")
    results.add_argument("--db", type=Path, required=True, help="the vote database (the app's --study-db)")
    results.add_argument("--study", type=Path, required=True, help="prepared study folder")
    results.add_argument("--csv", type=Path, default=None, help="also write the raw votes as CSV")
    results.add_argument("--min-gold-accuracy", type=float, default=MIN_GOLD_ACCURACY,
                         help=f"raters below this share of right gold answers are excluded (default "
                              f"{MIN_GOLD_ACCURACY:g})")
    args = parser.parse_args(argv)
    try:
        return _prepare(args) if args.command == "prepare" else _results(args)
    except (StudyConfigError, StudyFolderError, StoreError, CheckpointError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
