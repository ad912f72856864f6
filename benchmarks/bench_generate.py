"""Time to generate one 10-second (300-frame) pair with the app's sampler defaults.

    python benchmarks/bench_generate.py [--checkpoint assets/interactor] [--device cpu|cuda]

Prints the shipped model's full generation time (median of a few runs after a warm-up) with the
pipeline's default DDIM steps and guidance, without and with physical guidance, and the paper
config's (12 blocks, CLIP-width tokens; random weights) time per denoising step with guidance.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from t2i_core.assets import SHIPPED_MODEL  # noqa: E402
from t2i_core.models.interactor import InterActor, InterActorConfig  # noqa: E402
from t2i_core.pipeline import DEFAULT_GUIDANCE, DEFAULT_STEPS, Text2InteractPipeline  # noqa: E402

PROMPT = "one person reaches out the right hand and shakes hands with the other person, then both bow"


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkpoint", type=Path, default=SHIPPED_MODEL)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"device: {args.device}, torch threads: {torch.get_num_threads()}")

    pipe = Text2InteractPipeline.from_pretrained(args.checkpoint, device=args.device)
    params = sum(p.numel() for p in pipe.model.parameters()) / 1e6
    pipe("warm up", seconds=2, steps=5)
    for physics in (False, True):
        times = []
        for run in range(args.runs):
            sync(args.device)
            start = time.perf_counter()
            pipe(PROMPT, seconds=10, seed=run, steps=DEFAULT_STEPS, guidance_scale=DEFAULT_GUIDANCE, physics=physics)
            sync(args.device)
            times.append(time.perf_counter() - start)
        print(f"shipped model ({params:.1f} M parameters): 300-frame pair, DDIM-{DEFAULT_STEPS} + guidance "
              f"{DEFAULT_GUIDANCE}, physical guidance {'on' if physics else 'off'}: "
              f"{statistics.median(times):.2f} s (median of {args.runs})")

    config = InterActorConfig.paper()
    model = InterActor(config).eval().to(args.device)
    params = sum(p.numel() for p in model.parameters()) / 1e6
    x = torch.randn(2, 2, 300, 262, device=args.device)  # conditional + unconditional rows
    t = torch.full((2,), 500, device=args.device)
    words = torch.randn(2, 77, config.text_dim, device=args.device)
    word_mask = torch.ones(2, 77, dtype=torch.bool, device=args.device)
    pooled = torch.randn(2, config.text_dim, device=args.device)
    frames = torch.ones(2, 300, dtype=torch.bool, device=args.device)
    with torch.no_grad():
        model(x, t, words, word_mask, pooled, frames)
        sync(args.device)
        start = time.perf_counter()
        for _ in range(args.runs):
            model(x, t, words, word_mask, pooled, frames)
        sync(args.device)
    per_step = (time.perf_counter() - start) / args.runs
    print(f"paper config ({params:.1f} M parameters): one guided denoising step for 300 frames: {per_step:.3f} s "
          f"(x{DEFAULT_STEPS} steps = {DEFAULT_STEPS * per_step:.1f} s)")


if __name__ == "__main__":
    main()
