"""Reading a visitor's motion file back: our own ``.npz`` export or a BVH with our 22-joint naming.

The reverse of ``export.py`` for the reaction page: one person's motion as 262-D features. Every
refusal is a ``MotionFileError`` that says what was wrong and what is accepted, and never names
the file's server path. Nothing is unpickled (``allow_pickle=False``) and the sizes an ``.npz``
claims are checked before any member is loaded.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from t2i_core.motion.features import FEATURE_DIM, person_features_from_joints
from t2i_core.render.bvh import read_bvh
from t2i_core.skeleton import JOINT_NAMES, NUM_JOINTS

MAX_FILE_BYTES = 64 * 2**20      # a 300-frame pair is well under 1 MiB
MAX_MEMBER_BYTES = 256 * 2**20   # what an .npz member may claim uncompressed
ACCEPTED = (f"accepted: our .npz export (a 'features' (persons, frames, {FEATURE_DIM}) or 'joints' "
            f"(persons, frames, {NUM_JOINTS}, 3) array) or a BVH with our {NUM_JOINTS}-joint skeleton, as the "
            f"Generate page downloads them")


class MotionFileError(ValueError):
    """A file that is not a usable motion (the text never names a server path)."""


def _features_of_every_frame(joints: np.ndarray) -> np.ndarray:
    """Features (T, 262) of all T frames of positions (T, 22, 3).

    A feature frame holds a position and the velocity to the next one, so T positions give T-1
    frames; the file's last frame is kept by continuing its last velocity one frame on.
    """
    if joints.shape[0] < 2:
        raise MotionFileError("the motion has fewer than 2 frames")
    joints = np.concatenate([joints, 2 * joints[-1:] - joints[-2:-1]], axis=0)
    return person_features_from_joints(joints)


def _person(array: np.ndarray, person: int, tail: tuple[int, ...], what: str) -> np.ndarray:
    if array.ndim == len(tail) + 1:
        array = array[None]
    if array.ndim != len(tail) + 2 or array.shape[2:] != tail:
        got = "x".join(str(n) for n in array.shape)
        if what == "joints" and array.ndim >= 2 and array.shape[-1] == 3 and array.shape[-2] != NUM_JOINTS:
            raise MotionFileError(f"the motion has {array.shape[-2]} joints; this model's skeleton has {NUM_JOINTS}")
        raise MotionFileError(f"'{what}' has shape {got}; expected (persons, frames, "
                              f"{', '.join(str(n) for n in tail)})")
    if not 1 <= person <= array.shape[0]:
        raise MotionFileError(f"the file holds {array.shape[0]} person(s); person {person} was asked for")
    motion = np.asarray(array[person - 1], dtype=np.float64)
    if not np.isfinite(motion).all():
        raise MotionFileError(f"'{what}' holds NaN or infinite values")
    return motion


def _npz(path: Path, person: int) -> np.ndarray:
    try:
        with zipfile.ZipFile(path) as archive:
            sizes = {info.filename: info.file_size for info in archive.infolist()}
    except (zipfile.BadZipFile, OSError):
        raise MotionFileError(f"not a readable .npz archive; {ACCEPTED}") from None
    for key in ("features", "joints"):
        if sizes.get(f"{key}.npy", 0) > MAX_MEMBER_BYTES:
            raise MotionFileError(f"'{key}' claims {sizes[f'{key}.npy']:,} bytes: too large for one motion")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if "features" in archive.files:
                return _person(archive["features"], person, (FEATURE_DIM,), "features")
            if "joints" in archive.files:
                joints = _person(archive["joints"], person, (NUM_JOINTS, 3), "joints")
                return _features_of_every_frame(joints)
    except MotionFileError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile):  # objects refused, damaged members
        raise MotionFileError(f"the .npz holds no plain numeric arrays; {ACCEPTED}") from None
    raise MotionFileError(f"the .npz has neither a 'features' nor a 'joints' array; {ACCEPTED}")


def _bvh(path: Path) -> np.ndarray:
    try:
        text = path.read_text(encoding="utf-8")
        motion = read_bvh(text) if "HIERARCHY" in text else None
    except UnicodeDecodeError:
        raise MotionFileError(f"not a text BVH file; {ACCEPTED}") from None
    except (ValueError, IndexError, KeyError):
        raise MotionFileError(f"not a valid BVH file; {ACCEPTED}") from None
    if motion is None:
        raise MotionFileError(f"not a BVH file (no HIERARCHY section); {ACCEPTED}")
    if sorted(motion.names) != sorted(JOINT_NAMES):
        unknown = [n for n in motion.names if n not in JOINT_NAMES][:5]
        raise MotionFileError(f"a BVH of another skeleton ({len(motion.names)} joints"
                              f"{', e.g. ' + ', '.join(unknown) if unknown else ''}); expected our {NUM_JOINTS} "
                              f"joints: {', '.join(JOINT_NAMES)}")
    positions = motion.positions()
    order = [motion.names.index(n) for n in JOINT_NAMES]
    joints = positions[:, order]
    if not np.isfinite(joints).all():
        raise MotionFileError("the BVH motion holds NaN or infinite values")
    return _features_of_every_frame(joints)


def read_person_motion(path: str | Path, person: int = 1) -> np.ndarray:
    """One person's features (T, 262) from an ``.npz`` export or a BVH, or MotionFileError."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise MotionFileError("the uploaded file cannot be read") from None
    if size == 0:
        raise MotionFileError(f"the file is empty; {ACCEPTED}")
    if size > MAX_FILE_BYTES:
        raise MotionFileError(f"the file is {size / 2**20:.0f} MiB; a motion file is at most "
                              f"{MAX_FILE_BYTES // 2**20} MiB")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        features = _npz(path, person)
    elif suffix == ".bvh":
        features = _bvh(path)
    else:
        raise MotionFileError(f"files ending in {suffix or '(nothing)'} are not read; {ACCEPTED}")
    if features.shape[0] < 1:
        raise MotionFileError("the motion has no frames")
    return features
