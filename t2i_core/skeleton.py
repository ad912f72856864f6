"""The 22-joint SMPL body skeleton shared by InterHuman, InterGen and the paper.

Coordinates are Y-up metres. In the rest pose a person faces +Z and their left side is +X,
so ``cross(up, r_hip - l_hip)`` points forward (+Z).
"""

from __future__ import annotations

import numpy as np

FPS = 30  # frames per second of every motion in the project (InterHuman's rate)
NUM_JOINTS = 22
NUM_BONES = 21

JOINT_NAMES: tuple[str, ...] = (
    "pelvis", "l_hip", "r_hip", "spine1", "l_knee", "r_knee", "spine2", "l_ankle",
    "r_ankle", "spine3", "l_foot", "r_foot", "neck", "l_collar", "r_collar", "head",
    "l_shoulder", "r_shoulder", "l_elbow", "r_elbow", "l_wrist", "r_wrist",
)
JOINT_INDEX: dict[str, int] = {name: i for i, name in enumerate(JOINT_NAMES)}

PARENTS: tuple[int, ...] = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19)

# Kinematic chains from the root outwards (21 bones in all).
CHAINS: tuple[tuple[int, ...], ...] = (
    (0, 2, 5, 8, 11),        # right leg
    (0, 1, 4, 7, 10),        # left leg
    (0, 3, 6, 9, 12, 15),    # spine and head
    (9, 14, 17, 19, 21),     # right arm
    (9, 13, 16, 18, 20),     # left arm
)

# Mirror pairs: RIGHT_JOINTS[k] <-> LEFT_JOINTS[k].
RIGHT_JOINTS: tuple[int, ...] = (2, 5, 8, 11, 14, 17, 19, 21)
LEFT_JOINTS: tuple[int, ...] = (1, 4, 7, 10, 13, 16, 18, 20)

LEFT_FOOT: tuple[int, int] = (7, 10)     # ankle, toe
RIGHT_FOOT: tuple[int, int] = (8, 11)
# Order of the 4 foot-contact channels of the 262-D feature.
FOOT_CONTACT_JOINTS: tuple[int, ...] = (7, 10, 8, 11)
HIPS: tuple[int, int] = (1, 2)           # (left, right): give the facing direction

# Bones as (parent, child) pairs, child order 1..21.
BONES: tuple[tuple[int, int], ...] = tuple((PARENTS[j], j) for j in range(1, NUM_JOINTS))


def mirror_permutation() -> np.ndarray:
    """Joint permutation that swaps every left joint with its right counterpart."""
    perm = np.arange(NUM_JOINTS)
    for right, left in zip(RIGHT_JOINTS, LEFT_JOINTS):
        perm[right], perm[left] = left, right
    return perm


# Rest-pose offsets of each joint from its parent (T-pose, Y-up, facing +Z, metres) for a
# person about 1.70 m tall. They approximate the SMPL neutral body; the procedural data set
# scales them per person. The root entry is unused (the root trajectory places the pelvis).
REST_OFFSETS = np.array(
    [
        [0.000, 0.000, 0.000],    # pelvis
        [0.065, -0.090, 0.000],   # l_hip
        [-0.065, -0.090, 0.000],  # r_hip
        [0.000, 0.110, -0.020],   # spine1
        [0.035, -0.385, 0.005],   # l_knee
        [-0.035, -0.385, 0.005],  # r_knee
        [0.000, 0.135, 0.010],    # spine2
        [-0.010, -0.400, -0.040], # l_ankle
        [0.010, -0.400, -0.040],  # r_ankle
        [0.000, 0.055, 0.005],    # spine3
        [0.020, -0.055, 0.120],   # l_foot
        [-0.020, -0.055, 0.120],  # r_foot
        [0.000, 0.215, -0.030],   # neck
        [0.075, 0.120, -0.010],   # l_collar
        [-0.075, 0.120, -0.010],  # r_collar
        [0.000, 0.090, 0.050],    # head
        [0.120, 0.045, -0.010],   # l_shoulder
        [-0.120, 0.045, -0.010],  # r_shoulder
        [0.260, 0.000, -0.020],   # l_elbow
        [-0.260, 0.000, -0.020],  # r_elbow
        [0.250, 0.000, 0.000],    # l_wrist
        [-0.250, 0.000, 0.000],   # r_wrist
    ],
    dtype=np.float64,
)
REST_OFFSETS.setflags(write=False)


def bone_lengths(joints: np.ndarray) -> np.ndarray:
    """Lengths of the 21 bones of ``joints`` shaped (..., 22, 3) -> (..., 21)."""
    parents = np.array([p for p, _ in BONES])
    children = np.array([c for _, c in BONES])
    return np.linalg.norm(joints[..., children, :] - joints[..., parents, :], axis=-1)
