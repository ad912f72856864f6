"""InterHuman's raw per-person frame: 492 float columns, Z-up.

Columns ``[0:66]`` hold the 22 body joints' global positions and ``[186:312]`` the local 6D
rotations of joints 1..21 (see ``t2i_core.motion.rotation`` for the 6D layout). The other
columns (hands) are unused here and written as zeros.
"""

from __future__ import annotations

import numpy as np

from t2i_core.skeleton import NUM_JOINTS

RAW_DIM = 492
RAW_POSITIONS = slice(0, 66)
RAW_ROTATIONS = slice(186, 312)

# Z-up -> Y-up: p_yup = Z_TO_Y @ p_zup, i.e. (x, y, z) -> (x, z, -y).
Z_TO_Y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])


class RawFormatError(ValueError):
    """A raw motion array that is not (T, 492) finite floats."""


def validate_raw(raw: np.ndarray, name: str = "motion") -> None:
    if raw.ndim != 2 or raw.shape[1] != RAW_DIM:
        raise RawFormatError(f"{name}: expected shape (T, {RAW_DIM}), got {tuple(raw.shape)}")
    if not np.issubdtype(raw.dtype, np.floating):
        raise RawFormatError(f"{name}: expected a float array, got dtype {raw.dtype}")
    used = np.concatenate([raw[:, RAW_POSITIONS], raw[:, RAW_ROTATIONS]], axis=1)
    if not np.all(np.isfinite(used)):
        raise RawFormatError(f"{name}: contains NaN or infinite values")


def split_raw(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T, 492) Z-up -> Y-up positions (T, 22, 3) float64 and local 6D rotations (T, 21, 6)."""
    positions_zup = raw[:, RAW_POSITIONS].reshape(-1, NUM_JOINTS, 3).astype(np.float64)
    positions = positions_zup @ Z_TO_Y.T
    rotations = raw[:, RAW_ROTATIONS].reshape(-1, NUM_JOINTS - 1, 6).astype(np.float64)
    return positions, rotations


def make_raw(positions: np.ndarray, rot6d: np.ndarray, dtype=np.float32) -> np.ndarray:
    """Y-up positions (T, 22, 3) and local 6D rotations (T, 21, 6) -> a raw (T, 492) Z-up array."""
    frames = positions.shape[0]
    if positions.shape != (frames, NUM_JOINTS, 3) or rot6d.shape != (frames, NUM_JOINTS - 1, 6):
        raise ValueError(f"expected (T,22,3) and (T,21,6), got {positions.shape} and {rot6d.shape}")
    raw = np.zeros((frames, RAW_DIM), dtype=dtype)
    raw[:, RAW_POSITIONS] = (positions @ Z_TO_Y).reshape(frames, -1)  # inverse = transpose
    raw[:, RAW_ROTATIONS] = rot6d.reshape(frames, -1)
    return raw
