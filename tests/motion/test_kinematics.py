import numpy as np

from t2i_core.motion.kinematics import forward_kinematics, local_from_global
from t2i_core.motion.rotation import axis_angle_to_matrix
from t2i_core.skeleton import (
    BONES,
    CHAINS,
    JOINT_NAMES,
    LEFT_JOINTS,
    NUM_JOINTS,
    PARENTS,
    REST_OFFSETS,
    RIGHT_JOINTS,
    bone_lengths,
    mirror_permutation,
)


def test_skeleton_tables_are_consistent():
    assert len(JOINT_NAMES) == len(PARENTS) == NUM_JOINTS == 22
    assert sum(len(chain) - 1 for chain in CHAINS) == len(BONES) == 21
    for chain in CHAINS:
        for parent, child in zip(chain[:-1], chain[1:]):
            assert PARENTS[child] == parent
    for right, left in zip(RIGHT_JOINTS, LEFT_JOINTS):
        assert JOINT_NAMES[right].replace("r_", "") == JOINT_NAMES[left].replace("l_", "")
    perm = mirror_permutation()
    assert np.array_equal(perm[perm], np.arange(NUM_JOINTS))


def test_rest_pose_fk_gives_the_offsets():
    root = np.array([[0.3, 0.93, -0.2]])
    positions, _ = forward_kinematics(np.broadcast_to(np.eye(3), (1, 21, 3, 3)), root)
    for j in range(1, NUM_JOINTS):
        assert np.allclose(positions[0, j] - positions[0, PARENTS[j]], REST_OFFSETS[j])


def test_fk_keeps_bone_lengths_and_inverts():
    rng = np.random.default_rng(0)
    local = axis_angle_to_matrix(rng.normal(0, 0.6, size=(10, 21, 3)))
    root_rot = axis_angle_to_matrix(rng.normal(0, 1.0, size=(10, 3)))
    positions, global_rot = forward_kinematics(local, rng.normal(size=(10, 3)), root_rotations=root_rot)
    rest_lengths = np.linalg.norm(REST_OFFSETS[1:], axis=-1)
    assert np.allclose(bone_lengths(positions), rest_lengths)
    recovered = local_from_global(global_rot)
    assert np.allclose(recovered[:, 1:], local)
    assert np.allclose(recovered[:, 0], root_rot)
