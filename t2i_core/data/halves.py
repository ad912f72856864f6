"""Two disjoint halves of a split, stable across runs and machines (the filter evaluator's data).

A clip's half is the parity of the first byte of sha256 of its key; the key is its contrast group
when the folder has a procedural manifest (so twins stay together in one half), else its id.
"""

from __future__ import annotations

import hashlib

from t2i_core.data.twins import TwinRecord

HALVES = (0, 1)


def clip_half(clip_id: str, records: dict[str, TwinRecord]) -> int:
    record = records.get(clip_id)
    key = f"group:{record.group}" if record is not None else f"id:{clip_id}"
    return hashlib.sha256(key.encode()).digest()[0] % 2


def keep_half(clip_ids: list[str], records: dict[str, TwinRecord], half: int) -> list[bool]:
    """Per clip, whether it belongs to ``half`` (0 or 1)."""
    if half not in HALVES:
        raise ValueError(f"half must be 0 or 1, got {half!r}")
    return [clip_half(c, records) == half for c in clip_ids]
