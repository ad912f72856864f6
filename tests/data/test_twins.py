import json

import pytest
import torch

from t2i_core.data.twins import (
    TwinBatchSampler,
    TwinRecord,
    content_keys,
    partner_indices,
    read_twin_records,
    twin_pairs,
)

# Groups 0 and 1 have a contrast (twins differ); group 2's contrast was dropped (identical clips).
RECORDS = {"a0": TwinRecord(0, "order"), "a1": TwinRecord(0, "order"),
           "b0": TwinRecord(1, "initiator"), "b1": TwinRecord(1, "initiator"),
           "c0": TwinRecord(2, None), "c1": TwinRecord(2, None)}
IDS = ["a0", "b0", "c0", "x", "a1", "c1", "b1"]


def test_records_come_from_the_manifest_and_are_empty_without_one(tmp_path):
    assert read_twin_records(tmp_path) == {}
    (tmp_path / "manifest.json").write_text(json.dumps({"records": [
        {"id": "000000", "group": 0, "contrast": "side"}, {"id": "000001", "group": 0, "contrast": "side"},
        {"id": "000002", "group": 1, "contrast": None}]}))
    assert read_twin_records(tmp_path) == {"000000": TwinRecord(0, "side"), "000001": TwinRecord(0, "side"),
                                          "000002": TwinRecord(1, None)}


def test_pairs_are_grouped_by_contrast_and_skip_dropped_contrasts_and_lonely_clips():
    assert twin_pairs(IDS, RECORDS) == {"order": [(0, 4)], "initiator": [(1, 6)]}
    assert twin_pairs(["a0", "b0", "b1"], RECORDS) == {"initiator": [(1, 2)]}  # a0's twin is not there


def test_identical_scenes_share_a_content_key():
    keys = content_keys(IDS, RECORDS)
    assert keys[2] == keys[5]                       # c0, c1: the same scene
    assert len(set(keys)) == len(IDS) - 1           # every other clip is its own


def test_partners_need_the_same_mirror_flag():
    ids = ["a0", "a1", "a1", "b0", "c0", "c1"]
    mirrored = [False, True, False, False, False, False]
    assert partner_indices(ids, mirrored, RECORDS).tolist() == [2, -1, 0, -1, -1, -1]


@pytest.mark.parametrize("mirror", [False, True])
def test_sampler_covers_every_item_once_and_keeps_twins_together(mirror):
    count = len(IDS)
    sampler = TwinBatchSampler(IDS, RECORDS, mirror, batch_size=4, generator=torch.Generator().manual_seed(3),
                               drop_last=False)
    batches = list(sampler)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(count * (2 if mirror else 1)))
    assert len(batches) == len(sampler)
    for offset in ((0, count) if mirror else (0,)):
        for a, b in ((0, 4), (1, 6)):
            where_a = flat.index(a + offset)
            where_b = flat.index(b + offset)
            assert abs(where_a - where_b) == 1      # side by side, same mirror copy
            assert where_a // 4 == where_b // 4     # and never cut by a batch boundary (even batch size)


def test_sampler_is_deterministic_per_generator_state_and_changes_each_epoch():
    def epochs(seed):
        generator = torch.Generator().manual_seed(seed)
        sampler = TwinBatchSampler(IDS * 5, RECORDS, True, batch_size=8, generator=generator)
        return [list(sampler), list(sampler)]
    first, second = epochs(0)
    assert epochs(0) == [first, second]
    assert first != second
    assert all(len(b) == 8 for b in first)          # drop_last keeps full batches only


def test_sampler_rejects_a_bad_batch_size():
    with pytest.raises(ValueError, match="batch_size"):
        TwinBatchSampler(IDS, RECORDS, False, batch_size=0, generator=torch.Generator())
