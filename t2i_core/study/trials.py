"""The trials of a study: blind pairs of systems per prompt and seed, plus gold trials.

A pair trial shows two systems' clips of the same prompt and seed. A gold trial shows one clip
against the same clip played backwards or frozen on its middle frame: the original is the known
right answer to both questions, so a rater who picks the broken clip is not watching.

Which clip is on the left is drawn per rater and trial (a hash of the study's salt, the rater and
the trial, so a reload shows the same arrangement) and recorded with every vote; each rater sees
the trials in their own shuffled order.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import asdict, dataclass
from itertools import combinations

import numpy as np

from t2i_core.study.config import StudyConfig

GOLD_VARIANTS = ("reversed", "frozen")
GOLD_MARK = "~"  # a gold clip's label is "<system>~<variant>"
QUESTIONS = {
    "text": "Which one follows the text better?",
    "motion": "Which one moves more naturally?",
}
CHOICES = ("left", "right", "tie")
CHOICE_LABELS = {"left": "Left", "right": "Right", "tie": "Both equally"}


@dataclass(frozen=True)
class Trial:
    id: str
    prompt: int          # index into the study's prompts
    seed: int
    a: str               # clip labels: a system name, or a gold variant of one ("cfg1~reversed")
    b: str

    @property
    def gold(self) -> bool:
        return GOLD_MARK in self.b

    def to_dict(self) -> dict:
        return asdict(self)


def gold_label(system: str, variant: str) -> str:
    return f"{system}{GOLD_MARK}{variant}"


def split_label(label: str) -> tuple[str, str | None]:
    """("cfg1", None) for a system's clip, ("cfg1", "reversed") for a gold variant of it."""
    system, _, variant = label.partition(GOLD_MARK)
    return system, variant or None


def gold_count(pairs: int, rate: float) -> int:
    """Gold trials so that they make ``rate`` of all trials (at least one when the rate is above 0)."""
    if rate <= 0 or pairs == 0:
        return 0
    return max(1, round(pairs * rate / (1 - rate)))


def make_trials(config: StudyConfig) -> list[Trial]:
    """Every pair of systems for every prompt and seed, plus the gold trials, under opaque ids."""
    rng = random.Random(config.seed)
    names = [s.name for s in config.systems]
    cells = [(p, s) for p in range(len(config.prompts)) for s in config.seeds]
    specs = [(p, s, a, b) for p, s in cells for a, b in combinations(names, 2)]
    for k in range(gold_count(len(specs), config.gold_rate)):
        p, s = rng.choice(cells)
        system = rng.choice(names)
        specs.append((p, s, system, gold_label(system, GOLD_VARIANTS[k % len(GOLD_VARIANTS)])))
    rng.shuffle(specs)  # ids must not reveal which trials are gold
    width = len(str(len(specs)))
    return [Trial(f"t{i + 1:0{width}d}", p, s, a, b) for i, (p, s, a, b) in enumerate(specs)]


def _draw(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")


def arrangement(trial: Trial, rater: str, salt: str) -> tuple[str, str]:
    """(left label, right label) of ``trial`` for ``rater``: a fair coin, the same on every reload."""
    return (trial.a, trial.b) if _draw(salt, rater, trial.id) % 2 == 0 else (trial.b, trial.a)


def rater_order(trials: list[Trial], rater: str, salt: str) -> list[Trial]:
    """The trials in this rater's own order."""
    order = list(trials)
    random.Random(_draw(salt, rater)).shuffle(order)
    return order


def gold_answer(left: str, right: str) -> str | None:
    """The side that holds the intact clip of a gold trial, None for a pair trial."""
    if GOLD_MARK in right:
        return "left"
    if GOLD_MARK in left:
        return "right"
    return None


def apply_variant(joints: np.ndarray, variant: str | None) -> np.ndarray:
    """(2, T, 22, 3) joints as a gold variant shows them: played backwards, or frozen mid-clip."""
    if variant is None:
        return joints
    if variant == "reversed":
        return joints[:, ::-1].copy()
    if variant == "frozen":
        middle = joints.shape[1] // 2
        return np.repeat(joints[:, middle:middle + 1], joints.shape[1], axis=1)
    raise ValueError(f"unknown gold variant {variant!r}; known: {', '.join(GOLD_VARIANTS)}")

