import json
import shutil

import pytest

from tests.fixtures import build_compose_output, build_folder
from tests.training.recorder import Recorder, refuse
from training import ablate, train_interactor

NAMES = [v.name for v in ablate.VARIANTS]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("ablate_data")
    real = build_folder(root / "real", {"train": [f"t{i}" for i in range(6)], "val": ["v0", "v1"],
                                        "test": ["e0", "e1", "e2", "e3"]})
    synthetic = build_compose_output(root / "synthetic", root / "synthetic_real")
    return {"real": real, "synthetic": synthetic, "cache": root / "cache"}


def argv(data, out, *extra, synthetic=True):
    tail = ["--synthetic", str(data["synthetic"]), "--ratio", "1:1"] if synthetic else []
    return ["--data", str(data["real"]), "--budget", "2", "--finetune-steps", "1", "--out", str(out),
            "--config", "tiny", "--batch-size", "2", "--train-max-clips", "4", "--replications", "1",
            "--steps", "2", "--mm-captions", "0", "--max-clips", "4", "--device", "cpu",
            "--cache-dir", str(data["cache"]), "--quiet", *tail, *extra]


def by_folder(out):
    return out.name  # OUT/<name>


@pytest.fixture(scope="module")
def finished(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("ablate") / "out"
    with pytest.MonkeyPatch.context() as patch:
        recorder = Recorder(train_interactor.train, by_folder)
        patch.setattr(train_interactor, "train", recorder)
        assert ablate.main(argv(data, out)) == 0
    return out, recorder.calls


@pytest.mark.slow  # trains or runs torchrun
def test_the_table_lists_the_five_configurations_with_numbers(finished):
    out, _ = finished
    table = json.loads((out / "table.json").read_text())
    assert [row["name"] for row in table["rows"]] == ["ground_truth", *NAMES]
    for row in table["rows"]:
        assert row["status"] == "done"
        results = row["results"]
        assert len(results["r_precision"]) == 3 and all(0 <= r <= 1 for r in results["r_precision"])
        for key in ("fid", "mm_dist", "diversity", "foot_skating_ratio", "inter_person_penetration", "jitter"):
            assert isinstance(results[key], float)
    markdown = (out / "table.md").read_text()
    for variant in ablate.VARIANTS:
        assert f"| {variant.label} |" in markdown
    assert "±" not in markdown  # one replication: no intervals
    assert markdown.startswith("# Ablation (Table 2) at 2 steps + 1 fine-tuning step\n")
    settings = ablate.AblationConfig(**{**table["settings"], "replications": 3})
    assert f"| {ablate.VARIANTS[0].label} | sentence | DM | no | " in ablate.markdown(settings, table["rows"])
    assert " ± " in ablate.markdown(settings, table["rows"])  # intervals with several replications
    eval_json = json.loads((out / "no_ft" / "eval.json").read_text())
    assert eval_json["clips"] == 4 and eval_json["settings"]["replications"] == 1


@pytest.mark.slow  # trains or runs torchrun
def test_each_configuration_trains_with_its_switches(finished):
    out, calls = finished
    assert [name for name, _, _ in calls] == NAMES
    for (name, _, options), variant in zip(calls, ablate.VARIANTS):
        saved = json.loads((out / name / "config.json").read_text())
        assert saved["config"]["conditioning"] == variant.conditioning
        assert saved["loss"]["interaction"] == variant.interaction
        assert not options.resume
    stage1 = json.loads((out / "no_ft" / "config.json").read_text())
    assert stage1["step"] == 2 and stage1["training"]["lr"] == 5e-5
    full = json.loads((out / "full" / "config.json").read_text())
    assert full["step"] == 1 and full["training"]["lr"] == 5e-6
    assert [d["ratio"] for d in full["data"]] == [1.0, 1.0]
    full = calls[-1][1]
    assert full.init_from == str(out / "no_ft") and full.model is None and full.training.steps == 1
    assert json.loads((out / "ablate_config.json").read_text())["budget"] == 2


@pytest.mark.slow  # trains or runs torchrun
def test_a_second_run_skips_what_is_finished(data, finished, monkeypatch):
    out, _ = finished
    files = [out / name / f for name in NAMES for f in ("model.safetensors", "eval.json")]
    before = {f: f.stat().st_mtime_ns for f in files}
    table = (out / "table.md").read_text()
    monkeypatch.setattr(train_interactor, "train", refuse)
    assert ablate.main(argv(data, out)) == 0
    assert {f: f.stat().st_mtime_ns for f in files} == before
    assert (out / "table.md").read_text() == table
    # a lost eval.json is evaluated again from the trained model, which stays as it was
    lost = out / "no_wlc_ft" / "eval.json"
    numbers = json.loads(lost.read_text())["r_precision"]
    lost.unlink()
    assert ablate.main(argv(data, out)) == 0
    assert json.loads(lost.read_text())["r_precision"] == numbers
    assert (out / "no_wlc_ft" / "model.safetensors").stat().st_mtime_ns == before[out / "no_wlc_ft" /
                                                                                   "model.safetensors"]


@pytest.mark.slow  # trains or runs torchrun
def test_a_killed_run_resumes_and_gives_the_same_models(data, finished, tmp_path, monkeypatch):
    reference, _ = finished
    out = tmp_path / "out"
    killed = Recorder(train_interactor.train, by_folder, interrupt="no_ail_ft")
    monkeypatch.setattr(train_interactor, "train", killed)
    with pytest.raises(KeyboardInterrupt):
        ablate.main(argv(data, out))
    assert (out / "no_components" / "eval.json").is_file() and not (out / "no_ail_ft" / "eval.json").exists()
    assert json.loads((out / "no_ail_ft" / "config.json").read_text())["step"] == 1
    again = Recorder(killed.real, by_folder)
    monkeypatch.setattr(train_interactor, "train", again)
    assert ablate.main(argv(data, out)) == 0
    assert [name for name, _, _ in again.calls] == NAMES[1:]
    assert again.calls[0][2].resume and not again.calls[1][2].resume
    for name in NAMES:
        assert (out / name / "model.safetensors").read_bytes() == (reference / name / "model.safetensors").read_bytes()
    rows = json.loads((out / "table.json").read_text())["rows"]
    assert rows == json.loads((reference / "table.json").read_text())["rows"]


@pytest.mark.slow  # trains or runs torchrun
def test_other_settings_into_the_same_out_are_refused(data, finished, monkeypatch, capsys):
    out, _ = finished
    saved = (out / "ablate_config.json").read_text()
    monkeypatch.setattr(train_interactor, "train", refuse)
    capsys.readouterr()
    assert ablate.main([*argv(data, out), "--lr", "1e-4"]) == 2
    error = capsys.readouterr().err
    assert "holds an ablation with other settings" in error and "lr: 5e-05 there, 0.0001 now" in error
    assert (out / "ablate_config.json").read_text() == saved


@pytest.mark.slow  # trains or runs torchrun
def test_without_synthetic_data_the_full_model_is_reported_not_run(data, finished, tmp_path, monkeypatch):
    reference, _ = finished
    out = tmp_path / "out"
    for name in NAMES[:-1]:  # the stage-1 models are trained already: only evaluation runs here
        shutil.copytree(reference / name, out / name)
    monkeypatch.setattr(train_interactor, "train", refuse)
    assert ablate.main(argv(data, out, synthetic=False)) == 0
    rows = {row["name"]: row for row in json.loads((out / "table.json").read_text())["rows"]}
    assert rows["full"]["status"] == "not run" and rows["full"]["results"] is None
    assert "--synthetic" in rows["full"]["reason"]
    assert all(rows[name]["status"] == "done" for name in NAMES[:-1])
    markdown = (out / "table.md").read_text()
    assert "| full model | word | AIL | yes | not run: fine-tuning needs synthetic data" in markdown


def test_bad_input_is_refused_before_anything_runs(data, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(train_interactor, "train", refuse)
    empty = tmp_path / "empty_kept"
    shutil.copytree(data["synthetic"], empty)
    (empty / "split" / "train.txt").write_text("")
    out = tmp_path / "out"
    cases = [
        (["--data", str(tmp_path / "missing")], "data folder not found"),
        (["--budget", "0"], "--budget must be a positive number"),
        (["--synthetic", str(data["real"])], "is not an InterCompose output: compose.json is missing"),
        (["--synthetic", str(empty)], "keeps no candidate (split/train.txt is empty)"),
        (["--ratio", "half"], "--ratio takes REAL:SYNTHETIC"),
        (["--ratio", "1:0"], "two positive numbers"),
        (["--evaluator", str(data["real"])], "--evaluator: "),
    ]
    for extra, message in cases:
        assert ablate.main(argv(data, out, *extra)) == 2, extra
        assert message in capsys.readouterr().err, extra
        assert not out.exists()


def test_ratios_parse():
    assert ablate.parse_ratio("0.5:0.5") == (0.5, 0.5) and ablate.parse_ratio("1:3") == (1.0, 3.0)
    for text in ("0.5", "1:2:3", "a:b", "-1:1", "nan:1"):
        with pytest.raises(ablate.AblationError):
            ablate.parse_ratio(text)
