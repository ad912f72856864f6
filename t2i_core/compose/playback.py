"""A compact store of a compose output's motions for playback only: what a shipped demo set carries.

The InterHuman-layout files of a compose run (two float32 (T, 492) arrays per candidate) are far too
large to ship; the browser page only needs to show a candidate. ``playback.npz`` holds every
candidate's joints as integer millimetres at 15 fps (the viewer interpolates nothing: it plays the
frames it gets at their own rate), concatenated with an offset table, each clip's frames after
its first stored as the change from the frame before (small numbers, which deflate well; exact):

    ids      (N,) unicode      candidate ids, in candidate order
    offsets  (N + 1,) int64    candidate i's frames are rows offsets[i]:offsets[i + 1]
    delta_mm (F, 2, 22, 3) int16   Y-up, canonical frame of person 1; a clip's first row absolute,
                                   the others frame-to-frame changes
    fps      () int64

``export_demo`` copies a compose output without its motions, journal and layout files and adds
this store; ``read_compose_output`` accepts the result, and the page plays from the store when a
candidate has no motion file. Training cannot use a demo set (it keeps no features).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from t2i_core.compose.output import (
    ALL_SPLIT,
    CANDIDATES_FILE,
    COMPOSE_FILE,
    EMBEDDINGS_FILE,
    KEPT_FILE,
    PROJECTION_FILE,
    REAL_FILE,
    THRESHOLDS_FILE,
    read_compose_output,
)
from t2i_core.data.clips import FeatureCache
from t2i_core.data.layout import InterHumanLayout
from t2i_core.io import load_npy_safely, save_npz
from t2i_core.motion.features import features_to_joints
from t2i_core.skeleton import FPS

PLAYBACK_FILE = "playback.npz"
PLAYBACK_FPS = 15
MAX_MM = np.iinfo(np.int16).max


def write_playback(folder: str | Path, ids: list[str], joints: list[np.ndarray], fps: int = PLAYBACK_FPS) -> Path:
    """``joints[i]`` (2, T, 22, 3) metres at 30 fps -> ``playback.npz`` at ``fps`` (a divisor of 30)."""
    if FPS % fps:
        raise ValueError(f"the playback rate must divide {FPS}, got {fps}")
    step = FPS // fps
    frames = [np.rint(np.asarray(j, dtype=np.float64)[:, ::step] * 1000.0).transpose(1, 0, 2, 3) for j in joints]
    stacked = np.concatenate(frames) if frames else np.zeros((0, 2, 22, 3))
    if np.abs(stacked).max(initial=0) > MAX_MM:
        raise ValueError("a joint lies more than 32 m from the origin: not storable in millimetres as int16")
    offsets = np.concatenate([[0], np.cumsum([len(f) for f in frames])]).astype(np.int64)
    deltas = np.concatenate([np.diff(f, axis=0, prepend=0) for f in frames]) if frames else stacked
    if np.abs(deltas).max(initial=0) > MAX_MM:
        raise ValueError("a joint moves more than 32 m between two frames: not storable as int16 millimetres")
    return save_npz(Path(folder) / PLAYBACK_FILE, compress=True, ids=np.array(ids, dtype=str), offsets=offsets,
                    delta_mm=deltas.astype(np.int16), fps=np.array(fps, dtype=np.int64))


class PlaybackStore:
    """Reads ``playback.npz`` (no pickles); ``joints(id)`` -> (2, T, 22, 3) metres and its fps."""

    def __init__(self, folder: str | Path):
        with np.load(Path(folder) / PLAYBACK_FILE, allow_pickle=False) as archive:
            self._ids = {str(i): n for n, i in enumerate(archive["ids"])}
            self._offsets = archive["offsets"]
            self._deltas = archive["delta_mm"]
            self.fps = int(archive["fps"])

    @staticmethod
    def present(folder: str | Path) -> bool:
        return (Path(folder) / PLAYBACK_FILE).is_file()

    def __contains__(self, clip_id: str) -> bool:
        return clip_id in self._ids

    def joints(self, clip_id: str) -> np.ndarray:
        if clip_id not in self._ids:
            raise ValueError(f"{clip_id} has no motion in this set's playback store")
        n = self._ids[clip_id]
        frames = np.cumsum(self._deltas[self._offsets[n]:self._offsets[n + 1]].astype(np.int32), axis=0)
        return frames.transpose(1, 0, 2, 3).astype(np.float32) / 1000.0


def export_demo(source: str | Path, destination: str | Path, fps: int = PLAYBACK_FPS,
                cache_dir: str | Path | None = None) -> Path:
    """A compose output without its motion files, with ``playback.npz`` instead (for shipping)."""
    output = read_compose_output(source)
    destination = Path(destination)
    if destination.exists():
        raise FileExistsError(f"{destination} exists: export into a new folder")
    staging = destination.with_name(f".{destination.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in (CANDIDATES_FILE, REAL_FILE, EMBEDDINGS_FILE, PROJECTION_FILE, THRESHOLDS_FILE, KEPT_FILE):
        shutil.copy2(output.root / name, staging / name)
    layout, cache = InterHumanLayout.open(output.root), FeatureCache(cache_dir)
    ids = [line.strip() for line in (layout.split_dir / f"{ALL_SPLIT}.txt").read_text().splitlines() if line.strip()]
    joints = [features_to_joints(load_npy_safely(cache.record(layout, i).features_path)) for i in ids]
    write_playback(staging, ids, joints, fps)
    shutil.copy2(output.root / COMPOSE_FILE, staging / COMPOSE_FILE)  # last: its presence marks a whole folder
    staging.rename(destination)
    return destination


__all__ = ["PLAYBACK_FILE", "PlaybackStore", "export_demo", "write_playback"]
