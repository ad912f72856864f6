import numpy as np

from t2i_core.motion.features import (
    VELOCITIES,
    facing_direction,
    features_to_joints,
    foot_contacts,
    positions_with_next_frame,
    process_pair,
)
from t2i_core.motion.mirror import mirror_caption, mirror_features
from t2i_core.skeleton import bone_lengths
from tests.fixtures import random_raw_pair


def test_mirroring_twice_is_the_identity():
    features, _ = process_pair(*random_raw_pair(0, frames=40))
    assert np.allclose(mirror_features(mirror_features(features)), features)


def test_mirrored_pair_is_a_valid_canonical_pair():
    features, _ = process_pair(*random_raw_pair(1, frames=40))
    mirrored = mirror_features(features)
    joints, original = features_to_joints(mirrored), features_to_joints(features)
    assert np.allclose(joints[0, 0, 0, [0, 2]], 0.0, atol=1e-9)
    assert np.allclose(facing_direction(joints[0, 0]), [0, 0, 1], atol=1e-9)
    assert np.allclose(bone_lengths(joints), bone_lengths(original))
    velocities = mirrored[..., VELOCITIES].reshape(joints.shape)
    assert np.allclose(velocities[:, :-1], joints[:, 1:] - joints[:, :-1])
    # a left joint's mirrored position is the right joint's with x negated
    assert np.allclose(joints[..., 20, 0], -original[..., 21, 0])
    distances = np.linalg.norm(joints[0][:, :, None] - joints[1][:, None], axis=-1)
    original_distances = np.linalg.norm(original[0][:, :, None] - original[1][:, None], axis=-1)
    assert np.allclose(np.sort(distances.ravel()), np.sort(original_distances.ravel()))
    # contacts are those of the mirrored geometry
    for person in range(2):
        recomputed = foot_contacts(positions_with_next_frame(mirrored)[person])
        assert np.array_equal(mirrored[person, :, 258:], recomputed)


def test_mirrored_caption_swaps_sides_and_turning_sense():
    text = "One person raises the left hand and turns counterclockwise; the other steps right, clockwise."
    mirrored = mirror_caption(text)
    assert mirrored == "One person raises the right hand and turns clockwise; the other steps left, counterclockwise."
    assert mirror_caption(mirrored) == text
    assert "countercounter" not in mirror_caption("turns counterclockwise")
    expected = "Right-handed, rightwards, the leftover light"
    assert mirror_caption("Left-handed, leftwards, the leftover light") == expected
