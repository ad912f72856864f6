import pytest

from t2i_core.data.halves import clip_half, keep_half
from t2i_core.data.twins import TwinRecord


def test_halves_partition_the_clips_evenly_and_keep_twins_together():
    ids = [f"{i:06d}" for i in range(1000)]
    records = {clip: TwinRecord(group=i // 2, contrast="order") for i, clip in enumerate(ids)}
    first, second = keep_half(ids, records, 0), keep_half(ids, records, 1)
    assert all(a != b for a, b in zip(first, second))
    assert 400 < sum(first) < 600
    assert all(first[i] == first[i + 1] for i in range(0, 1000, 2))  # a group never straddles the halves
    without_manifest = keep_half(ids, {}, 0)
    assert without_manifest != first and 400 < sum(without_manifest) < 600
    assert clip_half("000007", records) == clip_half("000006", records)


def test_only_two_halves():
    with pytest.raises(ValueError, match="half must be 0 or 1"):
        keep_half(["a"], {}, 2)
