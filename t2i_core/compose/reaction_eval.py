"""The reaction-model comparison: person 2 generated for the ground-truth person 1 of a split.

Each method ("trained": a checkpoint trained with reaction samples; "inpaint": the joint model with
person 1 re-noised every step) is a ``protocol.MotionSource``, so the numbers are the protocol's own
(R-precision in groups, FID and MM Dist under the given evaluator, inter-person penetration and
jitter from ``metrics.physical_metrics``); the ground truth is the reference row.
"""

from __future__ import annotations

import math

import numpy as np

from t2i_core.diffusion.given_person import METHODS
from t2i_core.pipeline import DEFAULT_GUIDANCE, DEFAULT_STEPS, Text2InteractPipeline
from t2i_core.protocol import EvalItem, GroundTruth, ProtocolSettings, run_protocol

GROUND_TRUTH = "ground truth"
# (column title, summary key, index into a list value or None, lower is better)
COLUMNS = (("R@1", "r_precision", 0, False), ("R@3", "r_precision", 2, False), ("FID", "fid", None, True),
           ("MM Dist", "mm_dist", None, True), ("Penetration", "inter_person_penetration", None, True),
           ("Jitter", "jitter", None, True))


class ReactionSource:
    """Pairs whose person 1 is each item's ground truth and whose person 2 the method generates."""

    samples = True

    def __init__(self, pipe: Text2InteractPipeline, method: str, guidance_scale: float = DEFAULT_GUIDANCE,
                 steps: int = DEFAULT_STEPS, batch_size: int = 16):
        if method not in METHODS:
            raise ValueError(f"reaction method {method!r}; accepted: {', '.join(METHODS)}")
        self.pipe, self.method, self.name = pipe, method, f"reaction ({method})"
        self.guidance_scale, self.steps, self.batch_size = guidance_scale, int(steps), int(batch_size)

    def generate(self, texts: list[str], items: list[EvalItem], seed: int) -> list[np.ndarray]:
        seeds = [int(np.random.SeedSequence([int(seed), i]).generate_state(1)[0]) for i in range(len(items))]
        out: list[np.ndarray] = []
        for start in range(0, len(items), self.batch_size):
            stop = start + self.batch_size
            person1 = [np.asarray(item.features[0], dtype=np.float32) for item in items[start:stop]]
            out += self.pipe.react_batch(person1, texts[start:stop], seeds[start:stop], self.guidance_scale,
                                         self.steps, method=self.method)
        return out


def evaluate_reactions(items: list[EvalItem], scorer, pipe: Text2InteractPipeline, methods: list[str],
                       guidance_scale: float = DEFAULT_GUIDANCE, steps: int = DEFAULT_STEPS, replications: int = 1,
                       seed: int = 0, batch_size: int = 16, progress: bool = False) -> dict[str, dict]:
    """Protocol summaries per row: the ground truth, then each method (MultiModality skipped)."""
    settings = ProtocolSettings(replications=int(replications), mm_captions=0, seed=int(seed))
    rows = {GROUND_TRUTH: run_protocol(items, scorer, GroundTruth(), settings, progress=progress)}
    for method in methods:
        source = ReactionSource(pipe, method, guidance_scale, steps, batch_size)
        rows[method] = run_protocol(items, scorer, source, settings, progress=progress)
    return rows


def _value(summary: dict, key: str, index: int | None) -> float | None:
    value = summary.get(key)
    if value is not None and index is not None:
        value = value[index]
    return None if value is None or not math.isfinite(float(value)) else float(value)


def markdown_table(rows: dict[str, dict]) -> str:
    """One Markdown row per method; lower-is-better columns marked with a down arrow."""
    header = "| method | " + " | ".join(f"{title} {'↓' if lower else '↑'}" for title, _, _, lower in COLUMNS) + " |"
    lines = [header, "|---" * (len(COLUMNS) + 1) + "|"]
    for method, summary in rows.items():
        cells = [_value(summary, key, index) for _, key, index, _ in COLUMNS]
        lines.append(f"| {method} | " + " | ".join("-" if c is None else f"{c:.4f}" for c in cells) + " |")
    return "\n".join(lines)
