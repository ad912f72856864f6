"""Figures of a single-person corpus, and its plausibility beside a two-person set.

    python -m training.build_solo --report SOLO_DIR [--compare TWO_PERSON_DIR] [--limit N]

Prints the corpus's size and action coverage, and per folder (the first ``limit`` clips, at
30 fps) the physical measures of ``t2i_core.metrics``: bone-length deviation, floor penetration,
foot skating, the largest pelvis rise; and the pelvis rise of every airborne solo action.
The solo clips are read back from ``new_joints`` (20 fps, resampled to 30 as the converter
does), so what is measured is what a reader of the corpus gets.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np

from t2i_core.data.layout import DataFolderError, InterHumanLayout
from t2i_core.data.procedural.interactions import PHASES
from t2i_core.data.procedural.solo import SOLO_ACTIONS
from t2i_core.data.procedural.solo_writer import MANIFEST
from t2i_core.data.procedural.timeline import FPS
from t2i_core.io import load_npy_safely
from t2i_core.metrics import bone_length_error, floor_penetration, foot_skating_ratio
from t2i_core.motion.humanml3d import HUMANML3D_FPS, HumanML3DLayout, resample_positions
from t2i_core.motion.raw import split_raw

PELVIS = 0


class ReportError(ValueError):
    """A folder the report cannot read, with what it expects."""


def _measures(tracks: list[np.ndarray]) -> dict[str, float]:
    """Means over single-person tracks (T, 22, 3) at 30 fps."""
    return {
        "tracks": len(tracks),
        "bone_mm": 1000 * float(np.mean([bone_length_error(t) for t in tracks])),
        "floor_mm": 1000 * float(np.mean([floor_penetration(t) for t in tracks])),
        "skating": float(np.mean([foot_skating_ratio(t) for t in tracks])),
        "rise_max_m": float(max(t[:, PELVIS, 1].max() - t[0, PELVIS, 1] for t in tracks)),
        "rise_p95_m": float(np.percentile([t[:, PELVIS, 1].max() - t[0, PELVIS, 1] for t in tracks], 95)),
    }


def _solo_tracks(root: Path, records: list[dict]) -> list[np.ndarray]:
    layout = HumanML3DLayout.open(root)
    return [resample_positions(layout.positions(r["id"]), HUMANML3D_FPS, FPS) for r in records]


def _two_person_tracks(root: Path, limit: int) -> list[np.ndarray]:
    layout = InterHumanLayout.open(root)
    ids = sorted(p.stem for p in layout.motion_dir(1).glob("*.npy"))[:limit]
    if not ids:
        raise ReportError(f"{root} has no motions_processed/person1/*.npy: --compare takes an InterHuman-layout folder")
    return [split_raw(load_npy_safely(layout.motion_file(i, p)))[0] for i in ids for p in (1, 2)]


def _row(name: str, m: dict[str, float]) -> str:
    return (f"{name:<14}{m['tracks']:>7}{m['bone_mm']:>12.3f}{m['floor_mm']:>12.3f}{m['skating']:>10.3f}"
            f"{m['rise_p95_m']:>11.3f}{m['rise_max_m']:>11.3f}")


def report(root: Path, compare: Path | None = None, limit: int = 600) -> str:
    root = Path(root).expanduser().resolve()
    path = root / MANIFEST
    if not path.is_file():
        raise ReportError(f"{path} not found: --report takes a folder written by training.build_solo")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    records = manifest["records"]
    sources = Counter(r["source"] for r in records)
    solo_kinds = Counter(a["kind"] for r in records if r["source"] == "solo" for a in r["actions"])
    phase_kinds = Counter(a["kind"] for r in records if r["source"] == "phase" for a in r["actions"])
    seconds = np.array([r["frames"] for r in records]) / FPS
    lines = [
        f"corpus {root.name}: {len(records)} clips (seed {manifest['seed']}; "
        + ", ".join(f"{k} {v}" for k, v in manifest["splits"].items()) + "), "
        + ", ".join(f"{k} {v}" for k, v in sorted(sources.items())),
        f"action kinds: {len(SOLO_ACTIONS)} solo + {len(PHASES)} interaction phases = "
        f"{len(SOLO_ACTIONS) + len(PHASES)}; "
        f"present: {len(solo_kinds)} solo, {len(phase_kinds)} phases",
        f"solo action occurrences per kind: min {min(solo_kinds.values(), default=0)}, "
        f"max {max(solo_kinds.values(), default=0)}; clip length {seconds.mean():.1f} s "
        f"(range {seconds.min():.1f}-{seconds.max():.1f} s)",
        "",
        f"plausibility over the first {limit} clips of each folder (30 fps; bone = mean |length - median| in mm, "
        "floor = mean depth below the floor in mm, skating = share of low foot frames moving > 0.75 m/s, "
        "rise = largest pelvis rise over the first frame in m):",
        f"{'':<14}{'tracks':>7}{'bone mm':>12}{'floor mm':>12}{'skating':>10}{'rise p95':>11}{'rise max':>11}",
    ]
    measured = records[:limit]
    tracks = _solo_tracks(root, measured)
    lines.append(_row(root.name[:13], _measures(tracks)))
    if compare is not None:
        try:
            lines.append(_row(Path(compare).name[:13], _measures(_two_person_tracks(Path(compare), limit))))
        except DataFolderError as error:
            raise ReportError(str(error)) from error
    jumps: dict[str, list[float]] = {}
    for r, t in zip(measured, tracks):
        for a in r["actions"] if r["source"] == "solo" else []:
            if SOLO_ACTIONS[a["kind"]].airborne:
                span = t[a["start"]:min(a["end"], len(t)), PELVIS, 1]
                if len(span):
                    jumps.setdefault(a["kind"], []).append(float(span.max() - span[0]))
    lines += ["", "pelvis rise during airborne actions (m): kind, count, min, mean, max"]
    for kind, rises in sorted(jumps.items()):
        lines.append(f"  {kind:<18}{len(rises):>5}{min(rises):>8.3f}{np.mean(rises):>8.3f}{max(rises):>8.3f}")
    return "\n".join(lines)
