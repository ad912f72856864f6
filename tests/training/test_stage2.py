import hashlib
import json
import math
import shutil

import numpy as np
import pytest

from t2i_core.compose.filters import Thresholds, statuses
from t2i_core.compose.output import read_compose_output
from t2i_core.data.interhuman import InterHumanDataset
from t2i_core.data.manifest import held_out_ids
from tests.compose.builders import tiny_evaluator, tiny_interactor
from tests.fixtures import build_compose_output, build_folder
from tests.training.recorder import Recorder, refuse
from training import stage2, train_interactor
from training.evaluate import load_items
from training.train_interactor import parse

TEST_IDS = ["e0", "e1", "e2", "e3"]
HELD_OUT_PAIRS = [["hug", "wave"], ["bow", "high_five"]]
PHASES = {"e0": ["wave", "hug"], "e1": ["high_five", "walk", "bow"], "e2": ["wave", "bow"], "e3": ["hug", "push"],
          "t0": ["wave", "push"]}
RADII = "0.4:0.8"  # one extra arm (arm 6) keeps the test short; the default pair is tested apart
NAMES = ["stage1", "real_only", "unfiltered", "delta", "annulus", "radii_1"]
FINETUNED = NAMES[1:]


def write_procedural_extras(root):
    """The procedural set's manifest (phases, held-out pairs) and order-sensitive list, for a few clips."""
    records = [{"id": clip_id, "index": n, "group": n, "contrast": None,
                "phases": [{"kind": kind, "start": 0, "end": 10, "initiator": 1} for kind in kinds]}
               for n, (clip_id, kinds) in enumerate(PHASES.items())]
    (root / "manifest.json").write_text(json.dumps({"held_out_pairs": HELD_OUT_PAIRS, "records": records}))
    (root / "split" / "test_order_sensitive.txt").write_text("e2\ne3\n")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    from t2i_core.text import build_text_encoder

    root = tmp_path_factory.mktemp("stage2_data")
    real = build_folder(root / "real", {"train": [f"t{i}" for i in range(6)], "test": TEST_IDS})
    write_procedural_extras(real)
    compose = build_compose_output(root / "compose", root / "compose_real")
    return {"real": real, "compose": compose, "cache": root / "cache",
            "stage1": tiny_interactor(root / "stage1", build_text_encoder("minilm")),
            "evaluator": tiny_evaluator(root / "evaluator")}


def argv(data, out, *extra):
    return ["--real", str(data["real"]), "--compose", str(data["compose"]), "--stage1", str(data["stage1"]),
            "--steps", "2", "--out", str(out), "--ratio", "1:1", "--batch-size", "2", "--train-max-clips", "4",
            "--radii", RADII, "--replications", "1", "--eval-steps", "2", "--mm-captions", "0", "--max-clips", "4",
            "--evaluator", str(data["evaluator"]), "--device", "cpu", "--cache-dir", str(data["cache"]),
            "--quiet", *extra]


def by_folder(out):
    return out.parent.name  # OUT/<arm>/model


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def finished(data, tmp_path_factory):
    """A run killed in the middle of the delta arm's training, then run again to the end."""
    out = tmp_path_factory.mktemp("stage2") / "out"
    kept_file = data["compose"] / "split" / "train.txt"
    before = {"kept": digest(kept_file), "candidates": digest(data["compose"] / "candidates.parquet")}
    with pytest.MonkeyPatch.context() as patch:
        killed = Recorder(train_interactor.train, by_folder, interrupt="delta")
        patch.setattr(train_interactor, "train", killed)
        with pytest.raises(KeyboardInterrupt):
            stage2.main(argv(data, out))
        state = {"eval": {n: (out / n / "eval.json").is_file() for n in NAMES},
                 "delta_step": json.loads((out / "delta" / "model" / "config.json").read_text())["step"]}
        again = Recorder(killed.real, by_folder)
        patch.setattr(train_interactor, "train", again)
        assert stage2.main(argv(data, out)) == 0
    after = {"kept": digest(kept_file), "candidates": digest(data["compose"] / "candidates.parquet")}
    return {"out": out, "first": killed.calls, "second": again.calls, "killed": state, "compose_hashes": (before,
                                                                                                          after)}


@pytest.mark.slow  # trains or runs torchrun
def test_every_arm_is_reported_with_numbers(finished):
    out = finished["out"]
    report = json.loads((out / "report.json").read_text())
    assert [row["name"] for row in report["rows"]] == ["ground_truth", *NAMES]
    for row in report["rows"]:
        results = row["results"]
        assert len(results["r_precision"]) == 3 and all(0 <= r <= 1 for r in results["r_precision"])
        for key in ("fid", "mm_dist", "diversity", "foot_skating_ratio", "jitter", "held_out_r1", "held_out_fid",
                    "held_out_r3", "order_sensitive_r1", "order_sensitive_mm_dist", "held_out_jitter"):
            assert isinstance(results[key], float), (row["name"], key)
    markdown = (out / "report.md").read_text()
    assert markdown.startswith("# Stage 2: fine-tuning on real + synthetic data, 2 steps per arm\n")
    for arm in stage2.arms(stage2.Stage2Config(**report["settings"])):
        assert f"| {arm.label} |" in markdown
    assert "## Subset `held_out`" in markdown and "## Subset `order_sensitive`" in markdown
    assert "±" not in markdown and "no intervals with one replication" in markdown
    assert "python -m training.stage2 --real" in markdown and "python -m training.train_interactor" in markdown
    assert report["verdict"]["text"] in markdown


@pytest.mark.slow  # trains or runs torchrun
def test_the_verdict_is_computed_from_the_numbers(finished):
    report = json.loads((finished["out"] / "report.json").read_text())
    results = {row["name"]: row["results"] for row in report["rows"]}
    checks = report["verdict"]["checks"]
    for name in stage2.CONTROLS:
        assert checks["fid"][name]["beats"] == (results["annulus"]["fid"] < results[name]["fid"])
        assert checks["r3"][name]["beats"] == (results["annulus"]["r_precision"][2] > results[name]["r_precision"][2])
    # intervals: overlapping or separated as the numbers say
    paper = {"fid": 5.19, "r_precision": [0.5, 0.6, 0.72], "intervals": {"fid": 0.05, "r_precision": [0, 0, 0.01]}}
    worse = {"fid": 5.70, "r_precision": [0.5, 0.6, 0.70], "intervals": {"fid": 0.05, "r_precision": [0, 0, 0.005]}}
    close = {"fid": 5.25, "r_precision": [0.5, 0.6, 0.70], "intervals": {"fid": 0.05, "r_precision": [0, 0, 0.005]}}
    separated = stage2.verdict({"annulus": paper, "real_only": worse, "unfiltered": worse, "delta": worse})
    assert separated["holds"] and separated["text"].startswith("The paper's finding holds here")
    overlapping = stage2.verdict({"annulus": paper, "real_only": worse, "unfiltered": close, "delta": worse})
    assert overlapping["beats_all"] and not overlapping["holds"]
    assert overlapping["overlapping"] == ["fid vs unfiltered"] and "not established" in overlapping["text"]
    worst = {"fid": 6.0, "r_precision": [0.5, 0.6, 0.65], "intervals": {"fid": 0.05, "r_precision": [0, 0, 0.005]}}
    lost = stage2.verdict({"annulus": worse, "real_only": paper, "unfiltered": worst, "delta": worst})
    assert not lost["beats_all"] and lost["text"] == ("The paper's finding does not hold here: arm 5 (delta + "
                                                      "annulus) is on FID not better than real_only; on R@3 not "
                                                      "better than real_only.")


@pytest.mark.slow  # trains or runs torchrun
def test_kept_counts_follow_the_filters(data, finished):
    out = finished["out"]
    settings = json.loads((out / "stage2_config.json").read_text())
    rows = {row["name"]: row for row in json.loads((out / "report.json").read_text())["rows"]}
    candidates = read_compose_output(data["compose"]).candidates
    has_motion = (candidates["frames"] > 0).to_numpy()

    def expected(delta, r_min=0.0, r_max=math.inf):
        found = statuses(candidates["cosine"].to_numpy(), candidates["distance"].to_numpy(), has_motion,
                         Thresholds(delta=delta, r_min=r_min, r_max=r_max, k=3))
        return sorted(candidates["id"][found == "kept"])

    wanted = {"unfiltered": expected(-1.0), "delta": expected(0.58), "annulus": expected(0.58, *settings["annulus"]),
              "radii_1": expected(0.58, 0.4, 0.8)}
    assert settings["annulus"] == [0.2, 1.0]  # the compose run's default radii
    for name, ids in wanted.items():
        assert rows[name]["kept"]["kept"] == len(ids)
        assert (out / name / "synthetic" / "split" / "train.txt").read_text().split() == ids
        assert json.loads((out / name / "eval.json").read_text())["kept"]["kept"] == len(ids)
    assert len(wanted["unfiltered"]) == int(has_motion.sum())
    assert len(wanted["unfiltered"]) > len(wanted["delta"]) > len(wanted["annulus"]) > 0
    assert set(wanted["annulus"]) <= set(wanted["delta"]) <= set(wanted["unfiltered"])
    assert rows["real_only"]["kept"] is None and rows["stage1"]["kept"] is None
    # the trainer reads the kept set through the light folder, which links into the compose output
    dataset = InterHumanDataset(out / "annulus" / "synthetic", "train", mode="eval", progress=False)
    assert dataset.clip_ids == wanted["annulus"]
    assert (out / "annulus" / "synthetic" / "motions_processed").resolve() == \
        (data["compose"] / "motions_processed").resolve()


@pytest.mark.slow  # trains or runs torchrun
def test_the_compose_output_is_left_as_it_was(finished):
    before, after = finished["compose_hashes"]
    assert before == after


@pytest.mark.slow  # trains or runs torchrun
def test_every_arm_trains_with_the_same_recipe(data, finished):
    out = finished["out"]
    calls = finished["first"] + finished["second"]
    assert [name for name, _, _ in finished["first"]] == ["real_only", "unfiltered", "delta"]
    assert [name for name, _, _ in finished["second"]] == ["delta", "annulus", "radii_1"]
    assert finished["second"][0][2].resume
    assert not any(options.resume for _, _, options in finished["first"] + finished["second"][1:])
    for _, config, _ in calls:
        assert config.init_from == str(data["stage1"].resolve()) and config.model is None
        assert (config.training.steps, config.training.lr, config.training.seed) == (2, 5e-6, 0)
    for name in FINETUNED:
        saved = json.loads((out / name / "model" / "config.json").read_text())
        assert saved["step"] == 2 and saved["training"]["lr"] == 5e-6
        ratios = [d["ratio"] for d in saved["data"]]
        assert ratios == ([1.0] if name == "real_only" else [1.0, 1.0])
    eval_json = json.loads((out / "annulus" / "eval.json").read_text())
    assert eval_json["generator"] == str(out / "annulus" / "model")
    assert eval_json["clips"] == 4 and parse(eval_json["trainer_argv"]) == calls[-2][1:]
    assert json.loads((out / "stage1" / "eval.json").read_text())["generator"] == str(data["stage1"].resolve())


@pytest.mark.slow  # trains or runs torchrun
def test_seconds_are_recorded(finished):
    out = finished["out"]
    for name in FINETUNED:
        seconds = json.loads((out / name / "eval.json").read_text())["seconds"]
        assert seconds["train"]["cpu_seconds"] > 0 and seconds["eval"]["cpu_seconds"] > 0
        assert seconds["train"]["sessions"] == (2 if name == "delta" else 1)  # killed once, resumed once
    assert json.loads((out / "stage1" / "eval.json").read_text())["seconds"]["train"] is None


@pytest.mark.slow  # trains or runs torchrun
def test_a_killed_run_resumes_where_it_stopped(finished):
    killed = finished["killed"]
    assert killed["eval"] == {n: n in ("stage1", "real_only", "unfiltered") for n in NAMES}
    assert killed["delta_step"] == 1


@pytest.mark.slow  # trains or runs torchrun
def test_a_second_run_skips_what_is_finished(data, finished, monkeypatch):
    out = finished["out"]
    files = [out / name / "eval.json" for name in NAMES] + [out / name / "model" / "model.safetensors"
                                                            for name in FINETUNED]
    before = {f: f.stat().st_mtime_ns for f in files}
    monkeypatch.setattr(train_interactor, "train", refuse)
    assert stage2.main(argv(data, out)) == 0
    assert {f: f.stat().st_mtime_ns for f in files} == before


@pytest.mark.slow  # trains or runs torchrun
def test_other_settings_into_the_same_out_are_refused(data, finished, monkeypatch, capsys):
    out = finished["out"]
    saved = (out / "stage2_config.json").read_text()
    monkeypatch.setattr(train_interactor, "train", refuse)
    capsys.readouterr()
    assert stage2.main([*argv(data, out), "--lr", "1e-5"]) == 2
    error = capsys.readouterr().err
    assert "holds a stage-2 experiment with other settings" in error and "lr: 5e-06 there, 1e-05 now" in error
    assert (out / "stage2_config.json").read_text() == saved


def test_bad_input_is_refused_before_anything_runs(data, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(train_interactor, "train", refuse)
    demo = tmp_path / "demo"
    shutil.copytree(data["compose"], demo)
    shutil.rmtree(demo / "motions_processed")
    out = tmp_path / "out"
    cases = [
        (["--compose", str(data["real"])], "--compose: ", "is not an InterCompose output: compose.json is missing"),
        (["--compose", str(demo)], "lacks its motions", "--compose"),
        (["--ratio", "half"], "--ratio takes REAL:SYNTHETIC", "0.5:0.5"),
        (["--ratio", "1:0"], "two positive numbers", "--ratio"),
        (["--stage1", str(data["evaluator"])], "--stage1: ", "interactor"),
        (["--stage1", str(tmp_path)], "--stage1: ", str(tmp_path)),
        (["--radii", "0.9:0.1"], "radii take R_MIN:R_MAX", "0.9:0.1"),
        (["--annulus", "5:6"], "keep no synthetic candidate", "annulus"),
        (["--evaluator", str(data["stage1"])], "--evaluator: ", "evaluator"),
        (["--real", str(tmp_path / "missing")], "data folder not found", "missing"),
        (["--steps", "0"], "--steps must be at least 1", "0"),
    ]
    for extra, message, detail in cases:
        assert stage2.main([*argv(data, out), *extra]) == 2, extra
        error = capsys.readouterr().err
        assert message in error and detail in error, (extra, error)
        assert not out.exists()


def test_the_filter_evaluator_is_refused_as_the_protocols(data, tmp_path, monkeypatch, capsys):
    compose = tmp_path / "compose"
    shutil.copytree(data["compose"], compose)
    info = json.loads((compose / "compose.json").read_text())
    (compose / "compose.json").write_text(json.dumps({**info, "filter_evaluator": str(data["evaluator"])}))
    monkeypatch.setattr(train_interactor, "train", refuse)
    assert stage2.main([*argv(data, tmp_path / "out"), "--compose", str(compose)]) == 2
    assert "is the compose run's filter evaluator" in capsys.readouterr().err


def test_default_radii_are_a_narrower_and_a_wider_annulus(data, tmp_path):
    args = stage2.parser().parse_args([a for a in argv(data, tmp_path / "out") if a not in ("--radii", RADII)])
    config, _ = stage2.settings_from_args(args)
    assert config.annulus == (0.2, 1.0)
    (narrow_low, narrow_high), (wide_low, wide_high) = config.radii
    assert np.allclose([narrow_low, narrow_high, wide_low, wide_high], [0.4, 0.8, 0.0, 1.2])
    assert [a.name for a in stage2.arms(config)] == [*NAMES[:-1], "radii_1", "radii_2"]
    assert not (tmp_path / "out").exists()


def test_the_held_out_subset_comes_from_the_manifest(data):
    assert held_out_ids(data["real"]) == {"e0", "e1"}  # t0: wave and push is no held-out pair
    items, subsets = load_items(data["real"], "test", data["cache"], None)
    assert [items[i].clip_id for i in subsets["held_out"]] == ["e0", "e1"]
    assert [items[i].clip_id for i in subsets["order_sensitive"]] == ["e2", "e3"]
    assert held_out_ids(data["compose"]) == set()  # no manifest: no subset
