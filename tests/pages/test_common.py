"""What the pages share: a checkpoint is shown to visitors without the server's absolute path."""

from __future__ import annotations

from pages.common import DEFAULT_CHECKPOINT, load_model


def test_a_missing_or_broken_checkpoint_is_explained_without_server_paths(tmp_path):
    missing = load_model(tmp_path / "no-model-here")
    assert not missing.ready and missing.public_name == "no-model-here"
    assert "`no-model-here`" in missing.error and str(tmp_path) not in missing.error
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    model = load_model(broken)
    assert not model.ready and "`broken` cannot be loaded" in model.error and str(tmp_path) not in model.error
    assert model.checkpoint == broken.resolve()  # the server keeps the real path to load from


def test_the_shipped_checkpoint_is_named_relative_to_the_project():
    model = load_model(DEFAULT_CHECKPOINT.parent / "no-such-model")
    assert model.public_name == "assets/no-such-model" and "`assets/no-such-model`" in model.error


def test_the_model_line_counts_every_phase_of_the_shipped_model():
    # assets/interactor: 9,000 steps from the 9,000 of phase 1 (its config's lineage), not 9,000 in all
    model = load_model(DEFAULT_CHECKPOINT)
    assert model.ready and model.summary.endswith("· 18,000 training steps in 2 phases")
