"""The ``person2-eval`` subcommand of ``python -m training.compose``: person-2 methods compared, ground-truth-free.

    python -m training.compose person2-eval --descriptions DIR --split test --real DIR --model CKPT \
        --single-person PRIOR --evaluator EVAL [--person-evaluator SINGLE_EVAL] \
        --methods reaction coupled:0.3 coupled:0.5 coupled:0.8 [--person1 generated] [--max-descriptions N] \
        [--steps 10] [--json OUT]

Descriptions are the first caption of each clip of ``--split`` of ``--descriptions`` (an InterHuman-layout
folder, e.g. the OOD benchmark's build; its motions are never read), a seeded sample of
``--max-descriptions`` of them; ``--real`` is the two-person set whose placements (distance and facing per
theme) method (b) draws from, and the default library of ``--person1 retrieved``. Person 1 is made once per
description and shared by every method; each method makes person 2 (``t2i_core.compose.person2_eval``).
``--evaluator`` measures (the oracle on OOD descriptions: it only measures here, it chooses nothing); the
table prints each figure's mean with its 95% bootstrap interval and each method's paired cosine difference
against the first method, and, for a folder with ``split/relation_<kind>.txt`` lists, the cosine per kind.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

from t2i_core.assets import SHIPPED_MODEL
from t2i_core.compose.run import PERSON1_CHOICES, REACTION_CHOICES, ComposeConfig, ComposeRunError, load_real_set
from t2i_core.data.layout import DataFolderError, InterHumanLayout
from training.options import add_device_options

DEFAULT_METHODS = ("reaction", "coupled:0.5")
RELATION_PREFIX = "relation_"


def add_person2_eval_parser(subparsers) -> argparse.ArgumentParser:
    defaults = ComposeConfig()
    parser = subparsers.add_parser("person2-eval", help="compare person-2 methods (reaction, coupled) on candidate "
                                   "quality under an evaluator, without ground truth", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--descriptions", type=Path, required=True,
                        help="InterHuman-layout folder whose captions are the descriptions (e.g. the OOD build)")
    parser.add_argument("--split", default="test", help="its split or clip list (test, all, relation_<kind>...)")
    parser.add_argument("--max-descriptions", type=int, default=None,
                        help="a seeded sample of this many descriptions (default: all)")
    parser.add_argument("--real", type=Path, required=True,
                        help="the two-person set: placements for method (b), default library for --person1 retrieved")
    parser.add_argument("--model", type=Path, default=SHIPPED_MODEL, help="two-person InterActor checkpoint")
    parser.add_argument("--single-person", type=Path, required=True,
                        help="the single-person prior (person 2 of method (b); person 1 with --person1 generated)")
    parser.add_argument("--evaluator", type=Path, required=True, help="the evaluator that measures (e.g. the oracle)")
    parser.add_argument("--person-evaluator", type=Path, default=None,
                        help="a single-person evaluator: also score person 2 alone against person 2's own prompt")
    parser.add_argument("--methods", nargs="+", default=list(DEFAULT_METHODS),
                        help="reaction and/or coupled:S (SDEdit strength S in (0, 1]); the first is the reference of "
                             "the paired differences")
    parser.add_argument("--person1", choices=PERSON1_CHOICES, default="generated",
                        help="person 1, shared by every method (default: the prior on prompt 1)")
    parser.add_argument("--library", type=Path, default=None, help="with --person1 retrieved: the library folder")
    parser.add_argument("--reaction", choices=REACTION_CHOICES, default=None,
                        help="how the pair model sees person 1 (default: trained when the checkpoint was trained "
                             "with reaction samples, else inpaint)")
    parser.add_argument("--steps", type=int, default=defaults.steps)
    parser.add_argument("--guidance", type=float, default=defaults.guidance_scale)
    parser.add_argument("--min-seconds", type=float, default=defaults.min_seconds)
    parser.add_argument("--max-seconds", type=float, default=defaults.max_seconds)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="also write the summary here as JSON")
    add_device_options(parser)
    parser.set_defaults(func=person2_eval_command)
    return parser


def read_descriptions(folder: Path, split: str, limit: int | None, seed: int) -> tuple[list[str], list[str]]:
    """(first caption per clip, relation kind per clip or "") of a split: a seeded sample of ``limit``, in split
    order."""
    layout = InterHumanLayout.open(folder)
    ids = [i for i in layout.split_ids(split) if layout.caption_file(i).is_file() and layout.captions(i)]
    if limit is not None and limit < len(ids):
        chosen = np.sort(np.random.default_rng(seed).permutation(len(ids))[:limit])
        ids = [ids[i] for i in chosen]
    kinds = {}
    for name in layout.clip_lists():
        if name.startswith(RELATION_PREFIX):
            kinds.update(dict.fromkeys(layout.split_ids(name), name[len(RELATION_PREFIX):]))
    return [layout.captions(i)[0] for i in ids], [kinds.get(i, "") for i in ids]


def _json_ready(value):
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def person2_eval_command(args: argparse.Namespace) -> int:
    from t2i_core.compose.person2_eval import (
        COUPLED,
        compare_person2,
        markdown_table,
        parse_method,
        prepare,
        summarise,
    )
    from t2i_core.compose.space import label_caption
    from t2i_core.compose.splitter import RunSplitter
    from t2i_core.io import atomic_write_text
    from t2i_core.models.scorer import TextMotionScorer
    from training.common import resolve_device
    from training.compose_run import RUN_ERRORS, build_pieces, resolve_reaction

    try:
        methods = [parse_method(m) for m in dict.fromkeys(args.methods)]
        for name, value, low in (("--max-descriptions", args.max_descriptions, 1), ("--steps", args.steps, 1),
                                 ("--batch-size", args.batch_size, 1)):
            if value is not None and value < low:
                raise ComposeRunError(f"{name} must be at least {low}, got {value}")
        for name, folder in (("--descriptions", args.descriptions), ("--real", args.real), ("--model", args.model),
                             ("--single-person", args.single_person), ("--evaluator", args.evaluator),
                             ("--person-evaluator", args.person_evaluator), ("--library", args.library)):
            if folder is not None and not folder.is_dir():
                raise ComposeRunError(f"{name} folder not found: {folder}")
        if args.library is not None and args.person1 != "retrieved":
            raise ComposeRunError("--library is where --person1 retrieved finds person 1; drop it or use "
                                  "--person1 retrieved")
        strength = next((m.strength for m in methods if m.kind == COUPLED), ComposeConfig.coupling_strength)
        config = ComposeConfig(seed=args.seed, steps=args.steps, guidance_scale=args.guidance,
                               min_seconds=args.min_seconds, max_seconds=args.max_seconds, person1=args.person1,
                               reaction=resolve_reaction(args.model, args.reaction), person2="coupled",
                               coupling_strength=strength, batch_size=args.batch_size)
        texts, kinds = read_descriptions(args.descriptions, args.split, args.max_descriptions, args.seed)
        prepared = prepare(texts, RunSplitter(), label_caption, kinds)
        if not prepared.texts:
            raise ComposeRunError(f"none of the {len(texts)} descriptions of {args.split!r} could be split into two "
                                  f"prompts")
        device = str(resolve_device(args.device))
        scorer = TextMotionScorer.from_pretrained(args.evaluator, device=device)
        person_scorer = None
        if args.person_evaluator is not None:
            person_scorer = TextMotionScorer.from_pretrained(args.person_evaluator, device=device,
                                                             text_encoder=scorer.texts.encoder)
            if person_scorer.model.config.persons != 1:
                raise ComposeRunError(f"--person-evaluator {args.person_evaluator.name} is a two-person evaluator; "
                                      f"give a single-person one (train_evaluator --config single)")
        real = load_real_set(args.real, cache_dir=args.cache_dir, progress=not args.quiet)
        pieces = build_pieces(config, real, args.model, scorer, device, args.single_person, args.cache_dir,
                              progress=not args.quiet, library=args.library)
        results = compare_person2(prepared, config, pieces.person1, methods, pieces.reaction, pieces.coupler, scorer,
                                  person_scorer, args.batch_size, progress=not args.quiet)
    except (*RUN_ERRORS, ValueError, DataFolderError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    summary = summarise(results, args.seed, prepared.groups)
    print(f"{len(prepared.texts)} descriptions of {args.descriptions.name}/{args.split} ({prepared.unsplittable} "
          f"unsplittable left out), person 1 {pieces.names['person1']}, {args.steps} steps, guidance "
          f"{args.guidance:g}, evaluator {args.evaluator.name}\n")
    print(markdown_table(summary))
    if args.json is not None:
        payload = {"descriptions": str(args.descriptions), "split": args.split, "count": len(prepared.texts),
                   "unsplittable": prepared.unsplittable, "evaluator": str(args.evaluator),
                   "person_evaluator": str(args.person_evaluator or ""), "config": asdict(config),
                   "methods": summary}
        atomic_write_text(args.json, json.dumps(_json_ready(payload), indent=1, allow_nan=False) + "\n")
        print(f"\nwrote {args.json}")
    return 0
