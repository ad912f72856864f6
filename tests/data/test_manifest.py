import json

import pytest

from t2i_core.data.manifest import (
    MANIFEST_FILE,
    ManifestError,
    PhaseSpan,
    clip_phases,
    clip_record,
    contrast_groups,
    read_manifest,
    read_records,
    write_manifest,
)


def record(clip_id, group, contrast, phases):
    return clip_record(clip_id, index=int(clip_id), group=group, contrast=contrast, frames=60, heights=[1.7, 1.8],
                       phases=phases, captions=["they wave."])


def test_written_records_read_back_as_groups_and_phases(tmp_path):
    records = [record("0", 0, "order", [{"kind": "wave", "start": 0, "end": 30, "initiator": 2}]),
               record("1", 0, "order", [{"kind": "bow", "start": 5, "end": 60, "initiator": 1}]),
               record("2", 1, None, [{"kind": "hug", "start": 0}])]  # phase without its initiator
    path = write_manifest(tmp_path, records, seed=3, fps=30)
    assert path == tmp_path / MANIFEST_FILE
    assert read_manifest(tmp_path)["seed"] == 3 and read_records(tmp_path) == records
    assert contrast_groups(tmp_path) == {"0": (0, "order"), "1": (0, "order"), "2": (1, None)}
    assert clip_phases(tmp_path) == {"0": (PhaseSpan("wave", 0, 30, 2),), "1": (PhaseSpan("bow", 5, 60, 1),)}


def test_the_same_manifest_gives_the_same_bytes(tmp_path):
    records = [record("0", 0, None, [])]
    write_manifest(tmp_path / "a", records, seed=1, version="1.0")
    write_manifest(tmp_path / "b", records, version="1.0", seed=1)
    assert (tmp_path / "a" / MANIFEST_FILE).read_bytes() == (tmp_path / "b" / MANIFEST_FILE).read_bytes()


def test_a_folder_without_a_manifest_has_no_records(tmp_path):
    assert read_manifest(tmp_path) is None
    assert read_records(tmp_path) == [] and contrast_groups(tmp_path) == {} and clip_phases(tmp_path) == {}


@pytest.mark.parametrize("text,message", [("{not json", "not valid JSON"), ("[1, 2]", "an object"),
                                          (json.dumps({"records": 3}), "list of clip records")])
def test_a_broken_manifest_is_a_clear_error(tmp_path, text, message):
    (tmp_path / MANIFEST_FILE).write_text(text)
    with pytest.raises(ManifestError, match=message):
        read_records(tmp_path)
