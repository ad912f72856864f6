"""Generate a two-person interaction from a prompt and save it.

    python -m t2i_core.generate "PROMPT" --seconds S --seed N --out OUT.npz [--checkpoint DIR]

OUT.npz holds ``joints`` (2, T, 22, 3) in metres (Y-up, 30 fps), ``features`` (2, T, 262),
``text``, ``fps`` and the settings as JSON. The same seed gives the same output. Without
``--checkpoint`` the shipped model in ``assets/interactor`` is used.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from t2i_core.assets import SHIPPED_MODEL
from t2i_core.checkpoint import CheckpointError
from t2i_core.io import save_npz
from t2i_core.pipeline import DEFAULT_GUIDANCE, DEFAULT_PHYSICS, DEFAULT_STEPS, Text2InteractPipeline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prompt")
    parser.add_argument("--seconds", type=float, default=5.0, help="1 to 10 (default 5)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="output .npz")
    parser.add_argument("--checkpoint", type=Path, default=SHIPPED_MODEL)
    parser.add_argument("--guidance", type=float, default=DEFAULT_GUIDANCE, help="classifier-free guidance scale")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS, help="DDIM steps (1 to 1000)")
    parser.add_argument("--physics", action=argparse.BooleanOptionalAction, default=DEFAULT_PHYSICS,
                        help="physical guidance at sampling: push the persons out of each other and the floor, "
                             f"keep planted feet still (default: {'on' if DEFAULT_PHYSICS else 'off'})")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    try:
        Text2InteractPipeline.check_inputs(args.prompt, args.seconds, 1, args.guidance, args.steps)
        pipe = Text2InteractPipeline.from_pretrained(args.checkpoint, device=args.device)
        result = pipe(args.prompt, seconds=args.seconds, seed=args.seed, guidance_scale=args.guidance,
                      steps=args.steps, physics=args.physics)
    except (ValueError, CheckpointError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    save_npz(args.out, joints=result.joints[0].astype(np.float32), features=result.features[0].astype(np.float32),
             text=np.array(args.prompt), fps=np.array(result.fps),
             settings=np.array(json.dumps({**result.settings, "checkpoint": str(args.checkpoint)})))
    print(f"wrote {args.out} ({result.joints.shape[2]} frames)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
