import numpy as np
import pytest

from t2i_core.motion.features import (
    CONTACTS,
    FEATURE_DIM,
    ROTATIONS,
    VELOCITIES,
    facing_direction,
    features_from_positions,
    features_to_joints,
    foot_contacts,
    person_features_from_joints,
    positions_with_next_frame,
    process_pair,
    recanonicalize,
    swap_persons,
)
from t2i_core.motion.kinematics import forward_kinematics
from t2i_core.motion.raw import RAW_DIM, make_raw, split_raw
from t2i_core.motion.rotation import rot6d_to_matrix
from t2i_core.motion.solver import solve_local_rotations
from t2i_core.skeleton import FOOT_CONTACT_JOINTS
from tests.fixtures import random_raw_pair


@pytest.fixture(params=[0, 1, 2])
def raw_pair(request):
    return random_raw_pair(request.param, frames=50)


def inter_person_distances(joints_pair):
    return np.linalg.norm(joints_pair[0][:, :, None] - joints_pair[1][:, None, :], axis=-1)


def test_shape_and_canonical_frame(raw_pair):
    features, _ = process_pair(*raw_pair)
    assert features.shape == (2, 49, FEATURE_DIM)
    joints = features_to_joints(features)
    assert np.allclose(joints[0, 0, 0, [0, 2]], 0.0, atol=1e-9)
    assert np.allclose(facing_direction(joints[0, 0]), [0.0, 0.0, 1.0], atol=1e-9)
    full = positions_with_next_frame(features)
    for person in range(2):
        assert np.isclose(full[person, ..., 1].min(), 0.0, atol=1e-9)


def test_pair_geometry_survives_processing(raw_pair):
    features, transform = process_pair(*raw_pair)
    world = np.stack([split_raw(raw)[0] for raw in raw_pair])[:, :-1]
    joints = features_to_joints(features)
    assert np.allclose(inter_person_distances(joints), inter_person_distances(world), atol=1e-5)
    # features -> joints -> source world reproduces the raw positions exactly
    assert np.allclose(transform.to_world(joints), world, atol=1e-5)


def test_velocities_are_position_differences(raw_pair):
    features, _ = process_pair(*raw_pair)
    joints = features_to_joints(features)
    velocities = features[..., VELOCITIES].reshape(joints.shape)
    assert np.allclose(velocities[:, :-1], joints[:, 1:] - joints[:, :-1], atol=1e-12)


def test_rotations_are_copied_unchanged(raw_pair):
    features, _ = process_pair(*raw_pair)
    raw_rot = np.stack([split_raw(raw)[1] for raw in raw_pair])[:, :-1]
    assert np.allclose(features[..., ROTATIONS], raw_rot.reshape(2, 49, -1))


def test_processing_a_crop_equals_cropping_then_recanonicalising(raw_pair):
    features, _ = process_pair(*raw_pair)
    start, length = 7, 30
    expected, _ = process_pair(raw_pair[0][start:start + length + 1], raw_pair[1][start:start + length + 1])
    assert np.allclose(recanonicalize(features[:, start:start + length]), expected, atol=1e-5)


def test_swap_equals_processing_with_roles_exchanged(raw_pair):
    features, _ = process_pair(*raw_pair)
    expected, _ = process_pair(raw_pair[1], raw_pair[0])
    assert np.allclose(swap_persons(features), expected, atol=1e-5)


def crafted_feet(heights, steps):
    """A person whose 4 foot joints follow given heights and per-frame horizontal steps."""
    frames = len(heights)
    positions = np.zeros((2, frames, 22, 3))
    positions[..., 1] = 0.9  # the body is high; only the feet come near the floor
    for k, joint in enumerate(FOOT_CONTACT_JOINTS):
        positions[:, :, joint, 1] = heights[:, k]
        positions[:, :, joint, 0] = np.cumsum(steps[:, k])
    positions[:, :, 1, 0], positions[:, :, 2, 0] = 0.1, -0.1  # hips: facing +Z
    return positions


def test_foot_contacts_follow_the_published_thresholds():
    heights = np.array([[0.10, 0.04, 0.13, 0.06]] * 4)   # ankles 0.12, toes 0.05 thresholds
    steps = np.zeros((4, 4))
    steps[2:, :] = 0.04  # 0.04^2 = 0.0016 m^2 > 0.001: moving
    contacts = foot_contacts(crafted_feet(heights, steps)[0])
    # frames 0: still; frame 1 -> 2 moves (step at index 2), frame 2 -> 3 moves
    assert np.array_equal(contacts[0], [1, 1, 0, 0])
    assert np.array_equal(contacts[1], [0, 0, 0, 0])
    assert np.array_equal(contacts[2], [0, 0, 0, 0])
    slow = np.full((4, 4), 0.03)  # 0.0009 m^2 < 0.001: counts as still
    assert np.array_equal(foot_contacts(crafted_feet(heights, slow)[0])[1], [1, 1, 0, 0])


def test_contacts_are_stored_in_the_feature():
    heights = np.array([[0.05, 0.02, 0.05, 0.02]] * 5)
    positions = crafted_feet(heights, np.zeros((5, 4)))
    features, _ = features_from_positions(positions, np.zeros((2, 5, 21, 6)))
    assert np.all(features[..., CONTACTS] == 1.0)


def test_bad_raw_input_is_rejected_with_the_accepted_shape():
    good, _ = random_raw_pair(0, frames=20)
    with pytest.raises(ValueError, match=f"\\(T, {RAW_DIM}\\)"):
        process_pair(good[:, :100], good)
    broken = good.copy()
    broken[3, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        process_pair(good, broken)
    with pytest.raises(ValueError, match="differ in length"):
        process_pair(good, good[:-1])


def test_make_raw_and_split_raw_round_trip():
    rng = np.random.default_rng(3)
    positions, rot6d = rng.normal(size=(6, 22, 3)), rng.normal(size=(6, 21, 6))
    back_pos, back_rot = split_raw(make_raw(positions, rot6d, dtype=np.float64))
    assert np.allclose(back_pos, positions) and np.allclose(back_rot, rot6d)


def test_one_person_alone_is_that_person_in_its_own_canonical_frame(raw_pair):
    (p1, r1), (p2, r2) = split_raw(raw_pair[0]), split_raw(raw_pair[1])
    pair, _ = features_from_positions(np.stack([p1, p2]), np.stack([r1, r2]))
    alone1, transform = features_from_positions(p1[None], r1[None])
    alone2, _ = features_from_positions(p2[None], r2[None])
    assert alone1.shape == (1, 49, FEATURE_DIM) and transform.floors.shape == (1,)
    assert np.allclose(alone1[0], pair[0])
    assert np.allclose(alone2, recanonicalize(pair[1:]))  # the track alone, re-canonicalised to itself
    assert np.allclose(alone2[0], swap_persons(pair)[0])


def test_features_from_joints_alone_solve_rotations_that_rebuild_the_pose(raw_pair):
    p1, r1 = split_raw(raw_pair[0])
    reference, _ = features_from_positions(p1[None], r1[None])
    alone = person_features_from_joints(p1)
    assert alone.shape == reference.shape[1:]
    not_rotations = np.r_[0:ROTATIONS.start, ROTATIONS.stop:FEATURE_DIM]
    assert np.allclose(alone[:, not_rotations], reference[0][:, not_rotations])
    # The solved local rotations with the solver's rest skeleton rebuild the canonical joints.
    joints = features_to_joints(alone)
    pose = solve_local_rotations(joints)
    local = rot6d_to_matrix(alone[:, ROTATIONS].reshape(-1, 21, 6))
    rebuilt = forward_kinematics(local, joints[:, 0], pose.offsets, root_rotations=pose.local_rotations[:, 0])[0]
    assert np.abs(rebuilt - joints).max() < 1e-5
