"""Motion -> the compact JSON the browser viewer plays.

Joints are sent as integers in millimetres (2 persons x 300 frames x 66 numbers is ~250 kB of
JSON), together with the bones, per-person colours and limb radii, the frame rate and the floor
height, so the viewer needs nothing else.
"""

from __future__ import annotations

import json

import numpy as np

from t2i_core.skeleton import BONES, FPS, JOINT_INDEX, JOINT_NAMES, NUM_JOINTS

# Distinct, colour-blind-safe colours per person (blue, orange), then extras for more persons.
PERSON_COLORS = ("#3b82f6", "#f97316", "#10b981", "#a855f7")
HEAD = JOINT_INDEX["head"]

# Limb radii in metres by the child joint of each bone: thick legs and spine, thin forearms.
_RADIUS_BY_NAME = {
    "l_hip": 0.075, "r_hip": 0.075, "spine1": 0.10, "spine2": 0.11, "spine3": 0.11, "neck": 0.055,
    "l_knee": 0.065, "r_knee": 0.065, "l_ankle": 0.05, "r_ankle": 0.05, "l_foot": 0.04, "r_foot": 0.04,
    "l_collar": 0.06, "r_collar": 0.06, "l_shoulder": 0.055, "r_shoulder": 0.055,
    "l_elbow": 0.045, "r_elbow": 0.045, "l_wrist": 0.038, "r_wrist": 0.038, "head": 0.05,
}
BONE_RADII = tuple(_RADIUS_BY_NAME[JOINT_NAMES[child]] for _, child in BONES)
HEAD_RADIUS = 0.11
# Extra capsules from each hip to the shoulder above it: with the spine they make a torso.
FLANKS = ((JOINT_INDEX["l_hip"], JOINT_INDEX["l_shoulder"], 0.06),
          (JOINT_INDEX["r_hip"], JOINT_INDEX["r_shoulder"], 0.06))


def check_joints(joints: np.ndarray) -> np.ndarray:
    """(P, T, 22, 3) finite joints as float64, or a ValueError saying what is wrong."""
    joints = np.asarray(joints, dtype=np.float64)
    if joints.ndim != 4 or joints.shape[-2:] != (NUM_JOINTS, 3) or joints.shape[1] < 1:
        raise ValueError(f"joints must be (persons, frames, {NUM_JOINTS}, 3), got {joints.shape}")
    if not np.isfinite(joints).all():
        raise ValueError("joints contain NaN or infinite values")
    return joints


def playback_data(joints: np.ndarray, fps: int = FPS, title: str = "",
                  names: tuple[str, ...] | None = None) -> dict:
    """The viewer's input for persons' joints (P, T, 22, 3) in metres, Y-up."""
    joints = check_joints(joints)
    persons, frames = joints.shape[:2]
    names = names or tuple(f"Person {i + 1}" for i in range(persons))
    millimetres = np.rint(joints * 1000.0).astype(np.int64)
    return {
        "version": 1,
        "title": title,
        "fps": int(fps),
        "frames": int(frames),
        "bones": [[int(p), int(c)] for p, c in BONES],
        "radii": [round(r, 3) for r in BONE_RADII],
        "head": HEAD,
        "head_radius": HEAD_RADIUS,
        "flanks": [[a, b, r] for a, b, r in FLANKS],
        "floor": round(float(joints[..., 1].min()), 3) if joints.size else 0.0,
        "persons": [
            {"name": names[i], "color": PERSON_COLORS[i % len(PERSON_COLORS)],
             "joints": millimetres[i].reshape(-1).tolist()}
            for i in range(persons)
        ],
    }


def playback_json(joints: np.ndarray, fps: int = FPS, title: str = "", names: tuple[str, ...] | None = None) -> str:
    """``playback_data`` as compact JSON text."""
    return json.dumps(playback_data(joints, fps, title, names), separators=(",", ":"))


def joints_from_playback(data: dict) -> np.ndarray:
    """Inverse of ``playback_data``: (P, T, 22, 3) metres, for checks and tests."""
    frames = data["frames"]
    return np.array([p["joints"] for p in data["persons"]], dtype=np.float64).reshape(-1, frames, NUM_JOINTS, 3) / 1000
