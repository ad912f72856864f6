"""Forward kinematics on the 22-joint skeleton.

Local rotation ``R_j`` of joint j turns the offsets of j's children (SMPL convention), so
``G_j = G_parent(j) @ R_j`` and ``p_j = p_parent(j) + G_parent(j) @ offset_j``. InterHuman stores
local 6D rotations for joints 1..21 only; the root's rotation is given separately.
"""

from __future__ import annotations

import numpy as np

from t2i_core.skeleton import NUM_JOINTS, PARENTS, REST_OFFSETS


def forward_kinematics(
    local_rotations: np.ndarray,
    root_positions: np.ndarray,
    offsets: np.ndarray = REST_OFFSETS,
    root_rotations: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Joint positions and global rotations from local rotations and a root trajectory.

    Args:
        local_rotations: (T, 21, 3, 3) local rotations of joints 1..21, or (T, 22, 3, 3)
            including the root (then ``root_rotations`` must be None).
        root_positions: (T, 3) pelvis positions.
        offsets: (22, 3) rest offsets from each joint's parent (row 0 unused).
        root_rotations: (T, 3, 3) global root orientation; identity when omitted.

    Returns:
        positions (T, 22, 3) and global rotations (T, 22, 3, 3).
    """
    local_rotations = np.asarray(local_rotations, dtype=np.float64)
    frames = local_rotations.shape[0]
    if local_rotations.shape[1] == NUM_JOINTS:
        if root_rotations is not None:
            raise ValueError("root rotation given twice: in local_rotations[:, 0] and root_rotations")
        root_rotations = local_rotations[:, 0]
        local_rotations = local_rotations[:, 1:]
    elif local_rotations.shape[1] != NUM_JOINTS - 1:
        raise ValueError(f"local_rotations must be (T, 21 or 22, 3, 3), got {local_rotations.shape}")
    if root_rotations is None:
        root_rotations = np.broadcast_to(np.eye(3), (frames, 3, 3))
    offsets = np.asarray(offsets, dtype=np.float64)

    global_rot = np.empty((frames, NUM_JOINTS, 3, 3))
    positions = np.empty((frames, NUM_JOINTS, 3))
    global_rot[:, 0] = root_rotations
    positions[:, 0] = root_positions
    for j in range(1, NUM_JOINTS):
        parent = PARENTS[j]
        positions[:, j] = positions[:, parent] + global_rot[:, parent] @ offsets[j]
        global_rot[:, j] = global_rot[:, parent] @ local_rotations[:, j - 1]
    return positions, global_rot


def local_from_global(global_rotations: np.ndarray) -> np.ndarray:
    """Inverse of the rotation part of FK: (T, 22, 3, 3) global -> (T, 22, 3, 3) local."""
    local = np.empty_like(global_rotations)
    local[:, 0] = global_rotations[:, 0]
    for j in range(1, NUM_JOINTS):
        parent_rot = global_rotations[:, PARENTS[j]]
        local[:, j] = np.swapaxes(parent_rot, -1, -2) @ global_rotations[:, j]
    return local
