"""Scenes of several prompts: seams, per-segment text match, and time (issue 25).

    python benchmarks/bench_scene.py --data DIR [--scenes 8] [--max-seconds 4] [--steps 50]
    python benchmarks/bench_scene.py --data DIR --checkpoint OUT/inpaint --prefix-checkpoint OUT/prefix

Scenes are made of 3 test-split captions each (consecutive clips of ``--data``'s test split), every
segment as long as its clip (capped at ``--max-seconds``, at least 1 s). The ways to join them, all on the
same scenes and seeds:

- naive: each segment generated alone (its own canonical frame, at the origin) and concatenated;
- inpaint: ``t2i_core.editing.generate_scene`` without the seam blend (inpainting along time only);
- inpaint+blend: ``generate_scene`` as the app and the CLI run it;
- with ``--prefix-checkpoint`` (a checkpoint trained with ``--prefix-prob``, e.g. by
  ``training.prefix_comparison``, whose other arm is ``--checkpoint``): prefix and prefix+blend, its
  scenes continued from the prefix fed clean (``KnownFrames`` "trained"), and, on its weights, naive and
  inpaint too, so the method and the training can be told apart.

Printed per way: mean joint acceleration (m/s^2) in the 5 frames around each seam (the seam frame and two
either side) against inside the segments (the rest), their ratio (aim: within 1.5x), the largest root
(pelvis) jump at a seam, as the step across the seam and as its deviation from the step before (the
root's acceleration there, in cm; aim: no jump over 2 cm), and the per-segment R-precision under the
evaluator (``--evaluator``, default ``assets/evaluator``; each segment re-canonicalised and ranked among
all segments of the run) against the same captions generated alone. The measured sampling runs with
physical guidance off, so the seams are the sampler's own. Last, the time of a 30-s, 3-segment scene
with the app's defaults (DDIM-50, guidance 3.5, physical guidance on), for each checkpoint as the app
would run it, median of ``--runs``: wall and CPU time (this process's, all its threads: steadier than
wall time on a shared machine), the model calls it made (a 10-s segment is two: its frames and
context exceed the model's clip) and the load average; then, for scale, one 10-s pair generated alone
with the same settings (a 3-segment scene costs at least three).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from t2i_core.data.layout import InterHumanLayout  # noqa: E402
from t2i_core.editing import generate_scene  # noqa: E402
from t2i_core.metrics import R_PRECISION_GROUP, acceleration_magnitudes, r_precision  # noqa: E402
from t2i_core.models.scorer import TextMotionScorer  # noqa: E402
from t2i_core.motion.features import features_to_joints, recanonicalize  # noqa: E402
from t2i_core.pipeline import DEFAULT_GUIDANCE, DEFAULT_PHYSICS, DEFAULT_STEPS, FPS, Text2InteractPipeline  # noqa: E402
from t2i_core.protocol import embed_motions  # noqa: E402
from t2i_core.scene import parse_scene  # noqa: E402

SEAM_HALF = 2  # the seam frame and two either side: 5 frames
SEGMENTS = 3


def test_segments(data: Path, scenes: int, max_seconds: float) -> list[list[tuple[str, float]]]:
    layout = InterHumanLayout(data)
    ids = layout.split_ids("test")[: scenes * SEGMENTS]
    if len(ids) < scenes * SEGMENTS:
        raise SystemExit(f"the test split has {len(ids)} clips; {scenes * SEGMENTS} are needed")
    out = []
    for clip_id in ids:
        frames = np.load(layout.motion_file(clip_id, 1), mmap_mode="r").shape[0] - 1
        seconds = round(min(max(frames / FPS, 1.0), max_seconds) * 2) / 2  # whole half-seconds
        out.append((layout.captions(clip_id)[0], seconds))
    return [out[i:i + SEGMENTS] for i in range(0, len(out), SEGMENTS)]


def seam_figures(scenes: list[tuple[np.ndarray, list[tuple[int, int]]]]) -> dict[str, float]:
    """Acceleration around seams vs inside segments, and root jumps at seams, over all scenes."""
    near, inside, step, deviation = [], [], [], []
    for features, ranges in scenes:
        joints = features_to_joints(features)                       # (2, T, 22, 3)
        acceleration = acceleration_magnitudes(joints).mean(-1)     # (2, T-2): frame i+1's
        frames = joints.shape[1]
        seams = [start for start, _ in ranges[1:]]
        around = np.zeros(frames, dtype=bool)
        for seam in seams:
            around[max(0, seam - SEAM_HALF):seam + SEAM_HALF + 1] = True
        valid = np.zeros(frames, dtype=bool)
        valid[1:-1] = True
        near.append(acceleration[:, around[1:-1]].ravel())
        inside.append(acceleration[:, (~around & valid)[1:-1]].ravel())
        root = joints[:, :, 0]
        for seam in seams:
            step.append(np.linalg.norm(root[:, seam] - root[:, seam - 1], axis=-1).max())
            deviation.append(np.linalg.norm(root[:, seam] - 2 * root[:, seam - 1] + root[:, seam - 2], axis=-1).max())
    near_mean, inside_mean = float(np.concatenate(near).mean()), float(np.concatenate(inside).mean())
    return {"seam": near_mean, "inside": inside_mean, "ratio": near_mean / inside_mean,
            "root_step_cm": 100 * float(max(step)), "root_jump_cm": 100 * float(max(deviation))}


def segment_crops(features: np.ndarray, ranges: list[tuple[int, int]]) -> list[np.ndarray]:
    return [recanonicalize(features[:, a:b]) for a, b in ranges]


def load(checkpoint: Path, device: str, known_frames: str | None = None) -> Text2InteractPipeline:
    """The checkpoint's pipeline; ``known_frames`` checked against what its config says it was trained for."""
    pipe = Text2InteractPipeline.from_pretrained(checkpoint, device=device)
    if known_frames == "trained" and pipe.known_frames != "trained":
        raise SystemExit(f"--prefix-checkpoint {checkpoint} was not trained with prefixes (training.prefix_prob "
                         "is 0 in its config.json): train it with --prefix-prob, e.g. by training.prefix_comparison")
    return pipe


def scene_of(story: list[tuple[str, float]], seed: int, steps: int):
    return parse_scene({"segments": [{"prompt": p, "seconds": sec} for p, sec in story], "seed": seed,
                        "steps": steps, "physics": False})


def joins(pipe: Text2InteractPipeline, scene, ways: list[tuple[str, str | None, bool]]) -> dict[str, tuple]:
    """{way: (features, frame ranges)} of ``scene`` made each way: (name, known-frames method or None for
    naive, blend)."""
    out, chosen = {}, pipe.known_frames
    try:
        for name, method, blend in ways:
            if method is None:  # the seeds generate_scene gives each segment
                alone = [pipe(seg.prompt, seconds=seg.seconds, seed=scene.seed + k, steps=scene.steps).features[0]
                         for k, seg in enumerate(scene.segments)]
                out[name] = (np.concatenate(alone, axis=1), scene.frame_ranges())
                continue
            pipe.known_frames = method
            motion = generate_scene(pipe, scene, blend=blend)
            out[name] = (motion.features, motion.frame_ranges())
    finally:
        pipe.known_frames = chosen
    return out


BASE_WAYS = [("naive (alone)", None, False), ("inpaint", "inpaint", False), ("inpaint+blend", "inpaint", True)]
PREFIX_WAYS = [("P: naive", None, False), ("P: inpaint", "inpaint", False), ("P: prefix", "trained", False),
               ("P: prefix+blend", "trained", True)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True, help="a built data set with a test split")
    parser.add_argument("--checkpoint", type=Path, default=REPO / "assets" / "interactor",
                        help="the checkpoint of the naive and inpainting rows")
    parser.add_argument("--prefix-checkpoint", type=Path, default=None,
                        help="a checkpoint trained with --prefix-prob: adds the rows marked P:")
    parser.add_argument("--evaluator", type=Path, default=REPO / "assets" / "evaluator")
    parser.add_argument("--scenes", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=4.0, help="cap on a segment's length (CPU time)")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of the 30-s scene (0: skip)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    print(f"device: {args.device}, torch threads: {torch.get_num_threads()}")
    pipes = {"": load(args.checkpoint, args.device)}
    if args.prefix_checkpoint is not None:
        pipes["P"] = load(args.prefix_checkpoint, args.device, "trained")
    scorer = TextMotionScorer.from_pretrained(args.evaluator, device=args.device)
    stories = test_segments(args.data, args.scenes, args.max_seconds)

    started = time.perf_counter()
    made: dict[str, list] = {}
    for s, story in enumerate(stories):
        scene = scene_of(story, s, args.steps)
        for key, pipe in pipes.items():
            for name, figures in joins(pipe, scene, PREFIX_WAYS if key else BASE_WAYS).items():
                made.setdefault(name, []).append(figures)
        print(f"scene {s + 1}/{len(stories)} done ({time.perf_counter() - started:.0f} s)", flush=True)

    captions = [p for story in stories for p, _ in story]
    texts = scorer.embed_texts(captions)
    group = min(R_PRECISION_GROUP, len(captions))
    print(f"\n{len(stories)} scenes x {SEGMENTS} segments of test captions ({args.data.name}), DDIM-{args.steps}, "
          f"guidance {DEFAULT_GUIDANCE}, physical guidance off; R-precision among {group} segments")
    print(f"checkpoint: {args.checkpoint}" + (f"; P: {args.prefix_checkpoint}" if args.prefix_checkpoint else ""))
    print(f"{'join':<16} {'seam acc':>9} {'inside acc':>10} {'ratio':>6} {'root step cm':>12} "
          f"{'root jump cm':>12} {'R@1':>5} {'R@3':>5}")
    for name, scenes in made.items():
        figures = seam_figures(scenes)
        crops = [crop for features, ranges in scenes for crop in segment_crops(features, ranges)]
        r = r_precision(texts, embed_motions(scorer, crops), top_k=3, group=group)
        print(f"{name:<16} {figures['seam']:9.2f} {figures['inside']:10.2f} {figures['ratio']:6.2f} "
              f"{figures['root_step_cm']:12.1f} {figures['root_jump_cm']:12.1f} {r[0]:5.2f} {r[2]:5.2f}")
    print("(a naive row's segments are the captions generated alone: its R-precision is that checkpoint's "
          "'alone' reference)")

    if args.runs:
        scene = parse_scene({"segments": [{"prompt": p, "seconds": 10} for p, _ in stories[0]], "seed": 0})
        for key, pipe in pipes.items():
            print(f"\n{key or 'checkpoint'} ({pipe.known_frames}):", end="")
            time_scene(pipe, scene, args.runs)


def time_scene(pipe: Text2InteractPipeline, scene, runs: int) -> None:
    """Print the median wall and CPU time of ``generate_scene`` with the app's defaults, its model calls, the
    load, and one pair of the longest segment's length alone."""
    pipe("warm up", seconds=2, steps=5)
    calls = []
    inpaint = pipe.inpaint
    pipe.inpaint = lambda *a, **k: calls.append(1) or inpaint(*a, **k)  # counts the model calls
    walls, cpus, loads = [], [], []
    for _ in range(runs):
        calls.clear()
        loads.append(os.getloadavg()[0])
        wall, cpu = time.perf_counter(), time.process_time()
        generate_scene(pipe, scene, physics=DEFAULT_PHYSICS)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    pipe.inpaint = inpaint
    seconds = max(s.seconds for s in scene.segments)
    wall, cpu = time.perf_counter(), time.process_time()
    pipe(scene.segments[0].prompt, seconds=seconds, physics=DEFAULT_PHYSICS)
    alone_wall, alone_cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"\n{scene.seconds:g}-s scene of {len(scene.segments)} segments, app defaults (DDIM-{DEFAULT_STEPS}, "
          f"guidance {DEFAULT_GUIDANCE}, physical guidance {'on' if DEFAULT_PHYSICS else 'off'}), "
          f"{torch.get_num_threads()} thread(s): {statistics.median(walls):.1f} s wall, "
          f"{statistics.median(cpus):.1f} s CPU (median of {runs}; wall {', '.join(f'{t:.1f}' for t in walls)}), "
          f"{len(calls)} model calls, load {', '.join(f'{v:.1f}' for v in loads)}")
    print(f"one {seconds:g}-s pair alone, same settings: {alone_wall:.1f} s wall, {alone_cpu:.1f} s CPU "
          f"(load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
