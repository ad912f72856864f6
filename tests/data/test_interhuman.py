import os
import warnings

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from t2i_core.data import clips as clips_module
from t2i_core.data.interhuman import InterHumanDataset
from t2i_core.data.layout import DataFolderError
from t2i_core.motion.features import facing_direction, features_to_joints, process_pair
from t2i_core.motion.mirror import mirror_caption
from tests.fixtures import CAPTIONS, build_folder, random_raw_pair, write_clip

SPLITS = {"train": ["a", "b", "c"], "val": ["d"], "test": ["e", "f"]}


@pytest.fixture
def folder(tmp_path):
    return build_folder(tmp_path / "data", SPLITS, frames={"b": 400, "c": 120})


def dataset(root, tmp_path, **kwargs):
    kwargs.setdefault("progress", False)
    return InterHumanDataset(root, cache_dir=tmp_path / "cache", **kwargs)


@pytest.mark.parametrize("split_in_root", [False, True])
def test_split_files_in_either_place(tmp_path, split_in_root):
    root = build_folder(tmp_path / "d", SPLITS, split_in_root=split_in_root)
    for split, ids in SPLITS.items():
        assert dataset(root, tmp_path, split=split, mode="eval").clip_ids == ids


def test_eval_items_are_deterministic_padded_and_cropped(folder, tmp_path):
    data = dataset(folder, tmp_path, split="train", mode="eval", max_frames=300)
    assert len(data) == 3
    lengths = {item["clip_id"]: item["length"] for item in (data[i] for i in range(3))}
    assert lengths == {"a": 59, "b": 300, "c": 119}
    item = data[0]
    assert item["features"].shape == (2, 300, 262) and item["features"].dtype == np.float32
    assert item["mask"].sum() == 59 and not item["features"][:, 59:].any()
    assert item["text"] == CAPTIONS[0]
    expected, _ = process_pair(*random_raw_pair(0, 60))
    assert np.allclose(item["features"][:, :59], expected, atol=1e-5)
    again = data[1]
    assert np.array_equal(again["features"], data[1]["features"])
    cropped = features_to_joints(again["features"][:, :300])
    assert np.allclose(cropped[0, 0, 0, [0, 2]], 0, atol=1e-5)  # the crop is re-canonicalised
    assert np.allclose(facing_direction(cropped[0, 0].astype(np.float64)), [0, 0, 1], atol=1e-5)


def test_train_mode_mirrors_swaps_and_crops(folder, tmp_path):
    data = dataset(folder, tmp_path, split="train", mode="train", max_frames=100)
    assert len(data) == 6  # every clip and its mirrored copy
    torch.manual_seed(0)
    seen_swaps, starts = set(), set()
    for _ in range(30):
        item = data[4]  # the mirrored copy of clip "b" (400 frames)
        assert item["mirrored"] and item["clip_id"] == "b" and item["length"] == 100
        assert item["text"] in {mirror_caption(c) for c in CAPTIONS}
        assert "right" in item["text"]
        seen_swaps.add(item["swapped"])
        if item["swapped"]:
            assert item["text_person1"] == "a person turns around."
        else:
            assert item["text_person1"] == mirror_caption("a person waves the left hand.")
        starts.add(float(item["features"][0, 0, 1]))
        joints = features_to_joints(item["features"][:, :100]).astype(np.float64)
        assert np.allclose(joints[0, 0, 0, [0, 2]], 0, atol=1e-5)
    assert seen_swaps == {True, False}
    assert len(starts) > 1  # different random crops


def test_training_randomness_follows_torch_seed(folder, tmp_path):
    data = dataset(folder, tmp_path, split="train", mode="train", max_frames=100)
    loader = DataLoader(data, batch_size=3, shuffle=True, num_workers=0)
    torch.manual_seed(5)
    first = [batch["features"].clone() for batch in loader]
    torch.manual_seed(5)
    second = [batch["features"].clone() for batch in loader]
    assert all(torch.equal(a, b) for a, b in zip(first, second))


def test_ignore_list_and_broken_clips_are_skipped_with_one_warning(tmp_path):
    ids = ["ok1", "ok2", "short", "nan", "shape", "nop2", "nocap", "ignored"]
    root = build_folder(tmp_path / "d", {"train": ids}, frames={"short": 10}, ignore=["ignored"])
    raw1, raw2 = random_raw_pair(9, 40)
    raw1[5, 3] = np.inf
    write_clip(root, "nan", raw1, raw2)
    write_clip(root, "shape", raw2[:, :300], raw2)
    (root / "motions_processed" / "person2" / "nop2.npy").unlink()
    (root / "annots" / "nocap.txt").unlink()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = dataset(root, tmp_path, split="train", mode="eval")
    assert data.clip_ids == ["ok1", "ok2"]
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1
    message = messages[0]
    assert message.startswith("skipped 5 unusable clip(s)")
    for clip_id, reason in [("short", "too short"), ("nan", "NaN"), ("shape", "(T, 492)"),
                            ("nop2", "missing motion file"), ("nocap", "missing captions")]:
        assert clip_id in message and reason in data.skipped[clip_id]
    assert "ignored" not in message


def test_missing_root_and_split_are_clear_errors(tmp_path):
    with pytest.raises(DataFolderError, match="data folder not found: .*nowhere"):
        InterHumanDataset(tmp_path / "nowhere")
    root = build_folder(tmp_path / "d", {"train": ["a"]})
    with pytest.raises(DataFolderError, match="split file for 'test' not found: .*split/test.txt"):
        dataset(root, tmp_path, split="test")
    with pytest.raises(ValueError, match="accepted: train, val, test"):
        dataset(root, tmp_path, split="everything")
    (root / "annots").rename(root / "annotations")
    with pytest.raises(DataFolderError, match="missing folder .*annots"):
        dataset(root, tmp_path)


def test_processed_features_are_cached_and_invalidated_by_modification(folder, tmp_path, monkeypatch):
    calls = []
    original = clips_module.process_clip
    monkeypatch.setattr(clips_module, "process_clip", lambda *a: calls.append(a[1]) or original(*a))
    dataset(folder, tmp_path, split="train")
    assert sorted(calls) == ["a", "b", "c"]
    calls.clear()
    dataset(folder, tmp_path, split="train")
    assert calls == []
    touched = folder / "motions_processed" / "person1" / "c.npy"
    stat = touched.stat()
    os.utime(touched, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    dataset(folder, tmp_path, split="train")
    assert calls == ["c"]


def test_a_damaged_cache_entry_is_rebuilt(folder, tmp_path):
    first = dataset(folder, tmp_path, split="val", mode="eval")
    path = first.entries[0].features_path
    path.write_bytes(b"garbage")
    second = dataset(folder, tmp_path, split="val", mode="eval")
    assert second[0]["length"] == 59
