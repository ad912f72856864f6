import numpy as np

from t2i_core.motion.rotation import (
    axis_angle_to_matrix,
    heading_angle,
    matrix_to_axis_angle,
    matrix_to_rot6d,
    rot6d_to_matrix,
    yaw_matrix,
)


def random_rotations(n=200, seed=0):
    return axis_angle_to_matrix(np.random.default_rng(seed).normal(size=(n, 3)))


def test_rot6d_round_trip():
    rotations = random_rotations()
    assert np.allclose(rot6d_to_matrix(matrix_to_rot6d(rotations)), rotations, atol=1e-10)


def test_rot6d_of_noisy_input_is_a_rotation():
    noisy = matrix_to_rot6d(random_rotations()) + np.random.default_rng(1).normal(0, 0.1, size=(200, 6))
    matrices = rot6d_to_matrix(noisy)
    assert np.allclose(matrices @ np.swapaxes(matrices, -1, -2), np.eye(3), atol=1e-10)
    assert np.allclose(np.linalg.det(matrices), 1.0)


def test_mirror_rule_negates_components_1_2_4():
    rotations = random_rotations()
    reflect = np.diag([-1.0, 1.0, 1.0])
    rule = matrix_to_rot6d(rotations) * np.array([1, -1, -1, 1, -1, 1])
    assert np.allclose(matrix_to_rot6d(reflect @ rotations @ reflect), rule)


def test_axis_angle_round_trip_including_near_pi():
    vectors = np.random.default_rng(2).normal(size=(100, 3))
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True) * np.linspace(0.0, np.pi - 1e-9, 100)[:, None]
    back = axis_angle_to_matrix(matrix_to_axis_angle(axis_angle_to_matrix(vectors)))
    assert np.allclose(back, axis_angle_to_matrix(vectors), atol=1e-6)


def test_yaw_and_heading_agree():
    for angle in np.linspace(-3, 3, 13):
        forward = yaw_matrix(angle) @ np.array([0.0, 0.0, 1.0])
        assert np.isclose(heading_angle(forward), angle)
