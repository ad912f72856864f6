"""Reading single clips of an InterHuman-layout folder for viewing, without indexing a whole split.

``InterHumanDataset`` processes every clip of a split when it is built (minutes for the real data
set on a first run); a viewer only needs the one clip a person picks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from t2i_core.data.clips import ClipError, FeatureCache
from t2i_core.data.layout import SPLITS, DataFolderError, InterHumanLayout
from t2i_core.io import load_npy_safely
from t2i_core.motion.features import features_to_joints


def open_folder(folder: str | Path) -> InterHumanLayout:
    """An InterHuman-layout folder, or DataFolderError saying what is missing."""
    if folder is None or not str(folder).strip():
        raise DataFolderError("no folder given: type the path of a folder in InterHuman's layout")
    layout = InterHumanLayout.open(str(folder).strip())
    layout.require_folders()
    return layout


def clip_ids(folder: str | Path, split: str) -> list[str]:
    """The clip ids of ``split`` (minus the ignore list), or DataFolderError / ValueError."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; accepted: {', '.join(SPLITS)}")
    layout = open_folder(folder)
    ignored = layout.ignore_list()
    ids = [i for i in layout.split_ids(split) if i not in ignored]
    if not ids:
        raise DataFolderError(f"split {split!r} of {layout.root} lists no clips")
    return ids


def load_clip(folder: str | Path, clip_id: str, cache_dir: str | Path | None = None) -> tuple[np.ndarray, str]:
    """Joints (2, T, 22, 3) of one clip in the canonical frame and its first caption.

    Raises DataFolderError for a bad folder and ClipError for a clip that cannot be used.
    """
    layout = open_folder(folder)
    if not clip_id or "/" in str(clip_id) or "\\" in str(clip_id) or str(clip_id).startswith("."):
        raise ClipError(f"not a clip id: {clip_id!r}")
    record = FeatureCache(cache_dir).record(layout, str(clip_id))
    features = np.array(load_npy_safely(record.features_path), dtype=np.float64)
    captions = layout.captions(clip_id) if layout.caption_file(clip_id).is_file() else []
    return features_to_joints(features), (captions[0] if captions else "")
