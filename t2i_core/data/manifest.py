"""The procedural data set's ``manifest.json``: its file name, its schema, reading and writing it.

```
{"generator", "version", "seed", "clips", "fps", ...header...,
 "records": [{"id": "000000", "index": 0, "group": 0, "contrast": "order" | ... | null,
              "frames": 300, "heights": [h1, h2], "captions": [...], "split": "train",
              "phases": [{"kind", "start", "end", "initiator": 1 | 2, ...}, ...]}, ...]}
```
``group`` pairs a clip with its contrast twin (``contrast`` says what differs, null when nothing
does); a phase spans frames [start, end) and its ``initiator`` is the acting person in file order
(1 or 2). Data without a manifest (the real InterHuman set) reads as no records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from t2i_core.io import atomic_write_text

MANIFEST_FILE = "manifest.json"


class ManifestError(ValueError):
    """A manifest.json that cannot be read."""


@dataclass(frozen=True)
class PhaseSpan:
    kind: str | None
    start: int       # first frame
    end: int         # one past the last frame
    initiator: int   # the acting person, 1 or 2 in file order


def manifest_path(root: str | Path) -> Path:
    return Path(root) / MANIFEST_FILE


def read_manifest(root: str | Path) -> dict[str, Any] | None:
    """The whole manifest of the folder ``root``, or None when it has none."""
    path = manifest_path(root)
    if not path.is_file():
        return None
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ManifestError(f"{path} is not valid JSON: {error}") from error
    if not isinstance(payload, dict) or not isinstance(payload.get("records", []), list):
        raise ManifestError(f"{path} must hold an object with a list of clip records under 'records'")
    return payload


def read_records(root: str | Path) -> list[dict[str, Any]]:
    """The per-clip records; empty for a folder without a manifest."""
    manifest = read_manifest(root)
    return [r for r in manifest.get("records", []) if isinstance(r, dict)] if manifest else []


def contrast_groups(root: str | Path) -> dict[str, tuple[int, str | None]]:
    """Clip id -> (its contrast group, what differs from its twin or None)."""
    return {r["id"]: (int(r["group"]), r.get("contrast")) for r in read_records(root) if "id" in r and "group" in r}


def clip_phases(root: str | Path) -> dict[str, tuple[PhaseSpan, ...]]:
    """Clip id -> its phases, for the clips whose every phase has its frames and initiator."""
    phases = {}
    for record in read_records(root):
        listed = record.get("phases") or []
        if "id" in record and listed and all({"start", "end", "initiator"} <= set(p) for p in listed):
            phases[record["id"]] = tuple(PhaseSpan(p.get("kind"), int(p["start"]), int(p["end"]), int(p["initiator"]))
                                         for p in listed)
    return phases


def held_out_ids(root: str | Path) -> set[str]:
    """Ids of the clips whose phases hold a held-out combination: an unordered pair of phase kinds
    listed in the manifest's ``held_out_pairs`` (the procedural writer keeps those pairs out of
    train and val, so such clips show combinations never seen in training); empty without a manifest."""
    manifest = read_manifest(root)
    pairs = [frozenset(p) for p in (manifest or {}).get("held_out_pairs", []) if isinstance(p, list | tuple)]
    if not pairs:
        return set()
    held = set()
    for record in read_records(root):
        kinds = {p.get("kind") for p in record.get("phases") or [] if isinstance(p, dict)}
        if "id" in record and any(pair <= kinds for pair in pairs):
            held.add(record["id"])
    return held


def clip_record(clip_id: str, index: int, group: int, contrast: str | None, frames: int, heights: list[float],
                phases: list[dict[str, Any]], captions: list[str]) -> dict[str, Any]:
    """One clip's record (the writer adds its ``split`` once the splits are drawn)."""
    return {"id": clip_id, "index": index, "group": group, "contrast": contrast, "frames": frames,
            "heights": heights, "phases": phases, "captions": captions}


def write_manifest(root: str | Path, records: list[dict[str, Any]], **header: Any) -> Path:
    """Write ``{**header, "records": records}`` atomically (sorted keys: the same data, the same bytes)."""
    payload = {**header, "records": records}
    return atomic_write_text(manifest_path(root), json.dumps(payload, indent=1, sort_keys=True) + "\n")
