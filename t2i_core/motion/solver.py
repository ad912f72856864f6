"""Local joint rotations solved from one person's joint positions alone.

The rest pose is the T-pose of ``REST_OFFSETS`` facing +Z, each bone scaled to the person's median
length over the clip. Local rotations follow ``kinematics.forward_kinematics``: ``R_j`` turns the
offsets of j's children, so the solved pose run through FK gives the joints back.

Nothing assumes which way the person faces:
- a joint with several children (the pelvis: hips + spine; spine3: neck + collars) gets the
  rotation that best maps its children's rest offsets onto their actual directions (Kabsch, SVD);
  the offsets of those children are then refined to the person's median shape in that frame, so
  an approximate rest triangle leaves no constant error;
- a joint with one child gets the *swing* that turns the bone's rest direction onto its actual
  direction in the parent's frame: no twist of its own, so the twist is the parent's and stays
  continuous. Where the bone points nearly opposite to its rest direction (the swing axis is
  undefined there) the swing is taken from the previous frame's rotation instead;
- end joints (feet, head, wrists) keep their parent's orientation.

Used by the BVH writer and wherever rotations must be rebuilt from positions (the HumanML3D
converter, whose own rotation columns are not trusted).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from t2i_core.motion.kinematics import forward_kinematics
from t2i_core.skeleton import NUM_JOINTS, PARENTS, REST_OFFSETS

CHILDREN = [[c for c in range(NUM_JOINTS) if PARENTS[c] == j] for j in range(NUM_JOINTS)]
_ANTIPODAL_COS = -0.97  # swing angle above ~166 degrees: follow the previous frame instead


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True).clip(1e-12)


def swing_matrix(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The smallest rotation turning unit vectors u onto v (..., 3) -> (..., 3, 3); u, v not opposite."""
    axis = np.cross(u, v)
    c = np.sum(u * v, axis=-1)[..., None, None]
    K = np.zeros((*axis.shape[:-1], 3, 3))
    K[..., 0, 1], K[..., 0, 2], K[..., 1, 2] = -axis[..., 2], axis[..., 1], -axis[..., 0]
    K[..., 1, 0], K[..., 2, 0], K[..., 2, 1] = axis[..., 2], -axis[..., 1], axis[..., 0]
    return np.eye(3) + K + (K @ K) / (1.0 + c).clip(1e-9)


def kabsch(rest: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """Rotations R (T, 3, 3) minimising sum |R rest_k - actual_tk|^2; rest (K, 3), actual (T, K, 3)."""
    H = np.einsum("ki,tkj->tij", rest, actual)
    U, _, Vt = np.linalg.svd(H)
    d = np.sign(np.linalg.det(np.swapaxes(Vt, -1, -2) @ np.swapaxes(U, -1, -2)))
    D = np.zeros_like(H)
    D[:, 0, 0], D[:, 1, 1], D[:, 2, 2] = 1.0, 1.0, d
    return np.swapaxes(Vt, -1, -2) @ D @ np.swapaxes(U, -1, -2)


@dataclass
class SolvedPose:
    """Rest offsets (22, 3), root positions (T, 3) and local rotations (T, 22, 3, 3), root included."""

    offsets: np.ndarray
    root_positions: np.ndarray
    local_rotations: np.ndarray

    def positions(self) -> np.ndarray:
        """Forward kinematics of this pose: (T, 22, 3)."""
        return forward_kinematics(self.local_rotations, self.root_positions, self.offsets)[0]


def solve_local_rotations(joints: np.ndarray) -> SolvedPose:
    """A rest skeleton and local rotations that reproduce one person's joints (T, 22, 3) (metres, Y-up)."""
    P = np.asarray(joints, dtype=np.float64)
    if P.ndim != 3 or P.shape[1:] != (NUM_JOINTS, 3) or P.shape[0] < 1:
        raise ValueError(f"joints must be (frames, {NUM_JOINTS}, 3), got {P.shape}")
    if not np.isfinite(P).all():
        raise ValueError("joints contain NaN or infinite values")
    frames = P.shape[0]
    parents = np.array(PARENTS[1:])
    lengths = np.median(np.linalg.norm(P[:, 1:] - P[:, parents], axis=-1), axis=0)
    offsets = np.zeros((NUM_JOINTS, 3))
    offsets[1:] = _unit(REST_OFFSETS[1:]) * lengths[:, None]

    G = np.zeros((frames, NUM_JOINTS, 3, 3))
    local = np.zeros_like(G)
    for j in range(NUM_JOINTS):
        parent_rot = np.broadcast_to(np.eye(3), (frames, 3, 3)) if j == 0 else G[:, PARENTS[j]]
        children = CHILDREN[j]
        if len(children) > 1:
            actual = P[:, children] - P[:, [j]]
            rot = kabsch(offsets[children], actual)
            # Refine the children's rest offsets to this person's median shape seen from j.
            seen = np.einsum("tji,tkj->tki", rot, actual)
            offsets[children] = np.median(seen, axis=0)
            G[:, j] = kabsch(offsets[children], actual)
            local[:, j] = np.swapaxes(parent_rot, -1, -2) @ G[:, j]
        elif len(children) == 1:
            child = children[0]
            u = _unit(offsets[child])
            target = _unit(np.einsum("tji,tj->ti", parent_rot, P[:, child] - P[:, j]))
            local[:, j] = _swing_sequence(np.broadcast_to(u, target.shape), target)
            G[:, j] = parent_rot @ local[:, j]
        else:
            local[:, j] = np.eye(3)
            G[:, j] = parent_rot
    return SolvedPose(offsets, P[:, 0].copy(), local)


def _swing_sequence(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Swings u_t -> v_t per frame; near-opposite frames swing on from the previous frame's rotation."""
    out = swing_matrix(u, v)
    bad = np.flatnonzero(np.sum(u * v, axis=-1) < _ANTIPODAL_COS)
    for t in bad:
        if t == 0:  # no previous frame: half-turn about the axis closest to the rest direction's normal
            helper = np.array([0.0, 0.0, 1.0]) if abs(u[0, 2]) < 0.9 else np.array([1.0, 0.0, 0.0])
            first = swing_matrix(u[0], _unit(np.cross(u[0], helper)))
            out[0] = swing_matrix(first @ u[0], v[0]) @ first
        else:
            previous = out[t - 1]
            out[t] = swing_matrix(_unit(previous @ u[t]), v[t]) @ previous
    return out
