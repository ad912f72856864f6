"""The adaptive interaction loss weights w_ij = 1 / (d_ij + eps) of a motion, for display.

The weights come from ``t2i_core.losses.adaptive_interaction_weights`` (the loss's own code), for
every frame; the views pick a frame, rank joint pairs and follow the strongest over time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from t2i_core.losses import ADAPTIVE_NORMALIZATIONS, adaptive_interaction_weights
from t2i_core.render.playback import check_joints
from t2i_core.skeleton import JOINT_NAMES, NUM_JOINTS


def interaction_weights(joints: np.ndarray, eps: float = 0.1, normalization: str = "none") -> np.ndarray:
    """Weights (T, 22, 22) of a pair's joints (2, T, 22, 3): [t, i, j] pairs person 1's joint i with person 2's j."""
    joints = check_joints(joints)
    if joints.shape[0] != 2:
        raise ValueError(f"interaction weights need exactly 2 persons, got {joints.shape[0]}")
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps}")
    if normalization not in ADAPTIVE_NORMALIZATIONS:
        raise ValueError(f"normalization must be one of {ADAPTIVE_NORMALIZATIONS}, got {normalization!r}")
    pair = torch.from_numpy(joints)
    return adaptive_interaction_weights(pair[0], pair[1], eps=float(eps), normalization=normalization).numpy()


@dataclass(frozen=True)
class JointPair:
    i: int  # joint of person 1
    j: int  # joint of person 2
    weight: float

    @property
    def label(self) -> str:
        return f"P1 {JOINT_NAMES[self.i]} – P2 {JOINT_NAMES[self.j]}"


def top_pairs(weights: np.ndarray, k: int) -> list[JointPair]:
    """The ``k`` largest entries of one frame's (22, 22) map, strongest first."""
    if weights.shape != (NUM_JOINTS, NUM_JOINTS):
        raise ValueError(f"one frame's weights must be (22, 22), got {weights.shape}")
    k = max(1, min(int(k), weights.size))
    flat = np.argsort(weights, axis=None)[::-1][:k]
    return [JointPair(int(f // NUM_JOINTS), int(f % NUM_JOINTS), float(weights.flat[f])) for f in flat]


def strongest_over_clip(weights: np.ndarray, k: int) -> list[JointPair]:
    """The ``k`` pairs with the largest peak weight over the clip (T, 22, 22); weight = that peak."""
    return top_pairs(weights.max(axis=0), k)
