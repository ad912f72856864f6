import numpy as np
import pytest

from t2i_core.motion.kinematics import forward_kinematics
from t2i_core.motion.rotation import axis_angle_to_matrix, yaw_matrix
from t2i_core.motion.solver import solve_local_rotations
from t2i_core.skeleton import REST_OFFSETS


@pytest.mark.parametrize("yaw", [0.0, 2.0, -2.8])
def test_solved_pose_gives_the_joints_back_through_forward_kinematics(yaw):
    rng = np.random.default_rng(5)
    frames = 30
    t = np.arange(frames)[:, None, None] / 30.0
    phase = rng.uniform(0, 6, (1, 21, 3))
    local = axis_angle_to_matrix(rng.uniform(-0.5, 0.5, (1, 21, 3)) * np.sin(2 * np.pi * t + phase))
    root = np.stack([0.4 * t[:, 0, 0], np.full(frames, 0.9), np.zeros(frames)], axis=-1)
    joints = forward_kinematics(local, root, REST_OFFSETS * 1.05, root_rotations=yaw_matrix(yaw + t[:, 0, 0]))[0]
    pose = solve_local_rotations(joints)
    assert pose.local_rotations.shape == (frames, 22, 3, 3)
    assert np.allclose(np.linalg.det(pose.local_rotations), 1.0)
    assert np.abs(pose.positions() - joints).max() < 1e-6
