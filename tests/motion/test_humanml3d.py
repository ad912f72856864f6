import numpy as np
import pytest

from t2i_core.motion.features import FEATURE_DIM, features_from_positions, features_to_joints
from t2i_core.motion.humanml3d import (
    HUMANML3D_FPS,
    ROOT_VELOCITY,
    VECTOR_DIM,
    YAW_VELOCITY,
    Caption,
    HumanML3DFormatError,
    HumanML3DLayout,
    features_from_humanml3d,
    frames_at_our_fps,
    positions_from_vectors,
    resample_positions,
    vectors_from_positions,
    write_clip,
)
from t2i_core.motion.kinematics import forward_kinematics
from t2i_core.motion.rotation import axis_angle_to_matrix, yaw_matrix
from t2i_core.skeleton import REST_OFFSETS


def person_at(times: np.ndarray, seed: int = 0, yaw0: float = 0.7, turn: float = 0.4, speed: float = 0.8,
              amplitude: float = 0.3) -> np.ndarray:
    """A smooth person (T, 22, 3) sampled at ``times`` seconds: swinging limbs, walking while turning."""
    rng = np.random.default_rng(seed)
    t = np.asarray(times)[:, None, None]
    frequency = rng.uniform(0.3, 1.0, (1, 21, 3))
    local = axis_angle_to_matrix(rng.uniform(-amplitude, amplitude, (1, 21, 3))
                                 * np.sin(2 * np.pi * frequency * t + rng.uniform(0, 6, (1, 21, 3))))
    yaw = yaw0 + turn * t[:, 0, 0]
    # Walking along the heading: the integral of speed * (sin, cos)(yaw) in closed form.
    if turn:
        x = speed / turn * (np.cos(yaw0) - np.cos(yaw))
        z = speed / turn * (np.sin(yaw) - np.sin(yaw0))
    else:
        x, z = speed * np.sin(yaw0) * t[:, 0, 0], speed * np.cos(yaw0) * t[:, 0, 0]
    root = np.stack([1.5 + x, 0.93 + 0.02 * np.sin(2 * np.pi * 1.3 * t[:, 0, 0]), -0.5 + z], axis=-1)
    return forward_kinematics(local, root, REST_OFFSETS, root_rotations=yaw_matrix(yaw))[0]


def canonical(joints: np.ndarray) -> np.ndarray:
    """Our canonical frame of one person's joints (T, 22, 3) -> (T-1, 22, 3), for rigid-free comparisons."""
    rot6d = np.zeros((1, joints.shape[0], 21, 6))
    return features_to_joints(features_from_positions(joints[None], rot6d)[0][0])


def test_positions_to_vectors_and_back_is_exact():
    joints = person_at(np.arange(60) / HUMANML3D_FPS)
    vectors = vectors_from_positions(joints)
    assert vectors.shape == (59, VECTOR_DIM)
    back = positions_from_vectors(vectors.astype(np.float32))
    assert back.shape == (59, 22, 3)
    assert np.allclose(back[0, 0, [0, 2]], 0.0) and back[..., 1].min() == pytest.approx(0.0, abs=1e-6)
    assert np.abs(canonical(back) - canonical(joints[:-1])).max() < 1e-5
    # The vectors do not depend on where the person stands or faces.
    moved = joints @ yaw_matrix(2.5).T + np.array([3.0, 0.4, -2.0])
    assert np.allclose(vectors_from_positions(moved), vectors, atol=1e-9)


def test_vector_columns_follow_the_formats_conventions():
    times = np.arange(40) / HUMANML3D_FPS
    straight = vectors_from_positions(person_at(times, yaw0=-1.0, turn=0.0, speed=1.2, amplitude=0.0))
    assert np.allclose(straight[:, YAW_VELOCITY], 0.0, atol=1e-9)
    assert np.allclose(straight[:, ROOT_VELOCITY], [0.0, 1.2 / HUMANML3D_FPS], atol=1e-9)  # forward is +Z
    turning = vectors_from_positions(person_at(times, turn=0.6, amplitude=0.0), smoothing=0.0)
    # Half the heading change per frame, negated (turning from +Z towards +X is positive for us).
    assert np.allclose(turning[:, YAW_VELOCITY], -0.6 / HUMANML3D_FPS / 2, atol=1e-9)


def test_humanml3d_at_20_fps_becomes_our_262_at_30_fps_matching_the_motion(tmp_path):
    duration = 3.0
    at20 = person_at(np.arange(int(duration * 20) + 1) / 20)
    write_clip(tmp_path, "000001", at20, ["a person walks in a curve."], fps=HUMANML3D_FPS)
    layout = HumanML3DLayout.open(tmp_path)
    features = features_from_humanml3d(layout.positions("000001"))
    assert features.dtype == np.float32 and features.shape == (frames_at_our_fps(60), FEATURE_DIM)
    # The same motion sampled at 30 fps in the first place, over the span the 59 vectors cover.
    at30 = person_at(np.arange(features.shape[0] + 1) / 30)
    error = np.linalg.norm(features_to_joints(features) - canonical(at30), axis=-1)
    # Linear interpolation of 20 fps positions: a few millimetres (measured 4.3 mm at worst, 0.5 mm mean).
    assert error.max() < 0.006 and error.mean() < 0.001


def test_resampling_keeps_the_span_and_the_samples_on_the_source_times():
    joints = person_at(np.arange(21) / 20)
    up = resample_positions(joints, 20, 30)
    assert up.shape == (31, 22, 3)
    assert np.allclose(up[::3], joints[::2]) and np.allclose(up[-1], joints[-1])
    with pytest.raises(ValueError, match="order must be"):
        resample_positions(joints, 20, 30, order=2)


def test_folder_reading_splits_captions_and_joint_source(tmp_path):
    joints = person_at(np.arange(30) / 20)
    write_clip(tmp_path, "a", joints, ["walks forward."], fps=20)
    write_clip(tmp_path, "b", joints[:25], [Caption("turns left.", "turn/VERB", 0.5, 1.0)], fps=20)
    (tmp_path / "train.txt").write_text("b\n")
    (tmp_path / "texts" / "a.txt").write_text("a man walks#a/DET man/NOUN walk/VERB#0.0#0.0\nwaves\n\n"
                                              "a man jogs#a/DET#nan#nan\n")
    layout = HumanML3DLayout.open(tmp_path)
    assert layout.clip_ids() == ["a", "b"] and layout.clip_ids(("train",)) == ["b"]
    assert [c.text for c in layout.captions("a")] == ["a man walks", "waves", "a man jogs"]
    assert all(c.whole_clip for c in layout.captions("a"))
    segment = layout.captions("b")[0]
    assert (segment.start, segment.end, segment.whole_clip) == (0.5, 1.0, False)
    assert layout.frames("a") == 29
    # new_joints is read when present; without it the vectors give the same positions.
    from_file = layout.positions("a")
    (tmp_path / "new_joints" / "a.npy").unlink()
    assert np.allclose(layout.positions("a"), from_file, atol=1e-5)
    with pytest.raises(HumanML3DFormatError, match="split file not found"):
        layout.clip_ids(("val",))


def test_bad_input_says_what_is_accepted(tmp_path):
    with pytest.raises(HumanML3DFormatError, match="not found"):
        HumanML3DLayout.open(tmp_path / "missing")
    with pytest.raises(HumanML3DFormatError, match="no new_joint_vecs/ folder"):
        HumanML3DLayout.open(tmp_path)
    (tmp_path / "new_joint_vecs").mkdir()
    np.save(tmp_path / "new_joint_vecs" / "wide.npy", np.zeros((10, 262), dtype=np.float32))
    nan = np.zeros((10, VECTOR_DIM), dtype=np.float32)
    nan[3, 5] = np.nan
    np.save(tmp_path / "new_joint_vecs" / "nan.npy", nan)
    layout = HumanML3DLayout.open(tmp_path)
    with pytest.raises(HumanML3DFormatError, match=r"shaped \(frames, 263\), got \(10, 262\)"):
        layout.positions("wide")
    with pytest.raises(HumanML3DFormatError, match="NaN"):
        layout.positions("nan")
    with pytest.raises(HumanML3DFormatError, match="missing vectors file"):
        layout.vectors("absent")
    with pytest.raises(HumanML3DFormatError, match=r"\(frames, 22, 3\)"):
        features_from_humanml3d(np.zeros((10, 21, 3)))
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "wide.txt").write_text("a man#tokens\n")
    with pytest.raises(HumanML3DFormatError, match="line 1: expected 'caption#tokens#start#end'"):
        layout.captions("wide")
