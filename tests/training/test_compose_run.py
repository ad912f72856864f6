"""The run, filter and reaction-eval subcommands of training.compose: bad input is a clear error before
anything is written."""

import json

import pytest

from t2i_core.assets import SHIPPED_EVALUATOR
from t2i_core.compose.output import read_compose_output
from t2i_core.compose.scoring import (
    DEFAULT_FILTER_EVALUATOR,
    PROTOCOL_EVALUATOR,
    FilterEvaluatorError,
    check_filter_evaluator,
)
from tests.compose.builders import tiny_evaluator, tiny_interactor, tiny_real_folder, tiny_single_evaluator
from training import compose


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from t2i_core.text import build_text_encoder

    root = tmp_path_factory.mktemp("compose_cli")
    model = tiny_interactor(root / "model", build_text_encoder("minilm"))
    encoder = build_text_encoder("minilm")
    return {"real": tiny_real_folder(root / "real"), "model": model,
            "single": tiny_interactor(root / "single", encoder, persons=1),
            "reaction": tiny_interactor(root / "reaction", encoder, reaction_prob=0.2),
            "evaluator": tiny_evaluator(root / "evaluator"), "cache": root / "cache",
            "person_evaluator": tiny_single_evaluator(root / "person_evaluator")}


def run(setup, out, *extra, real=None, evaluator=None, candidates="3"):
    return compose.main(["run", "--real", str(real or setup["real"]), "--out", str(out), "--candidates", candidates,
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
    assert run(setup, tmp_path / "out", evaluator=SHIPPED_EVALUATOR) == 2
    assert "must not choose the training data" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_run_then_filter_prints_counts(setup, tmp_path, capsys):
    assert run(setup, tmp_path / "out") == 0
    printed = capsys.readouterr().out
    assert "cosine of real matched pairs" in printed and "r_min" in printed and "3 candidates:" in printed
    assert compose.main(["filter", "--out", str(tmp_path / "out"), "--delta", "-1", "--r-min", "0",
                             "--r-max", "100"]) == 0
    printed = capsys.readouterr().out
    assert "kept 3 (100.0%)" in printed
    assert len(read_compose_output(tmp_path / "out").kept_ids) == 3
    assert compose.main(["filter", "--out", str(tmp_path / "out"), "--delta", "2"]) == 2
    assert "delta must lie in [-1, 1]" in capsys.readouterr().err
    assert compose.main(["filter", "--out", str(tmp_path / "nothing")]) == 2
    assert "compose output folder not found" in capsys.readouterr().err


def test_person1_choices_and_the_reaction_default(setup, tmp_path, capsys):
    assert run(setup, tmp_path / "joint", "--person1", "joint") == 0
    joint = read_compose_output(tmp_path / "joint")
    made = joint.candidates[joint.candidates["frames"] > 0]
    assert (made["person1_source"] == "generated:joint").all() and joint.info["config"]["reaction"] == "inpaint"
    assert run(setup, tmp_path / "single", "--person1", "generated", "--single-person", str(setup["single"])) == 0
    single = read_compose_output(tmp_path / "single")
    assert (single.candidates.loc[single.candidates["frames"] > 0, "person1_source"] == "generated:single").all()
    assert run(setup, tmp_path / "retrieved") == 0
    retrieved = read_compose_output(tmp_path / "retrieved")
    made = retrieved.candidates[retrieved.candidates["frames"] > 0]
    assert len(made) > 0 and made["person1_source"].str.startswith("retrieved:interhuman:").all()
    capsys.readouterr()
    assert run(setup, tmp_path / "x", "--person1", "generated") == 2
    assert "--person1 generated needs --single-person" in capsys.readouterr().err
    assert run(setup, tmp_path / "x", "--person1", "generated", "--single-person", str(setup["model"])) == 2
    assert "2-person checkpoint" in capsys.readouterr().err
    assert run(setup, tmp_path / "x", "--reaction", "trained") == 2
    assert "use --reaction inpaint" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_person1_retrieved_from_a_single_person_corpus(setup, tmp_path, capsys):
    from tests.fixtures import solo_folder

    corpus = solo_folder(tmp_path / "solo", {"train": [f"s{i}" for i in range(4)], "test": ["t0"]})
    assert run(setup, tmp_path / "out", "--library", str(corpus)) == 0
    output = read_compose_output(tmp_path / "out")
    made = output.candidates[output.candidates["frames"] > 0]
    assert len(made) > 0 and made["person1_source"].str.startswith("retrieved:humanml3d:s").all()
    assert "humanml3d motions of the train split of solo" in output.info["pieces"]["person1"]
    capsys.readouterr()
    assert run(setup, tmp_path / "x", "--library", str(tmp_path / "nowhere")) == 2
    assert "--library folder not found" in capsys.readouterr().err
    assert run(setup, tmp_path / "x", "--library", str(corpus), "--person1", "joint") == 2
    assert "use --person1 retrieved" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_person_and_physical_filters_from_run_to_filter(setup, tmp_path, capsys):
    assert run(setup, tmp_path / "out", "--person-evaluator", str(setup["person_evaluator"]), "--person-delta", "-1",
               "--physical-percentile", "99", "--delta", "-1", "--r-min", "0", "--r-max", "100") == 0
    printed = capsys.readouterr().out
    assert "physical limits (p99 of 8 real clips)" in printed and "per-person filter" in printed
    output = read_compose_output(tmp_path / "out")
    made = output.candidates[output.candidates["frames"] > 0]
    columns = ["person1_cosine", "person2_cosine", "penetration", "jitter", "foot_skating"]
    assert len(made) > 0 and made[columns].notna().all().all()
    assert made[["person1_cosine", "person2_cosine"]].abs().le(1.0 + 1e-5).all().all()
    limits = output.info["real_physical_percentiles"]
    assert output.thresholds.max_jitter == pytest.approx(limits["jitter"]["p99"])
    assert output.thresholds.person_delta == -1.0
    # delta and radii wide open: only the physical filter (limits from the real clips) can reject
    assert set(made["status"]) <= {"kept", "implausible"}
    assert compose.main(["filter", "--out", str(tmp_path / "out"), "--person-delta", "1"]) == 0
    assert "low_person_cosine" in capsys.readouterr().out
    assert set(read_compose_output(tmp_path / "out").candidates.loc[made.index, "status"]) == {"low_person_cosine"}
    assert compose.main(["filter", "--out", str(tmp_path / "out"), "--person-delta", "off",
                         "--physical-percentile", "off"]) == 0
    assert "kept 3 (100.0%)" in capsys.readouterr().out
    assert compose.main(["filter", "--out", str(tmp_path / "out"), "--physical-percentile", "97"]) == 2
    assert "stores no real p97" in capsys.readouterr().err
    assert compose.main(["filter", "--out", str(tmp_path / "out"), "--max-jitter", "0"]) == 0
    assert "implausible 3" in capsys.readouterr().out


def test_the_per_person_filter_refuses_the_shipped_single_evaluator_and_two_person_ones(setup, tmp_path, capsys,
                                                                                        monkeypatch):
    from t2i_core.compose import scoring

    monkeypatch.setattr(scoring, "SINGLE_EVALUATOR", setup["person_evaluator"])  # stands in for assets/
    assert run(setup, tmp_path / "x", "--person-evaluator", str(setup["person_evaluator"])) == 2
    assert "refusing assets/single_evaluator as the per-person filter" in capsys.readouterr().err
    monkeypatch.undo()
    assert run(setup, tmp_path / "x", "--person-evaluator", str(setup["evaluator"])) == 2
    assert "is a two-person evaluator" in capsys.readouterr().err
    assert run(setup, tmp_path / "x", "--person-delta", "0.3") == 2
    assert "--person-delta needs --person-evaluator" in capsys.readouterr().err
    assert run(setup, tmp_path / "x", "--person-evaluator", str(tmp_path / "nowhere")) == 2
    assert "person evaluator folder not found" in capsys.readouterr().err
    assert run(setup, tmp_path / "x", "--physical-percentile", "0") == 2
    assert "physical percentile must lie in (0, 100]" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def reaction_eval(setup, *extra):
    return compose.main(["reaction-eval", "--data", str(setup["real"]), "--split", "train", "--evaluator",
                         str(setup["evaluator"]), "--max-clips", "3", "--steps", "2", "--cache-dir",
                         str(setup["cache"]), "--device", "cpu", "--no-progress", *extra])


def test_reaction_eval_prints_the_table_and_writes_json(setup, tmp_path, capsys):
    out = tmp_path / "table.json"
    assert reaction_eval(setup, "--checkpoint", str(setup["reaction"]), "--json", str(out)) == 0
    printed = capsys.readouterr().out
    assert "| method | R@1" in printed and "| trained |" in printed and "| inpaint |" in printed
    stored = json.loads(out.read_text())
    assert stored["clips"] == 3 and list(stored["rows"]) == ["ground truth", "trained", "inpaint"]
    assert reaction_eval(setup, "--checkpoint", str(setup["model"]), "--methods", "trained") == 2
    assert "use --reaction inpaint" in capsys.readouterr().err
    assert reaction_eval(setup, "--checkpoint", str(setup["single"]), "--methods", "inpaint") == 2
    assert "single-person model" in capsys.readouterr().err


def test_a_fresh_clone_composes_with_the_shipped_filter_evaluator(setup, tmp_path):
    """No --filter-evaluator: the shipped one (the other half of the training clips, another seed) is used;
    the protocol's evaluator stays refused."""
    default = compose.build_parser().parse_args(["run", "--real", "r", "--out", "o", "--candidates", "1"])
    assert default.filter_evaluator == DEFAULT_FILTER_EVALUATOR
    assert check_filter_evaluator(DEFAULT_FILTER_EVALUATOR) == DEFAULT_FILTER_EVALUATOR.resolve()
    training = json.loads((DEFAULT_FILTER_EVALUATOR / "config.json").read_text())["training"]
    protocol = json.loads((PROTOCOL_EVALUATOR / "config.json").read_text())["training"]
    assert training["train_half"] == 1 and training["seed"] != protocol["seed"]
    assert protocol.get("train_half") is None  # the protocol's evaluator saw every training clip
    with pytest.raises(FilterEvaluatorError, match="must not choose the training data"):
        check_filter_evaluator(PROTOCOL_EVALUATOR)

    assert compose.main(["run", "--real", str(setup["real"]), "--out", str(tmp_path / "out"), "--candidates", "3",
                         "--seed", "4", "--model", str(setup["model"]), "--steps", "3", "--k", "3",
                         "--min-seconds", "1", "--max-seconds", "1.5", "--cache-dir", str(setup["cache"]),
                         "--no-progress", "--device", "cpu"]) == 0
    output = read_compose_output(tmp_path / "out")
    assert output.info["filter_evaluator"] == str(DEFAULT_FILTER_EVALUATOR.resolve())
    assert len(output.candidates) == 3 and output.candidates["cosine"].notna().any()


def test_person2_coupled_from_the_cli_records_how_it_was_made(setup, tmp_path, capsys):
    coupled = ("--person2", "coupled", "--single-person", str(setup["single"]), "--coupling-strength", "0.4")
    assert run(setup, tmp_path / "out", *coupled) == 0
    output = read_compose_output(tmp_path / "out")
    assert output.info["config"]["person2"] == "coupled" and output.info["config"]["coupling_strength"] == 0.4
    assert "SDEdit at strength 0.4" in output.info["pieces"]["person2"]
    assert output.info["pieces"]["placement"]["all"]["clips"] == 8  # the tiny real folder's train clips
    assert set(output.info["sources"]) == {"real", "model", "single_person", "library", "placement"}
    assert len(output.candidates) == 3 and output.candidates["cosine"].notna().any()
    capsys.readouterr()
    assert run(setup, tmp_path / "out", "--person2", "coupled", "--single-person", str(setup["single"]),
               "--coupling-strength", "0.6") == 2
    assert "(changed: coupling_strength)" in capsys.readouterr().err
    assert run(setup, tmp_path / "x", "--person2", "coupled") == 2
    assert "--person2 coupled needs --single-person" in capsys.readouterr().err
    assert run(setup, tmp_path / "x", "--person2", "coupled", "--single-person", str(setup["model"])) == 2
    assert "2-person checkpoint" in capsys.readouterr().err
    assert run(setup, tmp_path / "x", *coupled[:-1], "0") == 2
    assert "strength must be a number in (0, 1]" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_a_resume_with_other_descriptions_library_or_evaluator_is_refused(setup, tmp_path, capsys):
    """Every option that changes the candidates or their scores is part of the run's identity."""
    from tests.fixtures import solo_folder

    corpus = solo_folder(tmp_path / "solo", {"train": [f"s{i}" for i in range(4)], "test": ["t0"]})
    out = tmp_path / "out"
    assert run(setup, out, "--descriptions", "broad", "--library", str(corpus)) == 0
    assert run(setup, out, "--descriptions", "broad", "--library", str(corpus)) == 0  # the same: continues
    capsys.readouterr()
    for extra, changed in ((("--library", str(corpus)), "descriptions"),
                           (("--descriptions", "broad"), "sources.library.digest, sources.library.kind"),
                           (("--descriptions", "broad", "--library", str(corpus), "--person-evaluator",
                             str(setup["person_evaluator"])), "scorers.person_evaluator")):
        assert run(setup, out, *extra) == 2
        assert f"(changed: {changed})" in capsys.readouterr().err
    other = tiny_evaluator(tmp_path / "other_evaluator", seed=5)
    assert run(setup, out, "--descriptions", "broad", "--library", str(corpus), evaluator=other) == 2
    assert "(changed: scorers.filter_evaluator.digest)" in capsys.readouterr().err
