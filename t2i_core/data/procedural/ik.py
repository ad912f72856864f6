"""Two-bone IK, bone frames and look-at, vectorised over frames.

A limb (upper bone a, lower bone b) is solved in the plane spanned by the root->target direction
and a pole vector: the middle joint (elbow, knee) is pushed towards the pole. The global rotation
of each bone is the rotation taking its rest frame (rest bone direction, rest hinge axis) to its
posed frame (posed direction, posed hinge axis), so the elbow and knee turn about one hinge axis
only and the limb twist follows the pole.
"""

from __future__ import annotations

import numpy as np

from t2i_core.motion.rotation import axis_angle_to_matrix


def normalize(v: np.ndarray, fallback: np.ndarray | None = None) -> np.ndarray:
    norm = np.linalg.norm(v, axis=-1, keepdims=True)
    out = v / np.maximum(norm, 1e-9)
    if fallback is not None:
        bad = norm[..., 0] < 1e-6
        if np.any(bad):
            out[bad] = np.broadcast_to(fallback, out.shape)[bad]
    return out


def frame(primary: np.ndarray, secondary: np.ndarray) -> np.ndarray:
    """Orthonormal frame (columns) with x = primary, z = secondary made orthogonal to x."""
    x = normalize(primary)
    z = normalize(secondary - np.sum(secondary * x, axis=-1, keepdims=True) * x)
    y = np.cross(z, x)
    return np.stack([x, y, z], axis=-1)


def align(rest_dir, rest_axis, direction, axis) -> np.ndarray:
    """Rotation mapping (rest_dir, rest_axis) onto (direction, axis): (..., 3, 3)."""
    posed = frame(direction, axis)
    rest = frame(np.asarray(rest_dir, float), np.asarray(rest_axis, float))
    return posed @ np.swapaxes(rest, -1, -2)


def rot_x(angle) -> np.ndarray:
    angle = np.asarray(angle, dtype=np.float64)
    return axis_angle_to_matrix(angle[..., None] * np.array([1.0, 0.0, 0.0]))


def rot_y(angle) -> np.ndarray:
    angle = np.asarray(angle, dtype=np.float64)
    return axis_angle_to_matrix(angle[..., None] * np.array([0.0, 1.0, 0.0]))


def rot_z(angle) -> np.ndarray:
    angle = np.asarray(angle, dtype=np.float64)
    return axis_angle_to_matrix(angle[..., None] * np.array([0.0, 0.0, 1.0]))


def two_bone_ik(root: np.ndarray, target: np.ndarray, len_a: float, len_b: float, pole: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Middle and end joint positions reaching ``target`` from ``root``; (T, 3) arrays.

    Returns (middle, end, hinge_axis). An unreachable target leaves the limb straight towards it
    (``end`` then differs from ``target``). The hinge axis n satisfies: the lower bone is the
    upper bone turned by a positive angle about n.
    """
    d = target - root
    dist = np.linalg.norm(d, axis=-1)
    dn = normalize(d, fallback=np.array([0.0, -1.0, 0.0]))
    dist_c = np.clip(dist, abs(len_a - len_b) + 1e-4, (len_a + len_b) * 0.99999)
    p = pole - np.sum(pole * dn, axis=-1, keepdims=True) * dn
    # A pole along the limb: fall back to any perpendicular direction.
    alt = np.cross(dn, np.array([0.0, 0.0, 1.0]))
    alt = np.where(np.linalg.norm(alt, axis=-1, keepdims=True) < 1e-3, np.cross(dn, [1.0, 0.0, 0.0]), alt)
    p = np.where(np.linalg.norm(p, axis=-1, keepdims=True) < 1e-6, alt, p)
    p = normalize(p)
    cos_a = np.clip((len_a**2 + dist_c**2 - len_b**2) / (2.0 * len_a * dist_c), -1.0, 1.0)
    sin_a = np.sqrt(1.0 - cos_a**2)
    middle = root + dn * (len_a * cos_a)[..., None] + p * (len_a * sin_a)[..., None]
    end = root + dn * dist_c[..., None]
    hinge = normalize(np.cross(p, dn))
    return middle, end, hinge


def limb_rotations(root, middle, end, hinge, rest_upper, rest_lower, rest_hinge
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Global rotations (T, 3, 3) of the upper and lower bones of a solved limb.

    ``rest_upper``/``rest_lower`` are the rest offsets of the middle and end joints (what the
    upper and lower bones' rotations turn) and ``rest_hinge`` the hinge axis in the rest pose.
    """
    upper = align(rest_upper, rest_hinge, middle - root, hinge)
    lower = align(rest_lower, rest_hinge, end - middle, hinge)
    return upper, lower


def look_angles(direction_local: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(yaw, pitch) of local directions (T, 3): yaw about +Y from +Z, pitch positive = down."""
    x, y, z = direction_local[..., 0], direction_local[..., 1], direction_local[..., 2]
    yaw = np.arctan2(x, z)
    pitch = np.arctan2(-y, np.hypot(x, z))
    return yaw, pitch
