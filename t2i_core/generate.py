"""Generate a two-person interaction from a prompt, or a scene of several prompts, and save it.

    python -m t2i_core.generate "PROMPT" --seconds S --seed N --out OUT.npz [--checkpoint DIR]
    python -m t2i_core.generate --scene SCENE.json --out OUT.npz [--checkpoint DIR]

OUT.npz holds ``joints`` (2, T, 22, 3) in metres (Y-up, 30 fps), ``features`` (2, T, 262),
``text``, ``fps`` and the settings as JSON. The same seed gives the same output. Without
``--checkpoint`` the shipped model in ``assets/interactor`` is used.

A scene (``t2i_core.scene``: ``{"segments": [{"prompt": "...", "seconds": 4}, ...], "seed": 0}``, up to
60 s) is generated segment after segment, each continuing the last (``t2i_core.editing``); its .npz
adds ``segment_frames`` (S, 2) and ``segments`` (JSON: prompt, seconds, start, stop frames), and one
BVH per person is written beside it (``OUT_person1.bvh``, ``OUT_person2.bvh``). The scene's own
``guidance``, ``steps`` and ``physics`` take the place of the flags.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from t2i_core.assets import SHIPPED_MODEL
from t2i_core.checkpoint import CheckpointError
from t2i_core.editing import generate_scene
from t2i_core.io import save_npz
from t2i_core.pipeline import DEFAULT_GUIDANCE, DEFAULT_PHYSICS, DEFAULT_STEPS, Text2InteractPipeline
from t2i_core.scene import load_scene, save_scene


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prompt", nargs="?", help="the interaction (or give --scene)")
    parser.add_argument("--scene", type=Path, help="a scene JSON file instead of a prompt")
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
    if (args.prompt is None) == (args.scene is None):
        parser.error("give either a prompt or --scene SCENE.json (not both)")
    if args.scene is not None:
        return _scene(args)
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


def _scene(args) -> int:
    try:
        scene = load_scene(args.scene)
        pipe = Text2InteractPipeline.from_pretrained(args.checkpoint, device=args.device)
        bars = {}

        def on_step(segment: int, step: int, total: int) -> None:
            bar = bars.setdefault(segment, tqdm(total=total, desc=f"segment {segment + 1}/{len(scene.segments)}",
                                                leave=True, file=sys.stderr))
            bar.update(step - bar.n)

        motion = generate_scene(pipe, scene, physics=args.physics, callback=on_step)
        for bar in bars.values():
            bar.close()
    except (ValueError, CheckpointError) as error:  # SceneError is a ValueError
        print(f"error: {error}", file=sys.stderr)
        return 2
    motion = replace(motion, settings={**motion.settings, "checkpoint": str(args.checkpoint)})
    written = save_scene(args.out, motion)
    print(f"wrote {', '.join(str(p) for p in written)} ({motion.frames} frames, {len(scene.segments)} segments)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
