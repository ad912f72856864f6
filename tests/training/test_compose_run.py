"""The run/filter subcommands: bad input is a clear error before anything is written."""

import pytest

from t2i_core.compose.output import read_compose_output
from tests.compose.builders import tiny_evaluator, tiny_interactor, tiny_real_folder
from training import compose_run


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from t2i_core.text import build_text_encoder

    root = tmp_path_factory.mktemp("compose_cli")
    model = tiny_interactor(root / "model", build_text_encoder("minilm"))
    return {"real": tiny_real_folder(root / "real"), "model": model,
            "evaluator": tiny_evaluator(root / "evaluator"), "cache": root / "cache"}


def run(setup, out, *extra, real=None, evaluator=None, candidates="3"):
    return compose_run.main(["run", "--real", str(real or setup["real"]), "--out", str(out), "--candidates", candidates,
                             "--filter-evaluator", str(evaluator or setup["evaluator"]), "--model", str(setup["model"]),
                             "--steps", "3", "--k", "3", "--min-seconds", "1", "--max-seconds", "1.5",
                             "--cache-dir", str(setup["cache"]), "--no-progress", "--device", "cpu", *extra])


@pytest.mark.parametrize(("extra", "candidates", "message"), [
    (("--delta", "1.5"), "3", "delta must lie in [-1, 1]"),
    (("--r-min", "0.9", "--r-max", "0.1"), "3", "r_min must not exceed r_max"),
    ((), "0", "candidates must be an integer >= 1"),
])
def test_bad_settings_write_nothing(setup, tmp_path, capsys, extra, candidates, message):
    assert run(setup, tmp_path / "out", *extra, candidates=candidates) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_missing_folders_and_a_real_set_without_captions(setup, tmp_path, capsys):
    assert run(setup, tmp_path / "out", real=tmp_path / "nowhere") == 2
    assert "real data folder not found" in capsys.readouterr().err
    assert run(setup, tmp_path / "out", evaluator=tmp_path / "nowhere") == 2
    assert "filter evaluator folder not found" in capsys.readouterr().err
    bare = tiny_real_folder(tmp_path / "bare", clips=6)
    for caption in (bare / "annots").iterdir():
        caption.unlink()
    with pytest.warns(UserWarning, match="missing captions"):
        assert run(setup, tmp_path / "out", real=bare) == 2
    assert "no usable real clips with captions" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_protocol_evaluator_is_refused(setup, tmp_path, capsys):
    assert run(setup, tmp_path / "out", evaluator=compose_run.REPO / "assets" / "evaluator") == 2
    assert "must not choose the training data" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_run_then_filter_prints_counts(setup, tmp_path, capsys):
    assert run(setup, tmp_path / "out") == 0
    printed = capsys.readouterr().out
    assert "cosine of real matched pairs" in printed and "r_min" in printed and "3 candidates:" in printed
    assert compose_run.main(["filter", "--out", str(tmp_path / "out"), "--delta", "-1", "--r-min", "0",
                             "--r-max", "100"]) == 0
    printed = capsys.readouterr().out
    assert "kept 3 (100.0%)" in printed and "real-caption: kept 3" in printed
    assert len(read_compose_output(tmp_path / "out").kept_ids) == 3
    assert compose_run.main(["filter", "--out", str(tmp_path / "out"), "--delta", "2"]) == 2
    assert "delta must lie in [-1, 1]" in capsys.readouterr().err
    assert compose_run.main(["filter", "--out", str(tmp_path / "nothing")]) == 2
    assert "compose output folder not found" in capsys.readouterr().err
