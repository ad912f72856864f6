import json

import torch

from t2i_core.data.roles import Phase, actor_labels, read_phases, same_actor_labels, token_labels


def test_read_phases_takes_file_order_initiators_and_skips_clips_without_them(tmp_path):
    records = [
        {"id": "a", "phases": [{"start": 0, "end": 10, "initiator": 2}, {"start": 10, "end": 30, "initiator": 1}]},
        {"id": "b", "phases": []},
        {"id": "c"},
    ]
    (tmp_path / "manifest.json").write_text(json.dumps({"records": records}))
    phases = read_phases(tmp_path)
    assert phases == {"a": (Phase(0, 10, 1), Phase(10, 30, 0))}
    assert read_phases(tmp_path / "missing") == {}


def test_actor_labels_follow_swaps_and_crops():
    phases = {"a": (Phase(2, 5, 0), Phase(5, 9, 1))}
    plain = actor_labels(["a"], [False], [0], 10, phases)[0]
    assert plain[0].tolist() == [-1, -1, 1, 1, 1, 0, 0, 0, 0, -1]
    assert plain[1].tolist() == [-1, -1, 0, 0, 0, 1, 1, 1, 1, -1]
    swapped = actor_labels(["a"], [True], [0], 10, phases)[0]
    assert torch.equal(swapped, plain.flip(0))
    cropped = actor_labels(["a", "unknown"], [False, False], [4, 0], 3, phases)
    assert cropped[0, 0].tolist() == [1, 0, 0]
    assert (cropped[1] == -1).all()


def test_token_labels_read_each_token_centre_frame():
    frames = torch.tensor([[[0.0, 1, 1, 1, -1, -1, 0], [1.0, 0, 0, 0, -1, -1, 1]]])
    tokens = token_labels(frames, patch=2, tokens=4)
    # centres 1, 3, 5 and 7 (beyond the 7 frames: unknown)
    assert tokens[0, 0].tolist() == [1, 1, -1, -1]
    assert tokens[0, 1].tolist() == [0, 0, -1, -1]


def test_same_actor_compares_the_first_and_last_phase_initiators(tmp_path):
    def phases(*initiators):
        return [{"start": 10 * i, "end": 10 * i + 10, "initiator": who} for i, who in enumerate(initiators)]
    (tmp_path / "manifest.json").write_text(json.dumps({"records": [
        {"id": "same", "phases": phases(1, 2, 1)}, {"id": "other", "phases": phases(1, 2, 2)},
        {"id": "single", "phases": phases(2)}, {"id": "unrecorded"}]}))
    labels = same_actor_labels(["same", "other", "single", "unrecorded", "not-in-manifest"], read_phases(tmp_path))
    assert labels.tolist() == [1.0, 0.0, -1.0, -1.0, -1.0]
