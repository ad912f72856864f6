"""What the pages share: a checkpoint is shown to visitors without the server's absolute path; a model whose
process dies is restarted and the visitor told so."""

from __future__ import annotations

import os
import signal

import gradio as gr
import pytest

from pages import generate
from pages.common import DEFAULT_CHECKPOINT, Session, load_model


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


def test_a_checkpoint_the_model_process_cannot_load_is_explained_without_server_paths(tmp_path):
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "config.json").write_text((DEFAULT_CHECKPOINT / "config.json").read_text())  # no weights beside it
    model = load_model(damaged, worker=True)
    assert not model.ready and "`damaged` cannot be loaded" in model.error and str(tmp_path) not in model.error


def test_a_generation_whose_model_process_dies_says_so_and_the_next_one_works(checkpoint):
    model = load_model(checkpoint, worker=True)
    try:
        assert model.ready and model.max_frames > 0
        first = model.runner.pid

        def kill_midway(fraction, desc=None):
            if desc == "Denoising: step 2 of 4":
                os.kill(first, signal.SIGKILL)

        with pytest.raises(gr.Error) as caught:
            generate.generate(model, Session(), "two people shake hands.", 1, "3", 1, 3.5, 4, progress=kill_midway)
        assert caught.value.message == ("Generation failed: the model's process stopped unexpectedly and has been "
                                        "restarted; please try again.")
        session = Session()
        status, *_ = generate.generate(model, session, "two people shake hands.", 1, "3", 1, 3.5, 4,
                                          progress=lambda *args, **kwargs: None)
        assert "#1: generated 1 sample of 1 s (30 frames) with seed 3" in status
        assert session.result.joints.shape == (1, 2, 30, 22, 3) and session.attention is not None
        assert model.runner.pid != first and model.runner.restarts == 1
    finally:
        model.close()
