import numpy as np
import pytest

from t2i_core.motion.kinematics import forward_kinematics
from t2i_core.motion.rotation import axis_angle_to_matrix
from t2i_core.render.bvh import (
    bvh_text,
    channel_order,
    euler_to_matrix,
    matrix_to_euler,
    read_bvh,
    solve_rotations,
    write_bvh,
)
from t2i_core.skeleton import JOINT_NAMES, PARENTS, REST_OFFSETS
from tests.fixtures import rigid_walking_person as person

ORDERS = ["XYZ", "XZY", "YXZ", "YZX", "ZXY", "ZYX"]


def by_name(bvh) -> np.ndarray:
    return bvh.positions()[:, [bvh.names.index(n) for n in JOINT_NAMES]]


@pytest.mark.parametrize("order", ORDERS)
def test_euler_round_trip_including_gimbal_lock(order):
    rng = np.random.default_rng(1)
    angles = rng.uniform(-np.pi, np.pi, (200, 3)) * [1, 0.5, 1]
    locked = np.array([[0.4, np.pi / 2, -0.7], [-1.2, -np.pi / 2, 0.3]])
    for a in (angles, locked):
        R = euler_to_matrix(a, order)
        assert np.allclose(euler_to_matrix(matrix_to_euler(R, order), order), R, atol=1e-6)


@pytest.mark.parametrize("yaw", [0.0, np.pi / 2, -np.pi / 2, np.pi], ids=["+Z", "+X", "-X", "-Z"])
def test_written_bvh_reproduces_the_joints_whichever_way_the_person_faces(tmp_path, yaw):
    joints = person(0, yaw=yaw)
    path = write_bvh(tmp_path / "p.bvh", joints)
    bvh = read_bvh(path)
    assert len(bvh.names) == 22 and bvh.frames == 40 and bvh.frame_time == pytest.approx(1 / 30)
    assert [bvh.parents[bvh.names.index(n)] for n in JOINT_NAMES[1:]] == [
        bvh.names.index(JOINT_NAMES[p]) for p in PARENTS[1:]]
    error = np.linalg.norm(by_name(bvh) - joints, axis=-1)
    assert error.max() < 0.01  # well inside the 1-2 cm the format's 5 decimals allow


@pytest.mark.parametrize("yaw", [0.0, np.pi / 2, -np.pi / 2, np.pi])
def test_root_rotation_faces_where_the_person_faces(yaw):
    joints = person(3, frames=2, yaw=yaw, amplitude=0.0)
    motion = solve_rotations(joints)
    forward = motion.local_rotations[0, 0] @ np.array([0.0, 0.0, 1.0])
    hips = joints[0, 2] - joints[0, 1]  # left -> right hip... forward = up x (right - left)
    expected = np.cross([0.0, 1.0, 0.0], hips)
    expected /= np.linalg.norm(expected)
    assert np.dot(forward[[0, 2]] / np.linalg.norm(forward[[0, 2]]), expected[[0, 2]]) > 0.99


def test_rest_pose_is_a_t_pose_at_the_persons_scale():
    joints = person(4, scale=1.2)
    motion = solve_rotations(joints)
    lengths = np.linalg.norm(motion.offsets[1:], axis=-1)
    real = np.median(np.linalg.norm(joints[:, 1:] - joints[:, list(PARENTS[1:])], axis=-1), axis=0)
    assert np.allclose(lengths, real, atol=1e-6)
    arm = [JOINT_NAMES.index(n) for n in ("l_elbow", "l_wrist")]
    assert np.allclose(motion.offsets[arm, 1:], 0.0, atol=0.03 * 1.2)  # arms out along +X: a T-pose


def test_twist_stays_continuous_when_a_forearm_folds_back():
    """The elbow folds past 170 degrees, where a swing axis is undefined: rotations stay smooth."""
    frames = 60
    local = np.tile(np.eye(3), (frames, 21, 1, 1))
    elbow = JOINT_NAMES.index("l_elbow") - 1
    bend = np.linspace(0.0, np.radians(178), frames)
    local[:, elbow] = axis_angle_to_matrix(np.stack([np.zeros(frames), -bend, np.zeros(frames)], axis=-1))
    root = np.tile([0.0, 0.95, 0.0], (frames, 1))
    joints = forward_kinematics(local, root, REST_OFFSETS)[0]
    motion = solve_rotations(joints)
    steps = np.linalg.norm(np.diff(motion.local_rotations, axis=0), axis=(-2, -1)).max()
    assert steps < 0.2  # no flip from one frame to the next
    bvh = read_bvh(bvh_text(joints))
    assert np.linalg.norm(by_name(bvh) - joints, axis=-1).max() < 0.01


def test_channel_orders_and_bad_input():
    assert channel_order(0) == "YXZ"
    assert channel_order(JOINT_NAMES.index("l_elbow")) == "ZXY"
    assert channel_order(JOINT_NAMES.index("l_knee")) == "ZYX"
    with pytest.raises(ValueError, match="joints must be"):
        solve_rotations(np.zeros((5, 21, 3)))
    with pytest.raises(ValueError, match="NaN"):
        solve_rotations(np.full((5, 22, 3), np.nan))
    with pytest.raises(ValueError, match="not a BVH"):
        read_bvh("HIERARCHY but no motion")
