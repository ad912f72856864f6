import json

from t2i_core.compose.identity import (
    changed_entries,
    checkpoint_digest,
    checkpoint_source,
    compared,
    library_source,
    real_source,
)
from t2i_core.compose.library import MotionLibrary
from t2i_core.compose.run import load_real_set
from tests.compose.builders import tiny_evaluator, tiny_real_folder


def test_a_checkpoints_digest_follows_its_weights_and_configs_not_its_card(tmp_path):
    folder = tiny_evaluator(tmp_path / "a")
    before = checkpoint_digest(folder)
    (folder / "MODEL_CARD.md").write_text("notes")
    assert checkpoint_digest(folder) == before
    copy = tiny_evaluator(tmp_path / "b")
    assert checkpoint_digest(copy) == before  # the same content elsewhere is the same checkpoint
    config = json.loads((copy / "config.json").read_text())
    (copy / "config.json").write_text(json.dumps({**config, "note": "retrained"}))
    assert checkpoint_digest(copy) != before
    weights = copy / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1] + b"\x01")
    assert checkpoint_source(copy) == {"path": str(copy), "digest": checkpoint_digest(copy)}


def test_paths_are_recorded_but_not_compared():
    stored = {"model": {"path": "/old/place", "digest": "aa"}, "real": {"path": "/r", "digest": "bb", "split": "train"}}
    moved = {"model": {"path": "/new/place", "digest": "aa"}, "real": {"path": "/r2", "digest": "bb", "split": "train"}}
    assert changed_entries(stored, moved) == []
    kept = {"model": {"digest": "aa"}, "real": {"digest": "bb", "split": "train"}}
    assert compared(stored) == compared(moved) == kept
    other = {**moved, "model": {"path": "/new/place", "digest": "cc"}, "library": {"digest": "dd"}}
    assert changed_entries(stored, other) == ["library", "model.digest"]


def test_the_real_and_library_records_change_with_their_captions(tmp_path):
    folder = tiny_real_folder(tmp_path / "real", clips=4)
    record = real_source(load_real_set(folder, cache_dir=tmp_path / "cache"))
    assert record["split"] == "train" and record["path"] == str(folder)
    library = MotionLibrary.build(folder, splits=("train",), cache_dir=tmp_path / "cache")
    library_record = library_source(library)
    assert library_record["kind"] == "interhuman" and library_record["splits"] == ["train"]
    caption = sorted((folder / "annots").iterdir())[0]
    caption.write_text("two people shake hands.\n" * 3)
    assert real_source(load_real_set(folder, cache_dir=tmp_path / "cache"))["digest"] != record["digest"]
    person = sorted((folder / "annots_individual" / "person1").iterdir())[0]
    person.write_text("a person shakes a hand.\n")
    rebuilt = MotionLibrary.build(folder, splits=("train",), cache_dir=tmp_path / "cache")
    assert library_source(rebuilt)["digest"] != library_record["digest"]
