"""Write single-person clips in HumanML3D's on-disk layout (REFERENCE section 12).

    <out>/new_joint_vecs/<id>.npy     (T-1, 263) at 20 fps   } by ``motion.humanml3d.write_clip``,
    <out>/new_joints/<id>.npy         (T-1, 22, 3) at 20 fps } the project's one HumanML3D writer
    <out>/texts/<id>.txt              "caption#tokens#0#0" lines, one per caption (3 or more)
    <out>/{train,val,test}.txt        ids, one per line
    <out>/Mean.npy, <out>/Std.npy     (263,) float32 over the train split's frames
    <out>/solo_manifest.json          generator, seed, per-clip source and action labels (30 fps frames)

Tokens are the caption's words tagged ``/OTHER``: we have no part-of-speech tagger, and
HumanML3D's word vectoriser treats unknown tags as OTHER, so the tags carry no information.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from t2i_core.data.procedural.solo_corpus import SOLO_VERSION, SoloClip
from t2i_core.data.procedural.timeline import FPS
from t2i_core.io import atomic_write_text, load_npy_safely, save_npy
from t2i_core.motion.humanml3d import SPLITS, VECTOR_DIM, VECTORS_DIR, Caption, write_clip

SPLIT_SHARES = {"train": 0.80, "val": 0.05, "test": 0.15}   # HumanML3D's proportions
MANIFEST = "solo_manifest.json"
STD_FLOOR = 1e-5   # a column constant over the train split is divided by this, not by zero


def clip_id(index: int) -> str:
    return f"{index:06d}"


def tokens(text: str) -> str:
    return " ".join(f"{w}/OTHER" for w in re.findall(r"[a-z0-9']+", text.lower()))


def split_of(seed: int, index: int) -> str:
    """Each clip's split from (seed, index) alone, so a corpus is a prefix of a larger one."""
    u = float(np.random.default_rng([seed, index, 2]).random())
    if u < SPLIT_SHARES["train"]:
        return "train"
    return "val" if u < SPLIT_SHARES["train"] + SPLIT_SHARES["val"] else "test"


def split_ids(seed: int, clips: int) -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {name: [] for name in SPLITS}
    for i in range(clips):
        ids[split_of(seed, i)].append(clip_id(i))
    return ids


def write_solo_clip(root: Path, clip: SoloClip) -> dict:
    """Write one clip's vectors, joints and texts; returns its manifest record."""
    captions = [Caption(c, tokens(c), 0.0, 0.0) for c in clip.captions]
    write_clip(root, clip_id(clip.index), clip.positions, captions, fps=FPS)
    return {"id": clip_id(clip.index), "index": clip.index, "source": clip.source, "frames": int(clip.frames),
            "height": round(clip.height, 4), "actions": clip.actions, "captions": clip.captions}


def vector_stats(root: Path, ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per-column mean and std (263,) over every frame of the listed clips."""
    total = np.zeros(VECTOR_DIM)
    squares = np.zeros(VECTOR_DIM)
    count = 0
    for cid in ids:
        v = load_npy_safely(Path(root) / VECTORS_DIR / f"{cid}.npy").astype(np.float64)
        total += v.sum(axis=0)
        squares += (v * v).sum(axis=0)
        count += v.shape[0]
    mean = total / count
    std = np.sqrt(np.maximum(squares / count - mean * mean, 0.0))
    return mean.astype(np.float32), np.maximum(std, STD_FLOOR).astype(np.float32)


def write_solo_index(root: Path, records: list[dict], seed: int) -> dict[str, list[str]]:
    """Split files, Mean/Std over train, and the manifest; returns ids per split."""
    root = Path(root)
    records = sorted(records, key=lambda r: r["index"])
    ids = split_ids(seed, len(records))
    for name, members in ids.items():
        atomic_write_text(root / f"{name}.txt", "".join(f"{m}\n" for m in members))
    mean, std = vector_stats(root, ids["train"])
    save_npy(root / "Mean.npy", mean)
    save_npy(root / "Std.npy", std)
    split = {m: name for name, members in ids.items() for m in members}
    header = {"generator": "t2i_core.data.procedural.solo_corpus", "version": SOLO_VERSION, "seed": seed,
              "clips": len(records), "fps_of_frames": FPS, "splits": {k: len(v) for k, v in ids.items()}}
    body = {**header, "records": [{**r, "split": split[r["id"]]} for r in records]}
    atomic_write_text(root / MANIFEST, json.dumps(body, indent=1) + "\n")
    return ids
