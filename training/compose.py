"""InterCompose from the command line, one subcommand per stage.

    python -m training.compose space --data DIR [--out space.json]
    python -m training.compose describe --data DIR --n 20 --seed 0 [--space space.json] [--descriptions broad]
        [--measure-splitter]
    python -m training.compose run --real DIR --out OUT --candidates N --seed S [--filter-evaluator EVAL]
    python -m training.compose filter --out OUT --delta D --r-min A --r-max B
    python -m training.compose reaction-eval --data DIR --checkpoint CKPT --evaluator EVAL --methods trained inpaint
    python -m training.compose person2-eval --descriptions DIR --real DIR --single-person PRIOR --evaluator EVAL
        --methods reaction coupled:0.5

``space`` mines the theme x tag prompt space from the captions of an InterHuman-layout folder,
prints it (counts, examples, the frequent words the lexicon misses), writes it as JSON with
``--out``, and on the procedural set (a ``manifest.json``) prints the agreement of the mined labels
with the manifest's phases. ``describe`` samples descriptions inside the space (seeded) and prints
each with its theme, tags, novel flag and its split into the two persons' prompts;
``--descriptions broad`` draws the single-person parts from the solo corpus's action vocabulary and
counts the descriptions that use an action no caption of the folder names.
``--measure-splitter`` also scores the splitter against the per-person captions of a procedural base
or OOD build (``build_dataset --vocabulary ood``).
``run``, ``filter`` and ``reaction-eval`` are defined in ``training/compose_run.py``, ``person2-eval`` (person-2
methods (a) reaction and (b) coupled compared without ground truth) in ``training/compose_person2.py`` (see there).
Bad input (a missing folder, a folder without captions, n < 1, a language-model path that is not
one) is reported in one line with exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from t2i_core.compose.descriptions import (
    count_new_actions,
    count_novel,
    new_actions,
    sample_broad_descriptions,
    sample_descriptions,
)
from t2i_core.compose.language_model import LanguageModelError, load_language_model
from t2i_core.compose.space import (
    NoCaptionsError,
    PromptSpace,
    format_agreement,
    format_space,
    manifest_agreement,
    mine_space,
)
from t2i_core.compose.splitter import (
    LanguageModelSplitter,
    format_splitter_report,
    measure_splitter,
    split_batch,
    split_description,
)
from t2i_core.data.layout import DataFolderError
from training.compose_person2 import add_person2_eval_parser
from training.compose_run import (
    DESCRIPTION_CHOICES,
    add_filter_parser,
    add_reaction_eval_parser,
    add_run_parser,
)

INPUT_ERRORS = (DataFolderError, NoCaptionsError, LanguageModelError, FileNotFoundError, FileExistsError, ValueError)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _space_for(args: argparse.Namespace) -> PromptSpace:
    if getattr(args, "space", None) is not None:
        return PromptSpace.load(args.space)
    return mine_space(args.data)


def command_space(args: argparse.Namespace) -> int:
    space = mine_space(args.data)
    print(format_space(space))
    if args.out is not None:
        space.save(args.out)
        print(f"wrote {args.out}")
    report = manifest_agreement(args.data)
    if report is not None:
        print(format_agreement(report))
    return 0


def command_describe(args: argparse.Namespace) -> int:
    language_model = load_language_model(args.language_model) if args.language_model else None
    space = _space_for(args)
    if args.descriptions == "broad":
        if language_model is not None:
            raise ValueError("--descriptions broad writes its own sentences; drop --language-model")
        descriptions = sample_broad_descriptions(space, args.n, args.seed)
    else:
        descriptions = sample_descriptions(space, args.n, args.seed, language_model=language_model)
    splitter = LanguageModelSplitter(language_model, args.seed) if language_model else split_description
    batch = split_batch([d.text for d in descriptions], splitter)
    for i, (description, split) in enumerate(zip(descriptions, batch.splits)):
        novel = "novel" if description.novel else "seen"
        extra = ""
        if description.relation is not None:
            unseen = new_actions(description, space)
            extra = f" | {description.relation} | new action: {','.join(unseen) if unseen else '-'}"
        print(f"[{i}] {description.theme} | {','.join(description.tags) or '-'} | {novel}{extra} | {description.text}")
        if split.ok:
            print(f"     initiator: {split.prompt1}\n     responder: {split.prompt2}")
        else:
            print(f"     not split: {split.reason}")
    failures = ", ".join(f"{k} {v}" for k, v in sorted(batch.failures.items())) or "none"
    print(f"{count_novel(descriptions)} of {len(descriptions)} descriptions have a theme x tag combination no "
          f"caption has; {batch.split_count} split (failures: {failures})")
    if args.descriptions == "broad":
        print(f"{count_new_actions(descriptions, space)} of {len(descriptions)} descriptions use a solo action that no "
              f"caption of {space.source} names")
    if args.measure_splitter:
        print(format_splitter_report(measure_splitter(args.data, max_clips=args.measure_clips, seed=args.seed,
                                                      splitter=splitter)))
    return 0


def command_export_demo(args: argparse.Namespace) -> int:
    from t2i_core.compose.playback import export_demo

    destination = export_demo(args.out, args.dest, args.fps)
    size = sum(f.stat().st_size for f in destination.rglob("*") if f.is_file())
    print(f"wrote {destination} ({size / 1e6:.1f} MB): the set without its motion files, with compact playback")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training.compose", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    space = commands.add_parser("space", help="mine and print the theme x tag prompt space of a data folder")
    space.add_argument("--data", type=Path, required=True, help="InterHuman-layout folder with annots/")
    space.add_argument("--out", type=Path, default=None, help="write the space here as JSON")
    space.set_defaults(func=command_space)

    describe = commands.add_parser("describe", help="sample descriptions in the space and split them")
    describe.add_argument("--data", type=Path, required=True, help="InterHuman-layout folder with annots/")
    describe.add_argument("--space", type=Path, default=None, help="a space JSON from `space --out` (else mined)")
    describe.add_argument("--n", type=positive_int, default=20, help="descriptions to sample (>= 1)")
    describe.add_argument("--seed", type=int, default=0)
    describe.add_argument("--descriptions", choices=DESCRIPTION_CHOICES, default="space",
                          help="space: two-person actions of the mined space; broad: single-person parts from the "
                               "solo corpus's action vocabulary in the space's relations")
    describe.add_argument("--language-model", type=Path, default=None,
                          help="local Hugging Face causal language model folder (never downloaded)")
    describe.add_argument("--measure-splitter", action="store_true",
                          help="score the splitter against the procedural set's per-person captions")
    describe.add_argument("--measure-clips", type=positive_int, default=300, help="clips the measurement samples")
    describe.set_defaults(func=command_describe)

    add_run_parser(commands)
    add_filter_parser(commands)
    add_reaction_eval_parser(commands)
    add_person2_eval_parser(commands)

    demo = commands.add_parser("export-demo", help="a shippable copy of a compose output: compact playback, no "
                                                   "motion files (what assets/demo/compose is)")
    demo.add_argument("--out", type=Path, required=True, help="the compose output folder")
    demo.add_argument("--dest", type=Path, required=True, help="a new folder to write")
    demo.add_argument("--fps", type=positive_int, default=15, help="playback frame rate, a divisor of 30")
    demo.set_defaults(func=command_export_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except INPUT_ERRORS as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
