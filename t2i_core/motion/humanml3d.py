"""HumanML3D's on-disk layout and 263-D feature (REFERENCE section 12), to and from our 262-D.

```
<root>/new_joint_vecs/<id>.npy   (T-1, 263) un-normalised, 20 fps (MoMask and MDM write this too)
<root>/new_joints/<id>.npy       (T-1, 22, 3) joint positions, Y-up, metres        (optional)
<root>/texts/<id>.txt            lines "caption#tokens#start#end"                    (optional)
<root>/{train,val,test}.txt      ids, one per line                                   (optional)
```

The 263 columns: root yaw velocity (1) | root x/z velocity in the root's heading frame (2) | root
height (1) | joints 1..21 relative to the root's x/z, in the heading frame (63) | local 6D rotations
of joints 1..21 (126) | velocities of all 22 joints in the heading frame (66) | foot contacts (4).
Conventions of the format, which our writer keeps so HumanML3D tools read its output:
- the heading frame of frame t turns the person's forward direction onto +Z; forward is
  ``up x across`` with ``across`` = (r_hip - l_hip) + (r_shoulder - l_shoulder), smoothed over time
  by a Gaussian of 20 frames;
- the yaw column holds *half* the change of the heading from t to t+1, negated (it is the y
  component's arcsin of the quaternion ``heading(t+1) * heading(t)^-1``); the root velocity of row t
  (from t to t+1) is expressed in frame t+1's heading, the joint velocities in frame t's;
- frame 0 is recovered at x = z = 0 facing +Z (the format's canonical frame);
- 6D rotations are the rotation matrix's first column followed by its second (unlike our 6D layout);
- foot contacts: squared frame-to-frame displacement below 0.002 m^2 (ankle, toe; left then right).

Reading goes through positions only: the rotation columns come from HumanML3D's own IK and are not
trusted; our rotations are solved from the positions after resampling 20 -> 30 fps. The rotations
our writer stores are our own solver's, not HumanML3D's IK.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.interpolate import make_interp_spline
from scipy.ndimage import gaussian_filter1d

from t2i_core.io import atomic_write_text, load_npy_safely, save_npy
from t2i_core.motion.features import person_features_from_joints
from t2i_core.motion.rotation import heading_angle, yaw_matrix
from t2i_core.motion.solver import solve_local_rotations
from t2i_core.skeleton import FOOT_CONTACT_JOINTS, FPS, HIPS, JOINT_INDEX, NUM_JOINTS

HUMANML3D_FPS = 20
VECTOR_DIM = 263
YAW_VELOCITY = 0
ROOT_VELOCITY = slice(1, 3)
ROOT_HEIGHT = 3
RELATIVE_JOINTS = slice(4, 67)
ROTATIONS = slice(67, 193)
JOINT_VELOCITIES = slice(193, 259)
CONTACTS = slice(259, 263)

VECTORS_DIR, JOINTS_DIR, TEXTS_DIR = "new_joint_vecs", "new_joints", "texts"
SPLITS = ("train", "val", "test")
HEADING_SMOOTHING = 20.0  # frames (sigma of the Gaussian), HumanML3D's
CONTACT_VELOCITY_SQ = 0.002
SHOULDERS = (JOINT_INDEX["l_shoulder"], JOINT_INDEX["r_shoulder"])


class HumanML3DFormatError(ValueError):
    """A HumanML3D-layout folder or array that cannot be read, with what is accepted."""


# -- arrays ----------------------------------------------------------------------------------------
def validate_vectors(vectors: np.ndarray, name: str = "vectors") -> np.ndarray:
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[1] != VECTOR_DIM:
        raise HumanML3DFormatError(
            f"{name}: expected HumanML3D vectors shaped (frames, {VECTOR_DIM}), got {tuple(vectors.shape)}")
    if not np.issubdtype(vectors.dtype, np.floating):
        raise HumanML3DFormatError(f"{name}: expected a float array, got dtype {vectors.dtype}")
    if vectors.shape[0] < 1:
        raise HumanML3DFormatError(f"{name}: has no frames")
    if not np.isfinite(vectors).all():
        raise HumanML3DFormatError(f"{name}: contains NaN or infinite values")
    return vectors.astype(np.float64)


def validate_joints(joints: np.ndarray, name: str = "joints") -> np.ndarray:
    joints = np.asarray(joints)
    if joints.ndim != 3 or joints.shape[1:] != (NUM_JOINTS, 3):
        raise HumanML3DFormatError(
            f"{name}: expected joint positions shaped (frames, {NUM_JOINTS}, 3), got {tuple(joints.shape)}")
    if not np.issubdtype(joints.dtype, np.floating):
        raise HumanML3DFormatError(f"{name}: expected a float array, got dtype {joints.dtype}")
    if not np.isfinite(joints).all():
        raise HumanML3DFormatError(f"{name}: contains NaN or infinite values")
    return joints.astype(np.float64)


def _rotate(angles: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Per-frame yaw rotation R_y(angles[t]) applied to vectors (T, ..., 3)."""
    R = yaw_matrix(angles)
    return np.einsum("tij,t...j->t...i", R, vectors)


def positions_from_vectors(vectors: np.ndarray) -> np.ndarray:
    """HumanML3D vectors (T, 263) -> global joint positions (T, 22, 3), frame 0 at x = z = 0 facing +Z."""
    v = validate_vectors(vectors)
    # Heading of each frame (ours: from +Z towards +X): minus twice the integrated half-angle.
    heading = -2.0 * np.concatenate([[0.0], np.cumsum(v[:-1, YAW_VELOCITY])])
    steps = np.zeros((v.shape[0], 3))
    steps[1:, [0, 2]] = v[:-1, ROOT_VELOCITY]
    root = np.cumsum(_rotate(heading, steps), axis=0)
    root[:, 1] = v[:, ROOT_HEIGHT]
    relative = _rotate(heading, v[:, RELATIVE_JOINTS].reshape(-1, NUM_JOINTS - 1, 3))
    relative[..., [0, 2]] += root[:, None, [0, 2]]
    return np.concatenate([root[:, None], relative], axis=1)


def heading_angles(positions: np.ndarray, smoothing: float = HEADING_SMOOTHING) -> np.ndarray:
    """HumanML3D's per-frame heading (T,) from hips and shoulders, smoothed over ``smoothing`` frames."""
    across = (positions[:, HIPS[1]] - positions[:, HIPS[0]]) + (
        positions[:, SHOULDERS[1]] - positions[:, SHOULDERS[0]])
    forward = np.cross(np.array([0.0, 1.0, 0.0]), across)
    if smoothing > 0:
        forward = gaussian_filter1d(forward, smoothing, axis=0, mode="nearest")
    forward[:, 1] = 0.0
    return np.unwrap(heading_angle(forward))


def _rot6d_columns(matrices: np.ndarray) -> np.ndarray:
    """HumanML3D's 6D: first column then second column of each matrix (..., 3, 3) -> (..., 6)."""
    return np.concatenate([matrices[..., :, 0], matrices[..., :, 1]], axis=-1)


def vectors_from_positions(positions: np.ndarray, smoothing: float = HEADING_SMOOTHING) -> np.ndarray:
    """Joint positions (T, 22, 3), Y-up metres, at 20 fps -> HumanML3D vectors (T-1, 263).

    The motion is put on the floor, moved so that frame 0's root is at x = z = 0 and turned so that
    frame 0's heading is +Z, as the format expects; ``positions_from_vectors`` gives those back.
    """
    P = validate_joints(positions, "positions")
    if P.shape[0] < 2:
        raise HumanML3DFormatError(f"positions: need at least 2 frames, got {P.shape[0]}")
    P = P.copy()
    P[..., 1] -= P[..., 1].min()
    heading = heading_angles(P, smoothing)
    P -= np.array([P[0, 0, 0], 0.0, P[0, 0, 2]])
    P = P @ yaw_matrix(-heading[0]).T
    heading = heading - heading[0]

    root = P[:, 0]
    yaw_velocity = -np.diff(heading) / 2.0
    root_velocity = _rotate(-heading[1:], root[1:] - root[:-1])[:, [0, 2]]
    relative = P[:, 1:].copy()
    relative[..., [0, 2]] -= root[:, None, [0, 2]]
    relative = _rotate(-heading, relative)
    rotations = _rot6d_columns(solve_local_rotations(P).local_rotations[:, 1:])
    joint_velocities = _rotate(-heading[:-1], P[1:] - P[:-1])
    feet = P[:, FOOT_CONTACT_JOINTS]
    contacts = (np.sum((feet[1:] - feet[:-1]) ** 2, axis=-1) < CONTACT_VELOCITY_SQ).astype(np.float64)
    frames = P.shape[0] - 1
    return np.concatenate(
        [
            yaw_velocity[:, None],
            root_velocity,
            root[:-1, 1:2],
            relative[:-1].reshape(frames, -1),
            rotations[:-1].reshape(frames, -1),
            joint_velocities.reshape(frames, -1),
            contacts,
        ],
        axis=-1,
    )


def resample_positions(positions: np.ndarray, source_fps: float, target_fps: float, order: int = 1) -> np.ndarray:
    """Positions (T, 22, 3) at ``source_fps`` -> the same span of time at ``target_fps``.

    ``order`` 1 (linear, default) never overshoots, so a foot at rest on the floor stays there;
    3 is a cubic spline.
    """
    positions = np.asarray(positions, dtype=np.float64)
    frames = positions.shape[0]
    if frames < 2:
        raise HumanML3DFormatError(f"resampling needs at least 2 frames, got {frames}")
    if order not in (1, 3) or (order == 3 and frames < 4):
        raise ValueError(f"order must be 1 (linear) or 3 (cubic, at least 4 frames); got {order} for {frames} frames")
    times = np.arange(frames) / source_fps
    count = math.floor((frames - 1) * target_fps / source_fps + 1e-9) + 1
    return make_interp_spline(times, positions, k=order, axis=0)(np.arange(count) / target_fps)


def features_from_humanml3d(positions: np.ndarray, fps: float = HUMANML3D_FPS) -> np.ndarray:
    """Joint positions (T, 22, 3) at ``fps`` (HumanML3D's 20) -> our 262-D features at 30 fps, float32.

    Resampled on positions, then our own feature and rotation solver (``person_features_from_joints``):
    the person alone, in its own canonical frame.
    """
    joints = resample_positions(validate_joints(positions, "positions"), fps, FPS)
    return person_features_from_joints(joints).astype(np.float32)


def frames_at_our_fps(frames: int, fps: float = HUMANML3D_FPS) -> int:
    """How many 262-D features a clip of ``frames`` positions at ``fps`` becomes (resampled, minus one)."""
    return math.floor((frames - 1) * FPS / fps + 1e-9)


# -- captions --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Caption:
    """One line of a texts/<id>.txt file; ``start == end == 0`` means the whole clip (seconds)."""

    text: str
    tokens: str
    start: float
    end: float

    @property
    def whole_clip(self) -> bool:
        return self.start == 0.0 and self.end == 0.0


def _seconds(value: str) -> float:
    number = float(value) if value.strip() else 0.0
    return 0.0 if math.isnan(number) else number


def parse_caption_line(line: str, where: str = "caption") -> Caption:
    """``caption#tokens#start#end`` (HumanML3D) or a bare caption (whole clip)."""
    parts = line.strip().split("#")
    if len(parts) == 1:
        return Caption(parts[0].strip(), "", 0.0, 0.0)
    if len(parts) < 4:
        raise HumanML3DFormatError(f"{where}: expected 'caption#tokens#start#end' or a bare caption, got {line!r}")
    text, tokens, start, end = "#".join(parts[:-3]).strip(), parts[-3], parts[-2], parts[-1]
    try:
        return Caption(text, tokens, _seconds(start), _seconds(end))
    except ValueError as error:
        raise HumanML3DFormatError(f"{where}: start and end must be seconds, got {start!r} and {end!r}") from error


def caption_lines(captions: list[Caption]) -> str:
    return "".join(f"{c.text}#{c.tokens}#{c.start:g}#{c.end:g}\n" for c in captions)


# -- the folder ------------------------------------------------------------------------------------
def _read_ids(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass(frozen=True)
class HumanML3DLayout:
    root: Path

    @classmethod
    def open(cls, root: str | Path) -> HumanML3DLayout:
        root = Path(root).expanduser().resolve()
        if not root.is_dir():
            raise HumanML3DFormatError(f"HumanML3D folder not found: {root}")
        if not (root / VECTORS_DIR).is_dir():
            raise HumanML3DFormatError(
                f"{root} has no {VECTORS_DIR}/ folder: a HumanML3D-layout folder holds {VECTORS_DIR}/<id>.npy "
                f"(263-D at 20 fps), optionally {JOINTS_DIR}/<id>.npy and {TEXTS_DIR}/<id>.txt")
        return cls(root)

    def vectors_file(self, clip_id: str) -> Path:
        return self.root / VECTORS_DIR / f"{clip_id}.npy"

    def joints_file(self, clip_id: str) -> Path:
        return self.root / JOINTS_DIR / f"{clip_id}.npy"

    def text_file(self, clip_id: str) -> Path:
        return self.root / TEXTS_DIR / f"{clip_id}.txt"

    def clip_ids(self, splits: tuple[str, ...] | None = None) -> list[str]:
        """Ids of the listed splits' files (``<root>/<split>.txt``), or every vectors file when None."""
        if splits is None:
            return sorted(p.stem for p in (self.root / VECTORS_DIR).glob("*.npy"))
        ids: list[str] = []
        for split in splits:
            path = self.root / f"{split}.txt"
            if not path.is_file():
                raise HumanML3DFormatError(f"split file not found: {path} (accepted splits: {', '.join(SPLITS)})")
            ids += _read_ids(path)
        return list(dict.fromkeys(ids))

    def vectors(self, clip_id: str) -> np.ndarray:
        path = self.vectors_file(clip_id)
        if not path.is_file():
            raise HumanML3DFormatError(f"missing vectors file {path}")
        try:
            array = load_npy_safely(path)
        except (ValueError, OSError) as error:
            raise HumanML3DFormatError(f"unreadable vectors file {path}: {error}") from error
        return validate_vectors(array, str(path.relative_to(self.root)))

    def frames(self, clip_id: str) -> int:
        """Frames of positions at 20 fps, read from the file header only."""
        path = self.joints_file(clip_id)
        if path.is_file():
            return int(load_npy_safely(path, mmap=True).shape[0])
        return int(load_npy_safely(self.vectors_file(clip_id), mmap=True).shape[0])

    def positions(self, clip_id: str) -> np.ndarray:
        """Global joint positions (T, 22, 3) at 20 fps: ``new_joints`` when present, else recovered from the vectors."""
        path = self.joints_file(clip_id)
        if path.is_file():
            try:
                array = load_npy_safely(path)
            except (ValueError, OSError) as error:
                raise HumanML3DFormatError(f"unreadable joints file {path}: {error}") from error
            return validate_joints(array, str(path.relative_to(self.root)))
        return positions_from_vectors(self.vectors(clip_id))

    def captions(self, clip_id: str) -> list[Caption]:
        path = self.text_file(clip_id)
        if not path.is_file():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        where = str(path.relative_to(self.root))
        return [parse_caption_line(line, f"{where} line {n}") for n, line in enumerate(lines, 1) if line.strip()]


def write_clip(root: str | Path, clip_id: str, positions: np.ndarray, captions: list[str | Caption],
               fps: float = FPS) -> Path:
    """Export one person's joints (T, 22, 3) at ``fps`` as a HumanML3D clip (vectors, joints, texts).

    Resampled to 20 fps; ``new_joints`` holds the positions the vectors give back, as HumanML3D's.
    Every file is written atomically.
    """
    root = Path(root)
    joints = validate_joints(positions, "positions")
    if fps != HUMANML3D_FPS:
        joints = resample_positions(joints, fps, HUMANML3D_FPS)
    vectors = vectors_from_positions(joints).astype(np.float32)
    save_npy(root / VECTORS_DIR / f"{clip_id}.npy", vectors)
    save_npy(root / JOINTS_DIR / f"{clip_id}.npy", positions_from_vectors(vectors).astype(np.float32))
    lines = [c if isinstance(c, Caption) else Caption(c, "", 0.0, 0.0) for c in captions]
    atomic_write_text(root / TEXTS_DIR / f"{clip_id}.txt", caption_lines(lines))
    return root
