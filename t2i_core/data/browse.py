"""Reading single clips of an InterHuman-layout folder inside the data roots, for viewing.

``InterHumanDataset`` processes every clip of a split when it is built (minutes for the real data
set on a first run); a viewer only needs the one clip a person picks. Folders are named
root-relative (see ``t2i_core.roots``) and every file read here -- split file, ignore list,
captions, motion files -- must lie inside a root after its links are followed. Messages name
files relative to the folder, never by their server path.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from t2i_core.data.clips import ClipError, FeatureCache
from t2i_core.data.layout import SPLITS, DataFolderError, InterHumanLayout
from t2i_core.io import load_npy_safely, npy_header
from t2i_core.motion.features import features_to_joints
from t2i_core.roots import DataRoots

CLIP_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}")
MAX_TEXT_BYTES = 8 * 1024 * 1024  # a split file or caption larger than this is not one


def looks_like_interhuman(folder: Path) -> bool:
    """Whether a folder has InterHuman's sub-folders (what the folder list of a page offers)."""
    layout = InterHumanLayout(folder)
    return all(d.is_dir() for d in (layout.annots_dir, layout.motion_dir(1), layout.motion_dir(2)))


def _inside(layout: InterHumanLayout, path: Path) -> str:
    return path.relative_to(layout.root).as_posix()


def _read_lines(roots: DataRoots, layout: InterHumanLayout, path: Path) -> list[str]:
    """Lines of a text file of the folder; the file (after links) must lie inside a root."""
    real = roots.confine(path)
    where = _inside(layout, path)
    try:
        if real.stat().st_size > MAX_TEXT_BYTES:
            raise DataFolderError(f"{where} is over {MAX_TEXT_BYTES // 2**20} MiB: not a text file of this layout")
        text = real.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DataFolderError(f"{where} is not UTF-8 text") from None
    except OSError:
        raise DataFolderError(f"{where} cannot be read") from None
    return [line.strip() for line in text.splitlines() if line.strip()]


def open_folder(roots: DataRoots, name: str) -> InterHumanLayout:
    """The InterHuman-layout folder named ``name`` (root-relative), OutsideRootsError for a name
    that is not a folder inside a root, DataFolderError saying which sub-folders are missing."""
    if name is None or not str(name).strip():
        raise DataFolderError("no folder given: pick a data set folder from the list")
    layout = InterHumanLayout(roots.resolve(str(name)))
    missing = [_inside(layout, d) for d in (layout.annots_dir, layout.motion_dir(1), layout.motion_dir(2))
               if not (d.is_dir() and roots.inside(d))]
    if missing:
        raise DataFolderError(f"{str(name).strip()} is not in InterHuman's layout: it has no "
                              f"{', '.join(m + '/' for m in missing)} folder")
    return layout


def _first_file(roots: DataRoots, candidates: tuple[Path, ...]) -> Path | None:
    """The first of ``candidates`` that is a file, each checked against the roots *before* it is looked
    at: a link leading out of the roots is refused whether its target exists or not (no existence oracle)."""
    for candidate in candidates:
        if roots.confine(candidate).is_file():
            return candidate
    return None


def clip_ids(roots: DataRoots, name: str, split: str) -> list[str]:
    """The clip ids of ``split`` (minus the ignore list), or DataFolderError / ValueError / OutsideRootsError."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; accepted: {', '.join(SPLITS)}")
    layout = open_folder(roots, name)
    path = _first_file(roots, (layout.split_dir / f"{split}.txt", layout.root / f"{split}.txt"))
    if path is None:
        raise DataFolderError(f"{str(name).strip()} has no split file for {split!r}: looked for "
                              f"split/{split}.txt and {split}.txt")
    ignore = _first_file(roots, (layout.split_dir / "ignore_list.txt", layout.root / "ignore_list.txt"))
    ignored = set(_read_lines(roots, layout, ignore)) if ignore is not None else set()
    # Only lines shaped like clip ids are offered: a file of another kind lists nothing.
    ids = [i for i in _read_lines(roots, layout, path) if CLIP_ID.fullmatch(i) and i not in ignored]
    if not ids:
        raise DataFolderError(f"split {split!r} of {str(name).strip()} lists no clips")
    return ids


def load_clip(roots: DataRoots, name: str, clip_id: str,
              cache_dir: str | Path | None = None) -> tuple[np.ndarray, str]:
    """Joints (2, T, 22, 3) of one clip in the canonical frame and its first caption (see ``load_clip_features``)."""
    features, caption = load_clip_features(roots, name, clip_id, cache_dir)
    return features_to_joints(features), caption


def load_clip_features(roots: DataRoots, name: str, clip_id: str,
                       cache_dir: str | Path | None = None) -> tuple[np.ndarray, str]:
    """Pair features (2, T, 262) of one clip in the canonical frame and its first caption.

    Raises OutsideRootsError for a name (or a file of the folder) outside the roots,
    DataFolderError for a bad folder and ClipError for a clip that cannot be used.
    """
    layout = open_folder(roots, name)
    if not isinstance(clip_id, str) or not CLIP_ID.fullmatch(clip_id):
        raise ClipError("not a clip id: use letters, digits, '_', '-' or '.', as the split file lists them")
    for person in (1, 2):
        path = layout.motion_file(clip_id, person)
        where = _inside(layout, path)
        real = roots.confine(path)
        if not real.is_file():
            raise ClipError(f"clip {clip_id} has no motion file {where}")
        try:
            npy_header(real)
        except ValueError as error:
            raise ClipError(f"{where}: {error}") from None
        except OSError:
            raise ClipError(f"{where} cannot be read") from None
    try:
        record = FeatureCache(cache_dir).record(layout, clip_id)
        features = np.array(load_npy_safely(record.features_path), dtype=np.float64)
    except ValueError as error:  # ClipError included
        # Processing errors name shapes, not files; redact in case a cached message names a path.
        raise ClipError(roots.redact(str(error).replace(str(layout.root), str(name).strip()))) from None
    except OSError:  # its text would name the feature cache's server path
        raise ClipError(f"clip {clip_id} could not be processed: a cache file could not be read or written") from None
    caption_file = _first_file(roots, (layout.caption_file(clip_id),))
    captions = _read_lines(roots, layout, caption_file) if caption_file is not None else []
    return features, (captions[0] if captions else "")
