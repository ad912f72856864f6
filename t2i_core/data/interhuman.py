"""The InterHuman reader: a map-style data set of un-normalised pair features and captions.

Each item is a dict:
    features  float32 (2, max_frames, 262), zero-padded, un-normalised
    mask      bool (max_frames,), True on real frames
    length    int, the true number of frames (<= max_frames)
    text      one caption; text_person1 / text_person2 per-person captions ("" if absent)
    clip_id, mirrored, swapped
    crop_start  int, the clip frame the item starts at (0 unless cropped)

Training mode: a random caption, a random crop to at most ``max_frames``, a person swap with
probability ``swap_prob``, and a mirrored copy of every clip (the index space is doubled).
Evaluation mode is deterministic: the first caption, the first ``max_frames`` frames, no
swap, no mirror. Randomness comes from torch's generator, so ``torch.manual_seed`` and the
DataLoader's per-worker seeding make training runs reproducible.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset
from tqdm import tqdm

from t2i_core.data.clips import ClipError, FeatureCache
from t2i_core.data.layout import InterHumanLayout
from t2i_core.io import load_npy_safely
from t2i_core.motion.features import FEATURE_DIM, recanonicalize, swap_persons
from t2i_core.motion.mirror import mirror_caption, mirror_features

MAX_FRAMES = 300
MODES = ("train", "eval")
_LISTED_SKIPS = 20


@dataclass(frozen=True)
class ClipEntry:
    clip_id: str
    features_path: Path
    length: int
    captions: tuple[str, ...]
    person_captions: tuple[tuple[str, ...], tuple[str, ...]] | None


class InterHumanDataset(Dataset):
    def __init__(
        self,
        root: str | Path,
        split: str = "train",
        mode: str = "train",
        max_frames: int = MAX_FRAMES,
        swap_prob: float = 0.5,
        mirror: bool | None = None,
        cache_dir: str | Path | None = None,
        progress: bool = True,
    ):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; accepted: {', '.join(MODES)}")
        if max_frames < 1:
            raise ValueError(f"max_frames must be positive, got {max_frames}")
        self.layout = InterHumanLayout.open(root)
        self.layout.require_folders()
        self.split, self.mode, self.max_frames = split, mode, max_frames
        self.swap_prob = swap_prob if mode == "train" else 0.0
        self.mirror = (mode == "train") if mirror is None else mirror
        self.cache = FeatureCache(cache_dir)
        self.entries, self.skipped = self._index(progress)

    # -- indexing ------------------------------------------------------------------------
    def _index(self, progress: bool) -> tuple[list[ClipEntry], dict[str, str]]:
        ignored = self.layout.ignore_list()
        ids = [i for i in self.layout.split_ids(self.split) if i not in ignored]
        entries, skipped = [], {}
        for clip_id in tqdm(ids, desc=f"indexing {self.split}", disable=not progress, unit="clip"):
            try:
                entries.append(self._entry(clip_id))
            except ClipError as error:
                skipped[clip_id] = str(error)
        if skipped:
            listed = "; ".join(f"{k}: {v}" for k, v in list(skipped.items())[:_LISTED_SKIPS])
            more = f"; and {len(skipped) - _LISTED_SKIPS} more" if len(skipped) > _LISTED_SKIPS else ""
            warnings.warn(
                f"skipped {len(skipped)} unusable clip(s) of split {self.split!r} in {self.layout.root}: "
                f"{listed}{more}",
                stacklevel=3,
            )
        return entries, skipped

    def _entry(self, clip_id: str) -> ClipEntry:
        caption_file = self.layout.caption_file(clip_id)
        if not caption_file.is_file():
            raise ClipError(f"missing captions {caption_file}")
        captions = tuple(self.layout.captions(clip_id))
        if not captions:
            raise ClipError(f"empty captions file {caption_file}")
        record = self.cache.record(self.layout, clip_id)
        individual = self.layout.individual_captions(clip_id)
        person_captions = None
        if individual is not None and all(individual):
            person_captions = (tuple(individual[0]), tuple(individual[1]))
        return ClipEntry(clip_id, record.features_path, record.length, captions, person_captions)

    # -- items ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.entries) * (2 if self.mirror else 1)

    @property
    def clip_ids(self) -> list[str]:
        return [e.clip_id for e in self.entries]

    def full_features(self, index: int) -> np.ndarray:
        """The whole processed clip (2, T, 262) float32 of entry ``index``, uncropped."""
        return np.array(load_npy_safely(self.entries[index].features_path, mmap=True))

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} items")
        entry = self.entries[index % len(self.entries)]
        mirrored = self.mirror and index >= len(self.entries)
        train = self.mode == "train"

        features = np.array(load_npy_safely(entry.features_path, mmap=True), dtype=np.float64)
        start = _randint(entry.length - self.max_frames + 1) if train and entry.length > self.max_frames else 0
        length = min(entry.length, self.max_frames)
        if length < entry.length:
            features = recanonicalize(features[:, start:start + length])
        swapped = train and _uniform() < self.swap_prob
        if swapped:
            features = swap_persons(features)
        if mirrored:
            features = mirror_features(features)

        text = entry.captions[_randint(len(entry.captions)) if train else 0]
        persons = entry.person_captions
        person_texts = ["", ""]
        if persons is not None:
            person_texts = [p[_randint(len(p)) if train else 0] for p in persons]
        if swapped:
            person_texts.reverse()
        if mirrored:
            text = mirror_caption(text)
            person_texts = [mirror_caption(t) for t in person_texts]

        padded = np.zeros((2, self.max_frames, FEATURE_DIM), dtype=np.float32)
        padded[:, :length] = features
        mask = np.zeros(self.max_frames, dtype=bool)
        mask[:length] = True
        return {
            "features": padded,
            "mask": mask,
            "length": length,
            "text": text,
            "text_person1": person_texts[0],
            "text_person2": person_texts[1],
            "clip_id": entry.clip_id,
            "mirrored": mirrored,
            "swapped": swapped,
            "crop_start": start,
        }


def _randint(high: int) -> int:
    return int(torch.randint(high, ()).item())


def _uniform() -> float:
    return float(torch.rand(()).item())
