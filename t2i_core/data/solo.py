"""A HumanML3D-layout folder as a training set of single-person items (the single-person prior).

Real HumanML3D, MoMask's output and our own corpus (``training.build_solo``) share the layout
(``motion/humanml3d.py``). Every clip goes through the one converter (positions, 20 -> 30 fps,
our rotation solver) and the result is cached like InterHuman clips: keyed by the source file's
path, modification time and size plus the conversion's version.

Items have the keys of ``InterHumanDataset``'s, with one person:
    features  float32 (1, max_frames, 262), zero-padded, un-normalised, in the person's own frame
    mask, length, text, text_person1 (= text), text_person2 (""), clip_id, mirrored, swapped (False),
    crop_start
A caption with a time span (HumanML3D's ``start#end``) makes its own entry of that span, so every
caption describes exactly the frames it is paired with.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset
from tqdm import tqdm

from t2i_core.data.clips import FeatureCache
from t2i_core.io import atomic_write_text, load_npy_safely, save_npy
from t2i_core.motion.features import FEATURE_DIM, MIN_CLIP_FRAMES, recanonicalize
from t2i_core.motion.humanml3d import (
    HUMANML3D_FPS,
    HumanML3DFormatError,
    HumanML3DLayout,
    features_from_humanml3d,
)
from t2i_core.motion.mirror import mirror_caption, mirror_features

# Bump when the conversion changes what it computes: old cache entries are then ignored.
CONVERSION_VERSION = "hml3d-262d-v1"
MODES = ("train", "eval")
_LISTED_SKIPS = 20


class SoloClipError(ValueError):
    """A clip of a HumanML3D-layout folder that cannot be used, with the reason."""


@dataclass(frozen=True)
class SoloEntry:
    clip_id: str                         # the source clip (with the span's seconds when it has one)
    features_path: Path                  # cached (T, 262) float32
    length: int
    captions: tuple[str, ...]

    @property
    def person_captions(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The one person's captions, in the shape of a pair's per-person captions (person 2 has none)."""
        return self.captions, ()


def is_humanml3d_folder(folder: str | Path) -> bool:
    try:
        HumanML3DLayout.open(folder)
    except HumanML3DFormatError:
        return False
    return True


class SoloFeatureCache:
    """Converted clips (and spans of clips) of HumanML3D-layout folders, cached on disk."""

    def __init__(self, cache_dir: str | Path | None = None):
        self.cache_dir = FeatureCache(cache_dir).cache_dir

    def _source(self, layout: HumanML3DLayout, clip_id: str) -> Path:
        joints = layout.joints_file(clip_id)
        return joints if joints.is_file() else layout.vectors_file(clip_id)

    def features(self, layout: HumanML3DLayout, clip_id: str, span: tuple[int, int] | None) -> tuple[Path, int]:
        """The cached (T, 262) features of a clip or of its [start, end) frames at 20 fps, and T."""
        source = self._source(layout, clip_id)
        try:
            stat = source.stat()
        except OSError:
            raise SoloClipError(f"missing motion: neither {layout.joints_file(clip_id)} nor "
                                f"{layout.vectors_file(clip_id)} exists") from None
        key = hashlib.sha256("|".join([CONVERSION_VERSION, str(source), str(stat.st_mtime_ns), str(stat.st_size),
                                       str(span)]).encode()).hexdigest()
        path = self.cache_dir / key[:2] / f"{key}.npy"
        error_path = path.with_suffix(".error")
        if error_path.is_file():
            raise SoloClipError(error_path.read_text(encoding="utf-8"))
        if path.is_file():
            try:
                shape = load_npy_safely(path, mmap=True).shape
                if len(shape) == 2 and shape[1] == FEATURE_DIM:
                    return path, shape[0]
            except (ValueError, OSError):
                pass  # a damaged entry: rebuild it below
        try:
            positions = layout.positions(clip_id)
            if span is not None:
                positions = positions[span[0]:span[1]]
            if len(positions) < 2:
                raise SoloClipError(f"too short: {len(positions)} frames at {HUMANML3D_FPS} fps")
            features = features_from_humanml3d(positions)
            if len(features) < MIN_CLIP_FRAMES:
                raise SoloClipError(f"too short: {len(features)} frames at 30 fps, at least {MIN_CLIP_FRAMES} needed")
        except (HumanML3DFormatError, SoloClipError, ValueError) as error:
            atomic_write_text(error_path, str(error))
            raise SoloClipError(str(error)) from error
        save_npy(path, features.astype(np.float32))
        return path, len(features)


class SoloMotionDataset(Dataset):
    """Single-person items of a HumanML3D-layout folder's split (see the module's docstring)."""

    def __init__(self, root: str | Path, split: str = "train", mode: str = "train", max_frames: int = 300,
                 mirror: bool | None = None, cache_dir: str | Path | None = None, progress: bool = True):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; accepted: {', '.join(MODES)}")
        if max_frames < 1:
            raise ValueError(f"max_frames must be positive, got {max_frames}")
        self.layout = HumanML3DLayout.open(root)
        self.split, self.mode, self.max_frames = split, mode, max_frames
        self.mirror = (mode == "train") if mirror is None else mirror
        self.cache = SoloFeatureCache(cache_dir)
        self.entries, self.skipped = self._index(progress)

    def _index(self, progress: bool) -> tuple[list[SoloEntry], dict[str, str]]:
        entries, skipped = [], {}
        ids = self.layout.clip_ids((self.split,))
        for clip_id in tqdm(ids, desc=f"indexing {self.split}", disable=not progress, unit="clip"):
            try:
                captions = self.layout.captions(clip_id)
            except HumanML3DFormatError as error:
                skipped[clip_id] = str(error)
                continue
            if not captions:
                skipped[clip_id] = f"no captions ({self.layout.text_file(clip_id).name} missing or empty)"
                continue
            spans: dict[tuple[int, int] | None, list[str]] = {}
            for caption in captions:
                span = None if caption.whole_clip else (round(caption.start * HUMANML3D_FPS),
                                                         round(caption.end * HUMANML3D_FPS))
                spans.setdefault(span, []).append(caption.text)
            for span, texts in spans.items():
                name = clip_id if span is None else f"{clip_id}:{span[0] / HUMANML3D_FPS:g}-{span[1] / HUMANML3D_FPS:g}"
                try:
                    path, length = self.cache.features(self.layout, clip_id, span)
                except SoloClipError as error:
                    skipped[name] = str(error)
                    continue
                entries.append(SoloEntry(name, path, length, tuple(dict.fromkeys(texts))))
        if skipped:
            listed = "; ".join(f"{k}: {v}" for k, v in list(skipped.items())[:_LISTED_SKIPS])
            more = f"; and {len(skipped) - _LISTED_SKIPS} more" if len(skipped) > _LISTED_SKIPS else ""
            warnings.warn(f"skipped {len(skipped)} unusable clip(s) of split {self.split!r} in "
                          f"{self.layout.root}: {listed}{more}", stacklevel=3)
        return entries, skipped

    def __len__(self) -> int:
        return len(self.entries) * (2 if self.mirror else 1)

    @property
    def clip_ids(self) -> list[str]:
        return [e.clip_id for e in self.entries]

    def full_features(self, index: int) -> np.ndarray:
        """The whole converted clip (1, T, 262) float32 of entry ``index``, uncropped."""
        return np.array(load_npy_safely(self.entries[index].features_path, mmap=True))[None]

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} items")
        entry = self.entries[index % len(self.entries)]
        mirrored = self.mirror and index >= len(self.entries)
        train = self.mode == "train"
        features = np.array(load_npy_safely(entry.features_path, mmap=True), dtype=np.float64)[None]
        start = _randint(entry.length - self.max_frames + 1) if train and entry.length > self.max_frames else 0
        length = min(entry.length, self.max_frames)
        if length < entry.length:
            features = recanonicalize(features[:, start:start + length])
        if mirrored:
            features = mirror_features(features)
        text = entry.captions[_randint(len(entry.captions)) if train else 0]
        if mirrored:
            text = mirror_caption(text)
        padded = np.zeros((1, self.max_frames, FEATURE_DIM), dtype=np.float32)
        padded[:, :length] = features
        mask = np.zeros(self.max_frames, dtype=bool)
        mask[:length] = True
        return {"features": padded, "mask": mask, "length": length, "text": text, "text_person1": text,
                "text_person2": "", "clip_id": entry.clip_id, "mirrored": mirrored, "swapped": False,
                "crop_start": start}


def _randint(high: int) -> int:
    return int(torch.randint(high, ()).item())
