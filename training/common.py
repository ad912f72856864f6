"""Pieces every training script shares: schedules, seeding, CSV logs, caption collection."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import torch

from t2i_core.data.interhuman import InterHumanDataset
from t2i_core.motion.mirror import mirror_caption


def warmup_cosine(warmup_steps: int, total_steps: int, floor: float = 0.0):
    """LambdaLR factor: linear warm-up, then cosine decay to ``floor`` of the peak."""
    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / max(warmup_steps, 1)
        progress = min((step - warmup_steps) / max(total_steps - warmup_steps, 1), 1.0)
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))
    return factor


def dataset_captions(dataset: InterHumanDataset, per_person: bool = False) -> list[str]:
    """Every caption an item of the data set can carry (mirrored ones included when it mirrors);
    with ``per_person`` the individual captions of each person instead of the pair's."""
    if per_person:
        texts = [c for entry in dataset.entries if entry.person_captions for p in entry.person_captions for c in p]
    else:
        texts = [c for entry in dataset.entries for c in entry.captions]
    if dataset.mirror:
        texts += [mirror_caption(t) for t in texts]
    return list(dict.fromkeys(texts))


class CsvLog:
    """Appends one row per call; writes the header when the file is new."""

    def __init__(self, path: Path, columns: list[str]):
        self.path, self.columns = path, columns
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("w", newline="") as handle:
                csv.writer(handle).writerow(columns)

    def write(self, **values) -> None:
        with self.path.open("a", newline="") as handle:
            csv.writer(handle).writerow([values.get(c, "") for c in self.columns])


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)
