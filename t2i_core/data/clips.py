"""Turning one clip of an InterHuman-layout folder into cached pair features.

Processing 7,779 clips takes a while, so the result is cached on disk, keyed by each source
file's path, modification time and size plus the processing version: editing a motion file
invalidates exactly its entry. Cache files are written atomically; a damaged one is rebuilt.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from t2i_core.data.layout import InterHumanLayout
from t2i_core.io import atomic_write_text, load_npy_safely, save_npy
from t2i_core.motion.features import MIN_CLIP_FRAMES, process_pair
from t2i_core.motion.raw import RawFormatError

# Bump when features.py changes what it computes: old cache entries are then ignored.
PROCESSING_VERSION = "262d-v1"


class ClipError(ValueError):
    """A clip that cannot be used, with the reason a user can act on."""


@dataclass(frozen=True)
class ClipRecord:
    clip_id: str
    features_path: Path   # cached (2, T, 262) float32
    length: int           # T, processed frames


def default_cache_dir() -> Path:
    """``$T2I_CACHE_DIR/features`` if set, else ``~/.cache/text2interact/features``."""
    base = os.environ.get("T2I_CACHE_DIR")
    return (Path(base) if base else Path.home() / ".cache" / "text2interact") / "features"


def load_raw_pair(layout: InterHumanLayout, clip_id: str) -> tuple[np.ndarray, np.ndarray]:
    raws = []
    for person in (1, 2):
        path = layout.motion_file(clip_id, person)
        if not path.is_file():
            raise ClipError(f"missing motion file {path}")
        try:
            raws.append(load_npy_safely(path))
        except (ValueError, OSError) as error:
            raise ClipError(f"unreadable motion file {path}: {error}") from error
    return raws[0], raws[1]


def process_clip(layout: InterHumanLayout, clip_id: str) -> np.ndarray:
    """Raw files of one clip -> float32 (2, T, 262), or ClipError saying why not."""
    raw1, raw2 = load_raw_pair(layout, clip_id)
    try:
        features, _ = process_pair(raw1, raw2)
    except (RawFormatError, ValueError) as error:
        raise ClipError(str(error)) from error
    if features.shape[1] < MIN_CLIP_FRAMES:
        raise ClipError(
            f"too short: {features.shape[1]} processed frames, at least {MIN_CLIP_FRAMES} needed"
        )
    return features.astype(np.float32)


class FeatureCache:
    def __init__(self, cache_dir: str | Path | None = None):
        self.cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()

    def _key(self, layout: InterHumanLayout, clip_id: str) -> str | None:
        parts = [PROCESSING_VERSION]
        for person in (1, 2):
            path = layout.motion_file(clip_id, person)
            try:
                stat = path.stat()
            except OSError:
                return None
            parts += [str(path), str(stat.st_mtime_ns), str(stat.st_size)]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()

    def _paths(self, key: str) -> tuple[Path, Path]:
        folder = self.cache_dir / key[:2]
        return folder / f"{key}.npy", folder / f"{key}.error"

    def record(self, layout: InterHumanLayout, clip_id: str) -> ClipRecord:
        """The cached features of a clip, processing it on a miss; ClipError if unusable."""
        key = self._key(layout, clip_id)
        if key is None:
            load_raw_pair(layout, clip_id)  # raises the ClipError naming the missing file
        features_path, error_path = self._paths(key)
        if error_path.is_file():
            raise ClipError(error_path.read_text(encoding="utf-8"))
        if features_path.is_file():
            try:
                shape = load_npy_safely(features_path, mmap=True).shape
                if len(shape) == 3 and shape[0] == 2 and shape[2] == 262:
                    return ClipRecord(clip_id, features_path, shape[1])
            except (ValueError, OSError):
                pass  # a damaged entry: rebuild it below
        try:
            features = process_clip(layout, clip_id)
        except ClipError as error:
            atomic_write_text(error_path, str(error))
            raise
        save_npy(features_path, features)
        return ClipRecord(clip_id, features_path, features.shape[1])
