"""Reading a visitor's motion file: our exports come back as features, everything else is refused clearly."""

import zipfile

import numpy as np
import pytest

from t2i_core.motion.features import FEATURE_DIM, features_to_joints
from t2i_core.render.bvh import write_bvh
from t2i_core.render.importing import MAX_MEMBER_BYTES, MotionFileError, read_person_motion
from t2i_core.skeleton import NUM_JOINTS
from tests.fixtures import rigid_walking_person as person


def pose_distances(joints: np.ndarray) -> np.ndarray:
    """Distances between every two joints per frame: what neither a move nor a turn changes."""
    return np.linalg.norm(joints[:, :, None] - joints[:, None], axis=-1)


def test_features_of_an_npz_come_back_as_stored(tmp_path):
    features = np.random.default_rng(0).normal(size=(2, 30, FEATURE_DIM)).astype(np.float32)
    path = tmp_path / "pair.npz"
    np.savez(path, features=features, prompt=np.array("they wave"))
    np.testing.assert_allclose(read_person_motion(path, person=2), features[1])
    np.testing.assert_allclose(read_person_motion(path), features[0])


def test_joints_of_an_npz_keep_every_frame_and_the_pose(tmp_path):
    joints = person(seed=3, frames=45)
    path = tmp_path / "joints.npz"
    np.savez(path, joints=joints[None].astype(np.float32))
    features = read_person_motion(path)
    assert features.shape == (45, FEATURE_DIM)
    assert np.abs(pose_distances(features_to_joints(features)) - pose_distances(joints)).max() < 1e-4


def test_our_bvh_comes_back_with_every_frame(tmp_path):
    joints = person(seed=4, frames=50)
    path = write_bvh(tmp_path / "person1.bvh", joints)
    features = read_person_motion(path)
    assert features.shape == (50, FEATURE_DIM)
    # The BVH keeps each person at the median bone lengths: poses agree to a centimetre.
    assert np.abs(pose_distances(features_to_joints(features)) - pose_distances(joints)).max() < 0.01


@pytest.mark.parametrize(("arrays", "message"), [
    ({"joints": np.zeros((1, 20, 24, 3))}, "the motion has 24 joints; this model's skeleton has 22"),
    ({"features": np.zeros((1, 20, 100))}, "'features' has shape 1x20x100"),
    ({"features": np.full((1, 20, FEATURE_DIM), np.nan)}, "NaN or infinite"),
    ({"prompt": np.array("no motion here")}, "neither a 'features' nor a 'joints' array"),
    ({"joints": np.zeros((1, 1, NUM_JOINTS, 3))}, "fewer than 2 frames"),
])
def test_an_npz_without_a_usable_motion_is_refused(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(MotionFileError, match=message):
        read_person_motion(path)


def test_a_person_the_file_does_not_hold_is_refused(tmp_path):
    path = tmp_path / "one.npz"
    np.savez(path, features=np.zeros((1, 10, FEATURE_DIM)))
    with pytest.raises(MotionFileError, match=r"holds 1 person\(s\); person 2 was asked for"):
        read_person_motion(path, person=2)


def test_objects_are_never_unpickled(tmp_path):
    path = tmp_path / "objects.npz"
    np.savez(path, features=np.array([{"a": 1}], dtype=object))
    with pytest.raises(MotionFileError, match="not a plain numeric array"):
        read_person_motion(path)


def test_a_member_claiming_an_absurd_size_is_refused_before_loading(tmp_path):
    path = tmp_path / "claims.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("features.npy", b"\0" * 16)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("features.npy")
    # Rewrite the central directory's uncompressed size: the archive now claims far more than it holds.
    data = bytearray(path.read_bytes())
    claimed = (MAX_MEMBER_BYTES + 1).to_bytes(4, "little")
    directory = data.rindex(b"PK\x01\x02")
    data[directory + 24:directory + 28] = claimed
    path.write_bytes(bytes(data))
    assert info.file_size == 16
    with pytest.raises(MotionFileError, match="too large for one motion"):
        read_person_motion(path)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.npz", b"", "the file is empty"),
    ("text.npz", b"hello", "not a readable .npz archive"),
    ("motion.txt", b"1 2 3", r"files ending in \.txt are not read"),
    ("binary.bvh", b"\xff\xfe\x00", "not a text BVH file"),
    ("plain.bvh", b"MOTION\nFrames: 1\n", "no HIERARCHY section"),
    ("broken.bvh", b"HIERARCHY\nROOT Hips\n{\n", "not a valid BVH file"),
])
def test_files_that_are_not_motions_are_refused_with_what_is_accepted(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(MotionFileError, match=message) as error:
        read_person_motion(path)
    assert str(tmp_path) not in str(error.value)
