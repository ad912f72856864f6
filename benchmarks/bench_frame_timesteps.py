"""What per-frame timesteps (prefix training and its sampling) cost InterActor against one timestep a row.

    python benchmarks/bench_frame_timesteps.py [--config small] [--repeats 7] [--device cpu]

Times, interleaved, the model's forward pass as sampling calls it (2 rows: guidance's conditional and
unconditional copies, 300 frames, no gradient) and a training forward + backward (batch 16, 150 frames),
each with timesteps (B,) and with (B, P, T) whose first 21 frames are 0 (a scene's context given clean).
Prints the median of ``--repeats`` of each, in ms of this process's CPU time (``time.process_time``: on a
shared CPU, wall time mostly measures the neighbours; run with 1 torch thread), or of wall time on a GPU.
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

from t2i_core.models.interactor import InterActor  # noqa: E402
from training.train_config import CONFIGS  # noqa: E402

CONTEXT = 21  # t2i_core.editing.CONTEXT_FRAMES (not imported: it pulls in the renderers)


def timings(model: InterActor, batch: int, frames: int, repeats: int, train: bool, device: str) -> dict[str, float]:
    g = torch.Generator().manual_seed(0)
    config = model.config
    x = torch.randn(batch, config.persons, frames, config.feature_dim, generator=g).to(device)
    t = torch.randint(1, 1000, (batch,), generator=g).to(device)
    words = torch.randn(batch, 12, config.text_dim, generator=g).to(device)
    word_mask = torch.ones(batch, 12, dtype=torch.bool, device=device)
    pooled, frame_mask = words[:, 0], torch.ones(batch, frames, dtype=torch.bool, device=device)
    per_frame = t[:, None, None].expand(batch, config.persons, frames).clone()
    per_frame[:, :, :CONTEXT] = 0
    model.train(train)
    clock = time.perf_counter if device.startswith("cuda") else time.process_time
    spent: dict[str, list[float]] = {"one a row": [], "per frame": []}
    for _ in range(repeats):
        for name, timesteps in (("one a row", t), ("per frame", per_frame)):
            start = clock()
            with torch.set_grad_enabled(train):
                out = model(x, timesteps, words, word_mask, pooled, frame_mask)
                if train:
                    out.square().mean().backward()
                    model.zero_grad(set_to_none=True)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            spent[name].append(clock() - start)
    return {name: 1000 * statistics.median(values) for name, values in spent.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", choices=sorted(CONFIGS), default="small")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    model = InterActor(CONFIGS[args.config]()).to(args.device)
    print(f"config {args.config}, device {args.device}, torch threads {torch.get_num_threads()}, "
          f"median of {args.repeats} ({'wall' if args.device.startswith('cuda') else 'CPU'} time)")
    for label, batch, frames, train in (("sampling forward (2 x 300 frames)", 2, 300, False),
                                        ("training forward + backward (16 x 150 frames)", 16, 150, True)):
        figures = timings(model, batch, frames, args.repeats, train, args.device)
        print(f"{label}: one timestep a row {figures['one a row']:.1f} ms, per frame {figures['per frame']:.1f} ms "
              f"({figures['per frame'] / figures['one a row']:.2f}x)")


if __name__ == "__main__":
    main()
