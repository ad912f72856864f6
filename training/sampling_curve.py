"""Quality against the sampler's settings: the protocol over a grid of guidance scales x DDIM steps.

    python -m training.sampling_curve --data DIR --evaluator assets/evaluator --generator CKPT_DIR \
        --guidance 1 2 3 3.5 4 5 --steps 10 --max-clips 192 --out curve.json

Each cell (guidance, steps) runs the evaluation protocol (``t2i_core.protocol``) on the same clips
and captions, so cells differ only in the sampler. The JSON keeps every finished cell and a rerun
into the same file skips them, so a guidance sweep and a steps sweep can share one file (and a
killed sweep goes on where it stopped); the Markdown table beside it (``.md``) is rewritten after
each cell. The app's defaults (``t2i_core.pipeline.DEFAULT_GUIDANCE`` / ``DEFAULT_STEPS``) are
set from this curve: see the InterActor card.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from t2i_core.checkpoint import CheckpointError
from t2i_core.data.layout import DataFolderError
from t2i_core.io import atomic_write_text
from t2i_core.models.scorer import TextMotionScorer
from t2i_core.protocol import GENERATION_NOISE, ProtocolSettings, run_protocol
from training.common import resolve_device
from training.evaluate import contrast_pairs, load_items, load_source
from training.options import add_batch_option, add_device_options, add_evaluation_options

COLUMNS = (("R@1", lambda s: s["r_precision"][0]), ("R@3", lambda s: s["r_precision"][2]),
           ("FID", lambda s: s["fid"]), ("MM Dist", lambda s: s["mm_dist"]),
           ("jitter m/s²", lambda s: s.get("jitter")), ("order twins", lambda s: s.get("twin_order")),
           ("initiator twins", lambda s: s.get("twin_initiator")),
           ("inter-person pen. m", lambda s: s.get("inter_person_penetration")))


def cell_key(guidance: float, steps: int) -> str:
    return f"g{guidance:g}_s{steps}"


def read_cells(path: Path, identity: dict) -> dict:
    """The finished cells of an earlier sweep into ``path``; a sweep of another set-up is refused."""
    if not path.is_file():
        return {}
    previous = json.loads(path.read_text())
    if previous.get("identity") != identity:
        raise ValueError(f"{path.name} holds a sweep of another set-up ({previous.get('identity')}); "
                         "choose another --out or delete it")
    return previous["cells"]


def markdown(cells: dict) -> str:
    def number(value) -> str:
        return "-" if value is None else f"{value:.3f}"

    header = "| guidance | DDIM steps | " + " | ".join(name for name, _ in COLUMNS) + " | seconds |"
    lines = [header, "|" + "---|" * (len(COLUMNS) + 3)]
    for cell in sorted(cells.values(), key=lambda c: (c["steps"], c["guidance"])):
        values = " | ".join(number(get(cell["summary"])) for _, get in COLUMNS)
        lines.append(f"| {cell['guidance']:g} | {cell['steps']} | {values} | {cell['seconds']:.0f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--generator", type=Path, required=True, help="InterActor checkpoint folder")
    parser.add_argument("--guidance", type=float, nargs="+", default=[1.0, 2.0, 3.0, 3.5, 4.0, 5.0])
    parser.add_argument("--steps", type=int, nargs="+", default=[10])
    parser.add_argument("--out", type=Path, required=True, help="JSON of the cells (a .md table is written beside)")
    add_evaluation_options(parser, evaluator_default=None, replications=1, mm=False)
    add_batch_option(parser)
    add_device_options(parser)
    args = parser.parse_args(argv)
    if any(g < 0 for g in args.guidance) or any(s < 1 for s in args.steps):
        parser.error("guidance scales must be 0 or more and DDIM steps 1 or more")
    settings = ProtocolSettings(replications=args.replications, mm_captions=0, seed=args.seed)
    identity = {"data": args.data.name, "split": args.split, "generator": args.generator.name,
                "evaluator": args.evaluator.name, "max_clips": args.max_clips,
                "replications": args.replications, "seed": args.seed, "generation_noise": GENERATION_NOISE}
    device = str(resolve_device(args.device))
    try:
        cells = read_cells(args.out, identity)
        scorer = TextMotionScorer.from_pretrained(args.evaluator, device=device)
        source = load_source(str(args.generator), device, args.steps[0], args.guidance[0],
                             batch_size=args.eval_batch_size)
        items, subsets = load_items(args.data, args.split, args.cache_dir, args.max_clips)
        pairs = contrast_pairs(args.data, items)
        for steps in args.steps:
            for guidance in args.guidance:
                key = cell_key(guidance, steps)
                if key in cells:
                    continue
                source.steps, source.guidance_scale = steps, guidance
                started = time.perf_counter()
                summary = run_protocol(items, scorer, source, settings, subsets, not args.quiet, twins=pairs)
                cells[key] = {"guidance": guidance, "steps": steps, "summary": summary,
                              "seconds": time.perf_counter() - started}
                atomic_write_text(args.out, json.dumps({"identity": identity, "cells": cells}, indent=2))
                atomic_write_text(args.out.with_suffix(".md"), markdown(cells))
                print(f"guidance {guidance:g}, {steps} steps: R@3 {summary['r_precision'][2]:.3f}, "
                      f"FID {summary['fid']:.2f}, jitter {summary.get('jitter', float('nan')):.1f}", flush=True)
    except (CheckpointError, DataFolderError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(markdown(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
