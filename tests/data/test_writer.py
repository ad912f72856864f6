import numpy as np
import pytest

from t2i_core.data.interhuman import InterHumanDataset
from t2i_core.data.layout import InterHumanLayout
from t2i_core.data.writer import write_clip, write_split
from tests.fixtures import random_raw_pair


def test_a_written_clip_reads_back_through_the_layout_and_the_data_set(tmp_path):
    raw1, raw2 = random_raw_pair(0, frames=40)
    write_clip(tmp_path, "c0", raw1, raw2, ["two people wave.", "they wave."],
               individual_captions=(["a person waves."], ["a person waves back."]))
    write_split(tmp_path, "train", ["c0"])
    layout = InterHumanLayout.open(tmp_path)
    assert np.array_equal(np.load(layout.motion_file("c0", 1), allow_pickle=False), raw1)
    assert np.array_equal(np.load(layout.motion_file("c0", 2), allow_pickle=False), raw2)
    assert layout.caption_file("c0").read_text() == "two people wave.\nthey wave.\n"
    assert layout.individual_captions("c0") == (["a person waves."], ["a person waves back."])
    assert layout.split_ids("train") == ["c0"]
    dataset = InterHumanDataset(tmp_path, "train", mode="eval", cache_dir=tmp_path / "cache")
    assert [entry.clip_id for entry in dataset.entries] == ["c0"]
    assert not list(tmp_path.rglob("*.tmp"))


def test_individual_captions_are_optional_and_splits_may_be_empty(tmp_path):
    write_clip(tmp_path, "c1", *random_raw_pair(1, frames=20), ["they hug."])
    assert InterHumanLayout.open(tmp_path).individual_captions("c1") is None
    assert write_split(tmp_path, "test_order_sensitive", []).read_text() == ""


@pytest.mark.parametrize("change,message", [
    ({"raw1": np.zeros((10, 7))}, r"person 1: expected raw motion \(T, 492\)"),
    ({"raw2": np.zeros((11, 492))}, "the persons have 10 and 11 frames"),
    ({"captions": []}, "non-empty list of captions"),
    ({"captions": "one string"}, "non-empty list of captions"),
    ({"captions": ["two\nlines"]}, "one non-empty line"),
    ({"individual_captions": (["a"],)}, "one list per person"),
    ({"individual_captions": (["a"], [""])}, "person 2 captions: each caption must be one non-empty line"),
    ({"clip_id": "../x"}, "plain file name"),
])
def test_bad_clips_are_refused_before_anything_is_written(tmp_path, change, message):
    arguments = {"clip_id": "c", "raw1": np.zeros((10, 492)), "raw2": np.zeros((10, 492)), "captions": ["x"],
                 "individual_captions": None, **change}
    with pytest.raises(ValueError, match=message):
        write_clip(tmp_path, **arguments)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_split_names_must_be_plain(tmp_path):
    with pytest.raises(ValueError, match="plain file name"):
        write_split(tmp_path, "../train", ["a"])
