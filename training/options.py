"""Command-line option groups shared by the training scripts, each defined once (flags, defaults, help)."""

from __future__ import annotations

import argparse
from pathlib import Path

from t2i_core.assets import SHIPPED_EVALUATOR
from t2i_core.pipeline import DEFAULT_GUIDANCE, DEFAULT_STEPS
from t2i_core.protocol import EVALUATION_BATCH, ProtocolSettings


def add_device_options(parser: argparse.ArgumentParser) -> None:
    """Where to run and cache, and whether to show progress: how, never what (not recorded)."""
    group = parser.add_argument_group("device and cache")
    group.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (a GPU when there is one)")
    group.add_argument("--cache-dir", type=Path, default=None,
                       help="feature and text caches (default $T2I_CACHE_DIR or ~/.cache/text2interact)")
    group.add_argument("--quiet", "--no-progress", dest="quiet", action="store_true", help="no progress bars")


def add_evaluation_options(parser: argparse.ArgumentParser, evaluator_default: Path | None = SHIPPED_EVALUATOR,
                           replications: int = ProtocolSettings.replications, mm: bool = True) -> None:
    """The protocol: which evaluator, which split and clips, how many replications, the seed."""
    group = parser.add_argument_group("evaluation")
    group.add_argument("--evaluator", type=Path, default=evaluator_default, required=evaluator_default is None,
                       help="the protocol's evaluator checkpoint folder"
                            + (f" (default: {evaluator_default})" if evaluator_default else ""))
    group.add_argument("--split", default="test", help="the evaluated split (default test)")
    group.add_argument("--max-clips", type=int, default=None, help="evaluate only the first N clips")
    group.add_argument("--replications", type=int, default=replications,
                       help=f"protocol replications (default {replications})")
    if mm:
        group.add_argument("--mm-captions", type=int, default=ProtocolSettings.mm_captions,
                           help="captions of the MultiModality estimate (0: none)")
        group.add_argument("--mm-generations", type=int, default=ProtocolSettings.mm_generations,
                           help="generations per MultiModality caption")
    group.add_argument("--seed", type=int, default=0, help="of the protocol (and of training, where it trains)")


def add_sampling_options(parser: argparse.ArgumentParser, steps_flag: str = "--steps",
                         steps_default: int = DEFAULT_STEPS) -> None:
    """How the generators sample for evaluation: DDIM steps and guidance."""
    group = parser.add_argument_group("sampling")
    group.add_argument(steps_flag, dest="sampling_steps", type=int, default=steps_default,
                       help=f"DDIM steps of the generation (default {steps_default})")
    group.add_argument("--guidance", type=float, default=DEFAULT_GUIDANCE,
                       help=f"classifier-free guidance scale (default {DEFAULT_GUIDANCE:g})")


def add_batch_option(parser) -> None:
    """``--batch-size`` of the evaluation's generation (scripts that also train use that flag for training)."""
    parser.add_argument("--batch-size", dest="eval_batch_size", type=int, default=EVALUATION_BATCH,
                        help=f"items generated together (default {EVALUATION_BATCH}); each item's noise comes from "
                             "(seed, item), so the numbers do not depend on it")
