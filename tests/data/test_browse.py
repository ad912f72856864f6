import pytest

from t2i_core.data.browse import clip_ids, load_clip
from t2i_core.data.clips import ClipError
from t2i_core.data.layout import DataFolderError
from tests.fixtures import build_folder


def test_one_clip_is_read_without_indexing_the_split(tmp_path):
    root = build_folder(tmp_path / "d", {"train": ["a"], "test": ["b", "c"]}, ignore=["c"])
    assert clip_ids(root, "test") == ["b"]
    joints, caption = load_clip(root, "b", cache_dir=tmp_path / "cache")
    assert joints.shape == (2, 59, 22, 3) and caption.startswith("one person waves")


def test_bad_folders_and_clips_are_clear(tmp_path):
    with pytest.raises(DataFolderError, match="not found"):
        clip_ids(tmp_path / "nope", "test")
    with pytest.raises(DataFolderError, match="missing folder"):
        clip_ids(tmp_path, "test")
    with pytest.raises(DataFolderError, match="no folder given"):
        clip_ids("  ", "test")
    root = build_folder(tmp_path / "d", {"test": ["b"]})
    with pytest.raises(ValueError, match="unknown split"):
        clip_ids(root, "dev")
    with pytest.raises(ClipError):
        load_clip(root, "../b", cache_dir=tmp_path / "cache")
    with pytest.raises(ClipError, match="missing motion file"):
        load_clip(root, "zzz", cache_dir=tmp_path / "cache")
