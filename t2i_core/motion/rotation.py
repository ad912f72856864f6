"""Rotation helpers: 6D <-> matrix, axis-angle, rotations about the vertical axis.

6D convention. A rotation matrix R is stored as its first two *columns*, flattened row by
row: ``[R00, R01, R10, R11, R20, R21]`` (``R[..., :, :2].reshape(6)``). This is the one layout
for which InterGen's mirror rule "negate components 1, 2, 4" is the exact reflection
``S R S`` with ``S = diag(-1, 1, 1)``; our tests check that identity.
"""

from __future__ import annotations

import numpy as np


def matrix_to_rot6d(matrix: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotation matrices -> (..., 6)."""
    return matrix[..., :, :2].reshape(*matrix.shape[:-2], 6).copy()


def rot6d_to_matrix(rot6d: np.ndarray) -> np.ndarray:
    """(..., 6) -> (..., 3, 3) by Gram-Schmidt on the two stored columns."""
    pairs = rot6d.reshape(*rot6d.shape[:-1], 3, 2)
    a1, a2 = pairs[..., 0], pairs[..., 1]
    b1 = a1 / np.linalg.norm(a1, axis=-1, keepdims=True).clip(1e-8)
    a2 = a2 - np.sum(b1 * a2, axis=-1, keepdims=True) * b1
    b2 = a2 / np.linalg.norm(a2, axis=-1, keepdims=True).clip(1e-8)
    b3 = np.cross(b1, b2)
    return np.stack([b1, b2, b3], axis=-1)


def axis_angle_to_matrix(axis_angle: np.ndarray) -> np.ndarray:
    """Rodrigues: (..., 3) rotation vectors -> (..., 3, 3)."""
    axis_angle = np.asarray(axis_angle, dtype=np.float64)
    angle = np.linalg.norm(axis_angle, axis=-1, keepdims=True)
    axis = axis_angle / np.where(angle < 1e-12, 1.0, angle)
    x, y, z = axis[..., 0], axis[..., 1], axis[..., 2]
    c, s = np.cos(angle[..., 0]), np.sin(angle[..., 0])
    C = 1.0 - c
    return np.stack(
        [
            np.stack([c + x * x * C, x * y * C - z * s, x * z * C + y * s], axis=-1),
            np.stack([y * x * C + z * s, c + y * y * C, y * z * C - x * s], axis=-1),
            np.stack([z * x * C - y * s, z * y * C + x * s, c + z * z * C], axis=-1),
        ],
        axis=-2,
    )


def matrix_to_axis_angle(matrix: np.ndarray) -> np.ndarray:
    """(..., 3, 3) -> (..., 3) rotation vectors (angle in [0, pi])."""
    trace = matrix[..., 0, 0] + matrix[..., 1, 1] + matrix[..., 2, 2]
    angle = np.arccos(np.clip((trace - 1.0) / 2.0, -1.0, 1.0))
    vec = np.stack(
        [
            matrix[..., 2, 1] - matrix[..., 1, 2],
            matrix[..., 0, 2] - matrix[..., 2, 0],
            matrix[..., 1, 0] - matrix[..., 0, 1],
        ],
        axis=-1,
    )
    sin = np.sin(angle)
    small = sin < 1e-6
    axis = vec / np.where(small, 1.0, 2.0 * sin)[..., None]
    # Near pi the antisymmetric part vanishes: read the axis from the symmetric part instead.
    near_pi = small & (angle > 1.0)
    if np.any(near_pi):
        sym = (matrix[near_pi] + np.eye(3)) / 2.0
        diag = np.diagonal(sym, axis1=-2, axis2=-1)
        k = np.argmax(diag, axis=-1)
        col = np.take_along_axis(sym, k[:, None, None].repeat(3, axis=1), axis=2)[..., 0]
        axis_pi = col / np.linalg.norm(col, axis=-1, keepdims=True)
        axis[near_pi] = axis_pi
    axis = np.where((small & ~near_pi)[..., None], vec / 2.0, axis)
    angle = np.where(small & ~near_pi, 1.0, angle)
    return axis * angle[..., None]


def yaw_matrix(angle: np.ndarray | float) -> np.ndarray:
    """Rotation(s) about +Y by ``angle`` radians: (...,) -> (..., 3, 3)."""
    angle = np.asarray(angle, dtype=np.float64)
    c, s = np.cos(angle), np.sin(angle)
    zero, one = np.zeros_like(angle), np.ones_like(angle)
    return np.stack(
        [
            np.stack([c, zero, s], axis=-1),
            np.stack([zero, one, zero], axis=-1),
            np.stack([-s, zero, c], axis=-1),
        ],
        axis=-2,
    )


def heading_angle(forward: np.ndarray) -> np.ndarray:
    """Yaw of a horizontal direction measured from +Z towards +X: (..., 3) -> (...)."""
    return np.arctan2(forward[..., 0], forward[..., 2])
