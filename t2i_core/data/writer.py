"""Write clips and split files in InterHuman's on-disk layout (the paths of ``layout.py``).

Every file goes through ``io``'s atomic writers, so an interrupted writer never leaves a truncated
file under a final name. Captions are one per line, each file ending in a newline.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from t2i_core.data.layout import InterHumanLayout
from t2i_core.io import atomic_write_bytes, atomic_write_text, npy_bytes
from t2i_core.motion.raw import RAW_DIM


def caption_text(captions: Sequence[str], what: str) -> str:
    """Captions as file contents; a caption must be one non-empty line."""
    if isinstance(captions, str) or not captions:
        raise ValueError(f"{what}: expected a non-empty list of captions, got {captions!r}")
    for caption in captions:
        if not isinstance(caption, str) or not caption.strip() or "\n" in caption or "\r" in caption:
            raise ValueError(f"{what}: each caption must be one non-empty line of text, got {caption!r}")
    return "".join(f"{caption}\n" for caption in captions)


def write_clip(root: str | Path, clip_id: str, raw1: np.ndarray, raw2: np.ndarray, captions: Sequence[str],
               individual_captions: tuple[Sequence[str], Sequence[str]] | None = None) -> None:
    """Both persons' raw (T, 492) motions, the clip's captions and, when given, each person's own."""
    layout = InterHumanLayout(Path(root))
    if not isinstance(clip_id, str) or not clip_id or Path(clip_id).name != clip_id or clip_id.startswith("."):
        raise ValueError(f"clip id must be a plain file name, got {clip_id!r}")
    raws = (np.asarray(raw1), np.asarray(raw2))
    for person, raw in enumerate(raws, start=1):
        if raw.ndim != 2 or raw.shape[1] != RAW_DIM:
            raise ValueError(f"clip {clip_id}, person {person}: expected raw motion (T, {RAW_DIM}), "
                             f"got {tuple(raw.shape)}")
    if raws[0].shape[0] != raws[1].shape[0]:
        raise ValueError(f"clip {clip_id}: the persons have {raws[0].shape[0]} and {raws[1].shape[0]} frames")
    texts = {layout.caption_file(clip_id): caption_text(captions, f"clip {clip_id} captions")}
    if individual_captions is not None:
        if len(individual_captions) != 2:
            raise ValueError(f"clip {clip_id}: individual captions are one list per person (2), "
                             f"got {len(individual_captions)}")
        for person, own in enumerate(individual_captions, start=1):
            texts[layout.individual_caption_file(clip_id, person)] = caption_text(
                own, f"clip {clip_id} person {person} captions")
    for person, raw in enumerate(raws, start=1):
        atomic_write_bytes(layout.motion_file(clip_id, person), npy_bytes(raw))
    for path, text in texts.items():
        atomic_write_text(path, text)


def write_split(root: str | Path, name: str, ids: Sequence[str]) -> Path:
    """``split/<name>.txt`` with one clip id per line (also for lists such as test_order_sensitive)."""
    if not name or Path(name).name != name or name.startswith("."):
        raise ValueError(f"split name must be a plain file name, got {name!r}")
    return atomic_write_text(InterHumanLayout(Path(root)).split_dir / f"{name}.txt", "".join(f"{i}\n" for i in ids))
