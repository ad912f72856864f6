import numpy as np
import pytest

from t2i_core.data.solo import SoloMotionDataset, is_humanml3d_folder
from t2i_core.motion.humanml3d import (
    HUMANML3D_FPS,
    Caption,
    HumanML3DLayout,
    features_from_humanml3d,
    frames_at_our_fps,
    write_clip,
)
from tests.fixtures import rigid_walking_person, solo_folder


def test_items_are_the_converted_clip_with_its_own_captions(tmp_path):
    root = solo_folder(tmp_path / "solo", {"train": ["a", "b"], "test": ["c"]})
    assert is_humanml3d_folder(root) and not is_humanml3d_folder(tmp_path)
    data = SoloMotionDataset(root, "train", mode="eval", max_frames=300, cache_dir=tmp_path / "cache", progress=False)
    assert data.clip_ids == ["a", "b"] and len(data) == 2
    item = data[0]
    layout = HumanML3DLayout.open(root)
    expected = features_from_humanml3d(layout.positions("a"))
    assert item["features"].shape == (1, 300, 262) and item["length"] == len(expected)
    np.testing.assert_allclose(item["features"][0, :item["length"]], expected, atol=1e-5)
    assert item["mask"].sum() == item["length"] and not item["features"][0, item["length"]:].any()
    assert item["text"] == item["text_person1"] == "a person walks a and raises the left arm."
    assert item["text_person2"] == "" and data.full_features(0).shape == (1, len(expected), 262)


def test_training_mode_mirrors_crops_and_draws_captions(tmp_path):
    root = solo_folder(tmp_path / "solo", {"train": ["a", "b"]})
    data = SoloMotionDataset(root, "train", mode="train", max_frames=20, cache_dir=tmp_path / "cache", progress=False)
    assert len(data) == 4  # mirrored copies
    mirrored = data[2]
    assert mirrored["mirrored"] and not data[0]["mirrored"]
    drawn = {data[2]["text"] for _ in range(40)}
    # both captions are drawn, and the mirror swaps "left" for "right"
    assert drawn == {"a person walks a and raises the right arm.", "someone walks (a)."}
    assert mirrored["length"] == 20 and mirrored["features"].shape == (1, 20, 262)
    # a crop is re-canonicalised: the first frame's pelvis sits at x = z = 0
    assert np.allclose(mirrored["features"][0, 0, [0, 2]], 0.0, atol=1e-5)


def test_captions_with_a_time_span_make_their_own_entry(tmp_path):
    joints = rigid_walking_person(3, frames=60)
    write_clip(tmp_path / "s", "x", joints[::1], [Caption("walks.", "", 0, 0), Caption("turns left.", "", 0.5, 1.5)],
               fps=HUMANML3D_FPS)
    (tmp_path / "s" / "train.txt").write_text("x\n")
    data = SoloMotionDataset(tmp_path / "s", mode="eval", cache_dir=tmp_path / "cache", progress=False)
    assert data.clip_ids == ["x", "x:0.5-1.5"]
    assert [e.captions for e in data.entries] == [("walks.",), ("turns left.",)]
    assert data.entries[1].length == frames_at_our_fps(20)  # the span: 20 frames at 20 fps


def test_unusable_clips_are_skipped_with_the_reason(tmp_path):
    root = solo_folder(tmp_path / "solo", {"train": ["a", "b", "c"]})
    (root / "texts" / "b.txt").unlink()
    (root / "new_joints" / "c.npy").unlink()
    np.save(root / "new_joint_vecs" / "c.npy", np.zeros((30, 250), np.float32))  # wrong width
    with pytest.warns(UserWarning, match="skipped 2 unusable"):
        data = SoloMotionDataset(root, mode="eval", cache_dir=tmp_path / "cache", progress=False)
    assert data.clip_ids == ["a"]
    assert "no captions" in data.skipped["b"] and "263" in data.skipped["c"]
