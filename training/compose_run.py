"""The ``run`` and ``filter`` subcommands of ``python -m training.compose`` (InterCompose stages 6-9).

    python -m training.compose run --real DIR --out OUT --candidates N --seed S --filter-evaluator EVAL
    python -m training.compose filter --out OUT --delta 0.6 --r-min 0.2 --r-max 0.9

``run`` composes N candidates (resumable: run the same command again after an interruption; under
``torchrun --nproc_per_node=K`` each rank composes its slice and rank 0 writes the output) and
prints the real matched-pair cosines under the filter evaluator, the radii and the counts per
status and theme. ``filter`` re-applies thresholds to a finished output without generating
anything. Until the prompt-space sampler and the splitter are wired in, descriptions are the real
folder's captions, split by its per-person captions (t2i_core/compose/fallbacks.py).
These functions also run standalone: ``python -m training.compose_run run ...``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from t2i_core.checkpoint import CheckpointError
from t2i_core.compose.fallbacks import IndividualCaptionSplitter, RealCaptionDescriptions
from t2i_core.compose.filters import DEFAULT_DELTA
from t2i_core.compose.joint import InpaintingReaction, JointPerson1, JointSampler
from t2i_core.compose.output import ComposeOutputError, apply_thresholds, read_compose_output
from t2i_core.compose.run import (
    PERSON1_CHOICES,
    ComposeConfig,
    ComposePieces,
    ComposeRunError,
    RealSet,
    load_real_set,
    report,
    run_compose,
)
from t2i_core.compose.scoring import FilterEvaluatorError, check_filter_evaluator, load_filter_scorer

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = REPO / "assets" / "interactor"
DEFAULTS = ComposeConfig()


def add_run_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("run", help="compose candidates, score, filter and write an output folder",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--real", type=Path, required=True, help="real InterHuman-layout folder (E_real, captions)")
    parser.add_argument("--out", type=Path, required=True, help="output folder (new, or a run to continue)")
    parser.add_argument("--candidates", type=int, required=True, help="how many candidates to compose")
    parser.add_argument("--seed", type=int, default=DEFAULTS.seed)
    parser.add_argument("--filter-evaluator", type=Path, required=True,
                        help="the FILTER evaluator's checkpoint (trained on the other half of the training clips "
                             "with another seed: training.train_evaluator --train-half 1 --seed 1)")
    parser.add_argument("--allow-protocol-evaluator", action="store_true",
                        help="accept assets/evaluator as the filter (then stage 2 is selected with the test metric)")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL,
                        help="InterActor checkpoint for person 1 and the inpainted reaction")
    parser.add_argument("--delta", type=float, default=DEFAULTS.delta, help="cosine threshold in [-1, 1]")
    parser.add_argument("--k", type=int, default=DEFAULTS.k, help="real neighbours of the annulus distance")
    parser.add_argument("--r-min", type=float, default=None, help="inner radius (default: a real-to-real percentile)")
    parser.add_argument("--r-max", type=float, default=None, help="outer radius (default: a real-to-real percentile)")
    parser.add_argument("--r-min-percentile", type=float, default=DEFAULTS.r_min_percentile)
    parser.add_argument("--r-max-percentile", type=float, default=DEFAULTS.r_max_percentile)
    parser.add_argument("--min-seconds", type=float, default=DEFAULTS.min_seconds)
    parser.add_argument("--max-seconds", type=float, default=DEFAULTS.max_seconds)
    parser.add_argument("--guidance", type=float, default=DEFAULTS.guidance_scale)
    parser.add_argument("--steps", type=int, default=DEFAULTS.steps, help="DDIM steps of each diffusion stage")
    parser.add_argument("--batch-size", type=int, default=DEFAULTS.batch_size,
                        help="candidates per chunk; keep it when continuing a run for bit-identical results")
    parser.add_argument("--person1", choices=PERSON1_CHOICES, default=DEFAULTS.person1)
    parser.add_argument("--real-split", default=DEFAULTS.real_split)
    parser.add_argument("--device", default="auto", help="cpu, cuda or auto")
    parser.add_argument("--cache-dir", type=Path, default=None, help="feature cache of the real clips")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run_command)
    return parser


def add_filter_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("filter", help="re-apply thresholds to a compose output (generates nothing)")
    parser.add_argument("--out", type=Path, required=True, help="a finished compose output folder")
    parser.add_argument("--delta", type=float, default=None, help=f"cosine threshold in [-1, 1] (paper: "
                        f"{DEFAULT_DELTA}; default: the folder's current one)")
    parser.add_argument("--r-min", type=float, default=None, help="inner radius (default: the current one)")
    parser.add_argument("--r-max", type=float, default=None, help="outer radius (default: the current one)")
    parser.set_defaults(func=filter_command)
    return parser


def build_pieces(config: ComposeConfig, real: RealSet, model: Path, scorer, device: str) -> ComposePieces:
    """The default pieces: real captions as descriptions, the joint model for both persons."""
    from t2i_core.pipeline import Text2InteractPipeline

    encoder = scorer.texts.encoder  # one MiniLM for both when they read the same tokens
    pipe = Text2InteractPipeline.from_pretrained(model, device=device, text_encoder=encoder) \
        if _reads(model) == encoder.name else Text2InteractPipeline.from_pretrained(model, device=device)
    sampler = JointSampler(pipe, config.guidance_scale, config.steps)
    entries = real.dataset.entries
    pairs = {c: (e.person_captions[0][0], e.person_captions[1][0])
             for e in entries if e.person_captions for c in e.captions}
    return ComposePieces(
        descriptions=RealCaptionDescriptions([c for e in entries for c in e.captions]),
        splitter=IndividualCaptionSplitter(pairs), person1=JointPerson1(sampler), reaction=InpaintingReaction(sampler),
        scorer=scorer,
        names={"descriptions": "real captions", "splitter": "per-person captions", "person1": "generated:joint",
               "reaction": "inpainting (joint model)", "model": str(model)})


def _reads(model: Path) -> str | None:
    from t2i_core.checkpoint import read_config

    return read_config(model, "interactor")["config"].get("text_encoder")


def run_command(args: argparse.Namespace) -> int:
    from training.common import resolve_device

    try:
        config = ComposeConfig(
            candidates=args.candidates, seed=args.seed, delta=args.delta, k=args.k, r_min=args.r_min,
            r_max=args.r_max, r_min_percentile=args.r_min_percentile, r_max_percentile=args.r_max_percentile,
            min_seconds=args.min_seconds, max_seconds=args.max_seconds, guidance_scale=args.guidance,
            steps=args.steps, batch_size=args.batch_size, person1=args.person1, real_split=args.real_split)
        evaluator = check_filter_evaluator(args.filter_evaluator, args.allow_protocol_evaluator)
        if not args.model.is_dir():
            raise ComposeRunError(f"model folder not found: {args.model} (an InterActor checkpoint folder)")
        if args.out.exists() and not args.out.is_dir():
            raise ComposeRunError(f"--out {args.out} exists and is not a folder")
        device = str(resolve_device(args.device))
        real = load_real_set(args.real, config.real_split, args.cache_dir, progress=not args.no_progress)
        scorer = load_filter_scorer(evaluator, device=device, allow_protocol=args.allow_protocol_evaluator)
        pieces = build_pieces(config, real, args.model, scorer, device)
        output = run_compose(config, real, args.out, pieces, filter_evaluator=evaluator,
                             progress=not args.no_progress)
    except (ComposeRunError, FilterEvaluatorError, CheckpointError, ComposeOutputError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if output is not None:
        print(f"wrote {args.out}: {len(output.kept_ids)} kept of {len(output.candidates)}")
    return 0


def filter_command(args: argparse.Namespace) -> int:
    try:
        current = read_compose_output(args.out).thresholds
        output = apply_thresholds(args.out, current.delta if args.delta is None else args.delta,
                                  current.r_min if args.r_min is None else args.r_min,
                                  current.r_max if args.r_max is None else args.r_max)
    except (ComposeOutputError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    t = output.thresholds
    print(f"thresholds: delta {t.delta:g}, r_min {t.r_min:.4f}, r_max {t.r_max:.4f} (k {t.k})")
    print(report(output.candidates))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.compose_run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_run_parser(subparsers)
    add_filter_parser(subparsers)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
