"""Builders of small test data in InterHuman's exact on-disk layout (made by the tests)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from t2i_core.motion.kinematics import forward_kinematics
from t2i_core.motion.raw import make_raw
from t2i_core.motion.rotation import axis_angle_to_matrix, matrix_to_rot6d, yaw_matrix
from t2i_core.skeleton import REST_OFFSETS

FLOOR = 0.02  # both persons stand on the same (slightly raised) floor in the raw world


def random_person(rng: np.random.Generator, frames: int, start_xz, yaw0: float) -> tuple[np.ndarray, np.ndarray]:
    """A smoothly moving person: Y-up world positions (T, 22, 3) and local 6D (T, 21, 6)."""
    t = np.arange(frames)[:, None, None] / 30.0
    amplitude = rng.uniform(0.05, 0.4, size=(1, 21, 3))
    frequency = rng.uniform(0.3, 1.5, size=(1, 21, 3))
    phase = rng.uniform(0, 2 * np.pi, size=(1, 21, 3))
    local = axis_angle_to_matrix(amplitude * np.sin(2 * np.pi * frequency * t + phase))
    yaw = yaw0 + rng.uniform(-0.5, 0.5) * t[:, 0, 0]
    root_rot = yaw_matrix(yaw)
    speed = rng.uniform(0.0, 1.0)
    heading = root_rot @ np.array([0.0, 0.0, 1.0])
    root = np.zeros((frames, 3))
    root[:, [0, 2]] = np.asarray(start_xz) + np.cumsum(heading[:, [0, 2]] * speed / 30.0, axis=0)
    root[:, 1] = 0.93 + 0.02 * np.sin(2 * np.pi * 1.7 * t[:, 0, 0])
    positions, _ = forward_kinematics(local, root, root_rotations=root_rot)
    positions[..., 1] += FLOOR - positions[..., 1].min()
    return positions, matrix_to_rot6d(local)


def random_raw_pair(seed: int, frames: int = 60) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p1, r1 = random_person(rng, frames, rng.uniform(-2, 2, size=2), rng.uniform(-np.pi, np.pi))
    p2, r2 = random_person(rng, frames, rng.uniform(-2, 2, size=2), rng.uniform(-np.pi, np.pi))
    return make_raw(p1, r1), make_raw(p2, r2)


CAPTIONS = (
    "one person waves with the left hand, the other turns counterclockwise.",
    "a person raises the left arm while the partner spins to the left.",
    "the first person greets with the left hand and the second one rotates.",
)


def write_clip(root: Path, clip_id: str, raw1: np.ndarray, raw2: np.ndarray, captions=CAPTIONS,
               individual: bool = True) -> None:
    for person, raw in ((1, raw1), (2, raw2)):
        folder = root / "motions_processed" / f"person{person}"
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / f"{clip_id}.npy", raw)
    (root / "annots").mkdir(parents=True, exist_ok=True)
    (root / "annots" / f"{clip_id}.txt").write_text("\n".join(captions) + "\n")
    if individual:
        for person, text in ((1, "a person waves the left hand."), (2, "a person turns around.")):
            folder = root / "annots_individual" / f"person{person}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{clip_id}.txt").write_text(f"{text}\n{text}\n{text}\n")


def build_folder(root: Path, splits: dict[str, list[str]], frames: dict[str, int] | None = None,
                 split_in_root: bool = False, ignore: list[str] | None = None) -> Path:
    """A folder in InterHuman's layout with valid clips for every listed id."""
    frames = frames or {}
    all_ids = sorted({i for ids in splits.values() for i in ids})
    for n, clip_id in enumerate(all_ids):
        write_clip(root, clip_id, *random_raw_pair(n, frames.get(clip_id, 60)))
    split_dir = root if split_in_root else root / "split"
    split_dir.mkdir(parents=True, exist_ok=True)
    for split, ids in splits.items():
        (split_dir / f"{split}.txt").write_text("\n".join(ids) + "\n")
    if ignore:
        (split_dir / "ignore_list.txt").write_text("\n".join(ignore) + "\n")
    return root


def write_caption_folder(root: Path, captions: dict[str, list[str]],
                         individual: dict[str, tuple[list[str], list[str]]] | None = None,
                         records: list[dict] | None = None) -> Path:
    """Captions only (no motions): ``annots/<id>.txt``, optional per-person captions and a manifest."""
    import json

    (root / "annots").mkdir(parents=True, exist_ok=True)
    for clip_id, lines in captions.items():
        (root / "annots" / f"{clip_id}.txt").write_text("\n".join(lines) + "\n")
    for clip_id, persons in (individual or {}).items():
        for person, lines in zip((1, 2), persons):
            folder = root / "annots_individual" / f"person{person}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{clip_id}.txt").write_text("\n".join(lines) + "\n")
    if records is not None:
        (root / "manifest.json").write_text(json.dumps({"records": records}))
    return root


PAPER_DEFAULTS = {"delta": 0.5, "r_min": 0.2, "r_max": 1.0, "k": 3}
FILTERED_DEFAULTS = {"delta": 0.5, "r_min": 0.2, "r_max": 1.0, "k": 3, "person_delta": 0.3, "max_penetration": None,
                     "max_jitter": 5.0, "max_foot_skating": None}


def build_compose_output(out: Path, real_folder: Path, count: int = 12, seed: int = 0,
                         defaults: dict | None = None, filters: bool = False) -> Path:
    """A small InterCompose output (docs/compose_format.md) written by the format's own writers: random
    motions and scores, candidate 2 unsplittable, its ``real`` naming ``real_folder`` (clips r0, r1, ...);
    ``defaults``: the run's thresholds recorded in compose.json (default delta 0.5, radii 0.2-1.0).
    ``filters``: also the per-person and physical columns (person1_cosine 0.05 i, person2_cosine 0.6 - 0.02 i,
    penetration 0.01 i, jitter 1 + 0.5 i, foot_skating 0.05 (i mod 5); NaN for candidate 2), the real data's
    physical percentiles, and the run's defaults ``FILTERED_DEFAULTS`` (person δ 0.3, jitter at most 5)."""
    import pandas as pd

    from t2i_core.compose.filters import Thresholds, statuses
    from t2i_core.compose.output import candidate_id, write_candidate_motion, write_output
    from t2i_core.motion.features import process_pair

    rng = np.random.default_rng(seed)
    real_ids = [f"r{i}" for i in range(4)]
    build_folder(real_folder, {"train": real_ids})
    rows = []
    for i in range(count):
        motion = i != 2
        cid = candidate_id(i)
        description = f"scene {i}: one person waves, the other bows"
        rows.append({"id": cid, "index": i, "description": description, "theme": ("greeting", "dance")[i % 2],
                     "tags": "slow", "prompt1": "a person waves" if motion else "",
                     "prompt2": "a person bows" if motion else "", "person1_source": "generated:joint",
                     "seed": 100 + i, "frames": 30 if motion else 0,
                     "cosine": 0.3 + 0.05 * i if motion else np.nan, "distance": 0.1 * (i + 1) if motion else np.nan,
                     "status": "", "reason": "" if motion else "no second clause", "novel": False})
        if filters:
            measured = {"person1_cosine": 0.05 * i, "person2_cosine": 0.6 - 0.02 * i, "penetration": 0.01 * i,
                        "jitter": 1.0 + 0.5 * i, "foot_skating": 0.05 * (i % 5)}
            rows[-1].update({k: v if motion else np.nan for k, v in measured.items()})
        if motion:
            features, _ = process_pair(*random_raw_pair(10 + i, frames=31))
            write_candidate_motion(out, cid, features, description, "a person waves", "a person bows")
    thresholds = Thresholds.from_json(FILTERED_DEFAULTS if filters else PAPER_DEFAULTS)
    frame = pd.DataFrame(rows)
    extra = {}
    if filters:
        extra = {"person_cosine": frame[["person1_cosine", "person2_cosine"]].to_numpy(),
                 "physical": {m: frame[m].to_numpy() for m in ("penetration", "jitter", "foot_skating")}}
    frame["status"] = statuses(frame["cosine"].to_numpy(), frame["distance"].to_numpy(),
                               (frame["frames"] > 0).to_numpy(), thresholds, **extra)
    real_rows = [{"id": r, "caption": CAPTIONS[0], "theme": "greeting", "tags": ""} for r in real_ids]
    projection = {"synthetic": rng.normal(size=(count, 2)), "real": rng.normal(size=(len(real_ids), 2)) + 3}
    projection["synthetic"][2] = np.nan
    embeddings = {"synthetic": rng.normal(size=(count, 4)), "real": rng.normal(size=(len(real_ids), 4)),
                  "synthetic_text": rng.normal(size=(count, 4))}
    info = {"set_id": "feedc0ffee", "config": {"seed": seed}, "real": str(real_folder),
            "defaults": defaults or (FILTERED_DEFAULTS if filters else PAPER_DEFAULTS)}
    if filters:
        info["real_physical_percentiles"] = {"penetration": {"p50": 0.02, "p99": 0.2},
                                             "jitter": {"p50": 2.0, "p99": 9.0},
                                             "foot_skating": {"p50": 0.1, "p99": 0.3}}
    return write_output(out, info, frame, real_rows, embeddings, projection, thresholds)


def rigid_walking_person(seed: int, frames: int = 40, yaw: float = 0.0, scale: float = 1.1,
                         amplitude: float = 0.6) -> np.ndarray:
    """A rigid person (T, 22, 3) by FK, turning and walking, facing ``yaw`` (0 = +Z) at frame 0."""
    rng = np.random.default_rng(seed)
    t = np.arange(frames)[:, None, None] / 30.0
    phase = rng.uniform(0, 6, (1, 21, 3))
    local = axis_angle_to_matrix(rng.uniform(-amplitude, amplitude, (1, 21, 3)) * np.sin(2 * np.pi * 0.8 * t + phase))
    root_rot = yaw_matrix(yaw + 0.3 * t[:, 0, 0]) @ axis_angle_to_matrix(np.array([0.2, 0.0, 0.1]))
    root = np.stack([0.5 * t[:, 0, 0], np.full(frames, 0.95), np.zeros(frames) - 1.0], axis=-1)
    # A person whose rest triangle differs a little from REST_OFFSETS: the refinement must absorb it.
    offsets = REST_OFFSETS * scale + rng.normal(0, 0.01, REST_OFFSETS.shape)
    return forward_kinematics(local, root, offsets, root_rotations=root_rot)[0]


def solo_folder(root: Path, splits: dict[str, list[str]], frames: int = 50) -> Path:
    """A HumanML3D-layout folder of rigid walking persons (20 fps), one caption naming the left side."""
    from t2i_core.motion.humanml3d import HUMANML3D_FPS
    from t2i_core.motion.humanml3d import write_clip as write_humanml3d_clip

    for split, ids in splits.items():
        for k, clip_id in enumerate(ids):
            joints = rigid_walking_person(100 + k + 17 * len(split), frames=frames, yaw=0.4 * k)
            write_humanml3d_clip(root, clip_id, joints,
                                 [f"a person walks {clip_id} and raises the left arm.", f"someone walks ({clip_id})."],
                                 fps=HUMANML3D_FPS)
        (root / f"{split}.txt").write_text("".join(f"{i}\n" for i in ids))
    return root
