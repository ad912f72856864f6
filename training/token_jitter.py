"""Where an InterActor's jitter sits: at the joins of its frame tokens, or inside them.

    python -m training.token_jitter --data data/procedural --generator assets/interactor --clips 3

Generates ``--clips`` pairs of ``--seconds`` from the first captions of ``--split`` (physical
guidance off, so the figure is the model's own motion) and prints the mean joint acceleration on
frames next to a token boundary and inside a token (``t2i_core.metrics.token_boundary_jitter``), for
the generated pairs and for the same clips of the data. A head that joins tokens badly shows a
boundary figure far above the inside one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from t2i_core.assets import SHIPPED_MODEL
from t2i_core.checkpoint import CheckpointError
from t2i_core.data.interhuman import InterHumanDataset
from t2i_core.data.layout import DataFolderError
from t2i_core.metrics import token_boundary_jitter
from t2i_core.motion.features import features_to_joints
from t2i_core.pipeline import DEFAULT_GUIDANCE, DEFAULT_STEPS, Text2InteractPipeline
from training.common import resolve_device


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="an InterHuman-layout folder (captions, real clips)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--generator", type=Path, default=SHIPPED_MODEL)
    parser.add_argument("--clips", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    parser.add_argument("--guidance", type=float, default=DEFAULT_GUIDANCE)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    try:
        if args.clips < 1:
            raise ValueError(f"--clips must be >= 1, got {args.clips}")
        pipe = Text2InteractPipeline.from_pretrained(args.generator, device=str(resolve_device(args.device)))
        per_token = pipe.model.config.frames_per_token
        if per_token < 3:
            raise ValueError(f"{args.generator} has {per_token} frame(s) per token: no frame lies inside a token")
        data = InterHumanDataset(args.data, args.split, mode="eval", progress=False)
        entries = data.entries[: args.clips]
        if not entries:
            raise DataFolderError(f"{args.data} has no usable clip in its {args.split!r} split")
        generated, real = [], []
        for index, entry in enumerate(entries):
            result = pipe(entry.captions[0], seconds=args.seconds, seed=args.seed + index, steps=args.steps,
                          guidance_scale=args.guidance, physics=False)
            frames = result.joints.shape[-3]  # what the pipeline made of --seconds
            generated.append(token_boundary_jitter(result.joints[0], per_token))
            real.append(token_boundary_jitter(features_to_joints(data.full_features(index)), per_token))
    except (ValueError, CheckpointError, DataFolderError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{len(entries)} caption(s) of {args.split}, {frames} generated frames each, {per_token} frames per token, "
          f"DDIM-{args.steps}, guidance {args.guidance:g}, physical guidance off")
    print("| motion | next to a token boundary m/s² | inside a token m/s² | ratio |")
    print("|---|---|---|---|")
    for name, rows in (("data", real), ("generated", generated)):
        boundary, inside = np.mean(rows, axis=0)
        print(f"| {name} | {boundary:.2f} | {inside:.2f} | {boundary / max(inside, 1e-9):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
