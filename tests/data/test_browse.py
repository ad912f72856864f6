"""Single clips of an InterHuman-layout folder inside the data roots, with messages that name no server path."""

from __future__ import annotations

import numpy as np
import pytest

from t2i_core.data.browse import clip_ids, load_clip, looks_like_interhuman
from t2i_core.data.clips import ClipError
from t2i_core.data.layout import DataFolderError
from t2i_core.roots import REFUSED, DataRoot, DataRoots, OutsideRootsError
from tests.fixtures import build_folder


@pytest.fixture
def roots(tmp_path):
    build_folder(tmp_path / "root" / "d", {"train": ["a"], "test": ["b", "c"]}, ignore=["c"])
    (tmp_path / "root" / "plain").mkdir()
    return DataRoots([DataRoot("root", tmp_path / "root")])


def test_one_clip_is_read_without_indexing_the_split(roots, tmp_path):
    assert clip_ids(roots, "root/d", "test") == ["b"]
    joints, caption = load_clip(roots, "root/d", "b", cache_dir=tmp_path / "cache")
    assert joints.shape == (2, 59, 22, 3) and caption.startswith("one person waves")
    assert roots.folders(accept=looks_like_interhuman) == ["root/d"]


def test_bad_folders_and_clips_are_clear_and_name_no_server_path(roots, tmp_path):
    with pytest.raises(OutsideRootsError):
        clip_ids(roots, "root/nope", "test")
    with pytest.raises(OutsideRootsError):
        clip_ids(roots, str(tmp_path / "root" / "d"), "test")  # a server path, even of a root's folder
    with pytest.raises(DataFolderError, match="root/plain is not in InterHuman's layout: it has no annots/, "
                                              "motions_processed/person1/, motions_processed/person2/ folder"):
        clip_ids(roots, "root/plain", "test")
    with pytest.raises(DataFolderError, match="no folder given"):
        clip_ids(roots, "  ", "test")
    with pytest.raises(ValueError, match="unknown split"):
        clip_ids(roots, "root/d", "dev")
    with pytest.raises(DataFolderError, match="has no split file for 'val': looked for split/val.txt and val.txt"):
        clip_ids(roots, "root/d", "val")
    with pytest.raises(ClipError, match="not a clip id"):
        load_clip(roots, "root/d", "../b", cache_dir=tmp_path / "cache")
    with pytest.raises(ClipError, match="clip zzz has no motion file motions_processed/person1/zzz.npy"):
        load_clip(roots, "root/d", "zzz", cache_dir=tmp_path / "cache")


def test_a_split_file_linked_out_of_the_roots_leaks_nothing(roots, tmp_path):
    folder = tmp_path / "root" / "d" / "split"
    (folder / "val.txt").symlink_to("/etc/passwd")
    secret = tmp_path / "secret.txt"
    secret.write_text("b\nhidden-clip\n")
    (folder / "train.txt").unlink()
    (folder / "train.txt").symlink_to(secret)
    for split in ("val", "train"):
        with pytest.raises(OutsideRootsError) as caught:
            clip_ids(roots, "root/d", split)
        assert str(caught.value) == REFUSED
    (folder / "ignore_list.txt").unlink()
    (folder / "ignore_list.txt").symlink_to(secret)  # the ignore list is read from inside the roots only
    with pytest.raises(OutsideRootsError):
        clip_ids(roots, "root/d", "test")


def test_a_motion_or_caption_linked_out_of_the_roots_is_refused(roots, tmp_path):
    motion = tmp_path / "root" / "d" / "motions_processed" / "person2" / "b.npy"
    outside = tmp_path / "elsewhere.npy"
    outside.write_bytes(motion.read_bytes())
    motion.unlink()
    motion.symlink_to(outside)
    with pytest.raises(OutsideRootsError):
        load_clip(roots, "root/d", "b", cache_dir=tmp_path / "cache")
    caption = tmp_path / "root" / "d" / "annots" / "a.txt"
    caption.unlink()
    caption.symlink_to("/etc/hostname")
    with pytest.raises(OutsideRootsError):
        load_clip(roots, "root/d", "a", cache_dir=tmp_path / "cache")


@pytest.mark.parametrize("content, expected", [
    (b"", "empty \\(0 bytes\\)"),
    (b"not numpy at all", "not a .npy array file"),
])
def test_broken_motion_files_get_our_message(roots, tmp_path, content, expected):
    motion = tmp_path / "root" / "d" / "motions_processed" / "person1" / "b.npy"
    motion.write_bytes(content)
    with pytest.raises(ClipError, match=f"motions_processed/person1/b.npy: .*{expected}") as caught:
        load_clip(roots, "root/d", "b", cache_dir=tmp_path / "cache")
    assert str(tmp_path) not in str(caught.value)


def test_a_motion_of_the_wrong_shape_names_no_server_path(roots, tmp_path):
    np.save(tmp_path / "root" / "d" / "motions_processed" / "person1" / "b.npy", np.zeros((60, 7), np.float32))
    with pytest.raises(ClipError) as caught:
        load_clip(roots, "root/d", "b", cache_dir=tmp_path / "cache")
    assert str(tmp_path) not in str(caught.value) and "492" in str(caught.value)
