"""Contrast twins of the procedural data set, and batches that keep them together.

The procedural generator writes clips in groups of two: a base clip and its *twin*, the same scene
with one attribute changed (phase order, side, who initiates, speed). ``manifest.json`` records
each clip's ``group`` and ``contrast`` (``None`` when the cut left both clips identical).

A contrastive model trained on random batches almost never sees a clip next to its twin, so it can
ignore exactly the words that tell twins apart. ``TwinBatchSampler`` puts both twins of a group in
the same batch (with the same mirror flag), so each is the other's hard negative. Data without a
manifest (the real InterHuman set) simply has no twins and is shuffled as usual.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import Sampler

from t2i_core.data.manifest import contrast_groups


@dataclass(frozen=True)
class TwinRecord:
    group: int
    contrast: str | None


def read_twin_records(data: str | Path) -> dict[str, TwinRecord]:
    """Clip id -> its contrast group, from the manifest; empty for data without one."""
    return {clip_id: TwinRecord(group, contrast) for clip_id, (group, contrast) in contrast_groups(data).items()}


def twin_pairs(clip_ids: list[str], records: dict[str, TwinRecord]) -> dict[str, list[tuple[int, int]]]:
    """Per contrast kind, index pairs (into ``clip_ids``) of twins that differ in that respect."""
    members: dict[tuple[int, str], list[int]] = {}
    for index, clip_id in enumerate(clip_ids):
        record = records.get(clip_id)
        if record is not None and record.contrast:
            members.setdefault((record.group, record.contrast), []).append(index)
    pairs: dict[str, list[tuple[int, int]]] = {}
    for (_, kind), indices in sorted(members.items()):
        if len(indices) == 2:
            pairs.setdefault(kind, []).append((indices[0], indices[1]))
    return pairs


def content_keys(clip_ids: list[str], records: dict[str, TwinRecord]) -> list[str]:
    """A key per clip that is equal for clips showing the same scene (a group whose contrast was dropped).

    Such clips must not be each other's negatives in a contrastive loss.
    """
    keys = []
    for clip_id in clip_ids:
        record = records.get(clip_id)
        keys.append(f"group:{record.group}" if record is not None and record.contrast is None else clip_id)
    return keys


def partner_indices(clip_ids: list[str], mirrored: list[bool], records: dict[str, TwinRecord]) -> torch.Tensor:
    """For each batch item, the batch index of its twin (same group, contrast set, same mirror flag), or -1."""
    where = {(clip_ids[i], mirrored[i]): i for i in range(len(clip_ids))}
    by_group: dict[int, list[str]] = {}
    for clip_id in dict.fromkeys(clip_ids):
        record = records.get(clip_id)
        if record is not None and record.contrast:
            by_group.setdefault(record.group, []).append(clip_id)
    partners = torch.full((len(clip_ids),), -1, dtype=torch.long)
    for i, clip_id in enumerate(clip_ids):
        record = records.get(clip_id)
        if record is None or not record.contrast:
            continue
        others = [c for c in by_group[record.group] if c != clip_id]
        if others and (others[0], mirrored[i]) in where:
            partners[i] = where[(others[0], mirrored[i])]
    return partners


class TwinBatchSampler(Sampler[list[int]]):
    """Shuffled batches of a (possibly mirror-doubled) data set with contrast twins side by side.

    Units are the twin groups (both clips, one mirror flag) and the clips without a twin, which are
    paired up in the order drawn; with an even batch size no twin pair is split across batches.
    Every item of the data set appears once per epoch, as with ``shuffle=True``. Randomness comes
    from ``generator``, drawn at the start of each epoch, so saving its state at an epoch's end
    resumes exactly.
    """

    def __init__(self, clip_ids: list[str], records: dict[str, TwinRecord], mirrored_copies: bool,
                 batch_size: int, generator: torch.Generator, drop_last: bool = True):
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self.batch_size, self.drop_last, self.generator = batch_size, drop_last, generator
        count = len(clip_ids)
        groups: dict[int, list[int]] = {}
        singles: list[list[int]] = []
        for index, clip_id in enumerate(clip_ids):
            record = records.get(clip_id)
            if record is not None and record.contrast:
                groups.setdefault(record.group, []).append(index)
            else:
                singles.append([index])
        base_units = list(groups.values()) + singles
        copies = (0, count) if mirrored_copies else (0,)
        self.units = [[offset + i for i in unit] for offset in copies for unit in base_units]
        self.items = sum(len(u) for u in self.units)

    def __len__(self) -> int:
        full, rest = divmod(self.items, self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def __iter__(self):
        order = torch.randperm(len(self.units), generator=self.generator).tolist()
        # Clips without a twin travel in twos, so with an even batch size no twin pair is ever cut.
        flat, waiting = [], []
        for u in order:
            unit = self.units[u]
            if len(unit) == 1:
                waiting += unit
                if len(waiting) < 2:
                    continue
                unit, waiting = waiting, []
            flat += unit
        flat += waiting
        for start in range(0, len(flat), self.batch_size):
            batch = flat[start:start + self.batch_size]
            if len(batch) == self.batch_size or not self.drop_last:
                yield batch
