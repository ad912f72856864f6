import json

import pytest

from t2i_core.checkpoint import read_config
from tests.fixtures import build_folder
from training import evaluate, train_evaluator


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    return build_folder(root / "d", {"train": [f"t{i}" for i in range(6)], "val": ["v0", "v1", "v2"],
                                     "test": ["e0", "e1", "e2", "e3"]})


def run(folder, out, cache, *extra):
    return train_evaluator.main(["--data", str(folder), "--out", str(out), "--epochs", "2", "--batch-size", "4",
                                 "--cache-dir", str(cache), "--device", "cpu", *extra])


@pytest.mark.slow  # trains or runs torchrun
def test_training_writes_a_checkpoint_and_resumes_exactly(folder, tmp_path):
    cache = tmp_path / "cache"
    assert run(folder, tmp_path / "straight", cache) == 0
    assert run(folder, tmp_path / "split", cache, "--stop-after", "1") == 0
    assert json.loads((tmp_path / "split" / "config.json").read_text())["epoch"] == 1
    assert run(folder, tmp_path / "split", cache, "--resume") == 0
    payload = read_config(tmp_path / "split", "evaluator")
    assert payload["epoch"] == 2 and payload["text_encoder"] == "minilm"
    assert (tmp_path / "split" / "model.safetensors").read_bytes() == \
        (tmp_path / "straight" / "model.safetensors").read_bytes()
    log = (tmp_path / "split" / "log.csv").read_text().splitlines()
    assert log[0].startswith("epoch,step,loss,twin_loss,role_loss,actor_loss,val_r1") and len(log) == 3
    assert (tmp_path / "straight" / "best" / "model.safetensors").is_file()


@pytest.mark.slow  # trains or runs torchrun
def test_evaluate_ground_truth_writes_the_table_and_json(folder, tmp_path, capsys):
    cache = tmp_path / "cache"
    assert run(folder, tmp_path / "ev", cache) == 0
    capsys.readouterr()
    out_json = tmp_path / "gt.json"
    code = evaluate.main(["--data", str(folder), "--split", "test", "--evaluator", str(tmp_path / "ev"),
                          "--generator", "gt", "--json", str(out_json), "--replications", "3",
                          "--cache-dir", str(cache), "--device", "cpu"])
    assert code == 0
    table = capsys.readouterr().out
    assert "Ground truth" in table and "R@1" in table and "MM Dist" in table
    numbers = json.loads(out_json.read_text())
    for key in ("r_precision", "fid", "mm_dist", "diversity", "multimodality", "foot_skating_ratio",
                "floor_penetration", "inter_person_penetration", "bone_length_error", "jitter"):
        assert key in numbers
    assert len(numbers["r_precision"]) == 3 and numbers["fid"] == pytest.approx(0.0, abs=1e-4)
    assert numbers["multimodality"] is None and numbers["clips"] == 4 and numbers["replications"] == 3


@pytest.mark.slow  # trains or runs torchrun
def test_evaluate_rejects_a_generator_that_does_not_exist(folder, tmp_path, capsys):
    cache = tmp_path / "cache"
    assert run(folder, tmp_path / "ev", cache) == 0
    code = evaluate.main(["--data", str(folder), "--evaluator", str(tmp_path / "ev"),
                          "--generator", str(tmp_path / "no_model"), "--cache-dir", str(cache)])
    assert code == 2
    assert "neither 'gt' nor an existing checkpoint folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    code = evaluate.main(["--data", str(folder), "--evaluator", str(tmp_path / "ev"),
                          "--generator", str(tmp_path / "empty"), "--cache-dir", str(cache)])
    assert code == 2
    assert "is not a checkpoint folder" in capsys.readouterr().err


@pytest.mark.slow  # trains or runs torchrun
def test_evaluate_a_generator_checkpoint_next_to_the_ground_truth(folder, tmp_path, capsys):
    from training import train_interactor

    cache = tmp_path / "cache"
    assert run(folder, tmp_path / "ev", cache) == 0
    assert train_interactor.main(["--data", str(folder), "--out", str(tmp_path / "gen"), "--config", "tiny",
                                  "--steps", "2", "--batch-size", "4", "--cache-dir", str(cache),
                                  "--eval-every", "0", "--quiet", "--device", "cpu"]) == 0
    capsys.readouterr()
    out_json = tmp_path / "gen.json"
    assert evaluate.main(["--data", str(folder), "--evaluator", str(tmp_path / "ev"), "--generator",
                          str(tmp_path / "gen"), "--json", str(out_json), "--replications", "2", "--steps", "2",
                          "--mm-captions", "2", "--mm-generations", "3", "--cache-dir", str(cache)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[2].startswith("Ground truth") and table[3].startswith("gen")
    numbers = json.loads(out_json.read_text())
    assert numbers["generator"] == str(tmp_path / "gen") and numbers["multimodality"] > 0
    assert numbers["fid"] > numbers["ground_truth"]["fid"]


@pytest.mark.slow  # trains or runs torchrun
def test_training_with_a_manifest_batches_twins_and_reports_their_accuracy(tmp_path):
    root = build_folder(tmp_path / "twins", {"train": [f"t{i}" for i in range(6)], "val": ["v0", "v1", "v2"]})
    two = [{"kind": "push", "initiator": 1, "start": 0, "end": 20},
           {"kind": "hug", "initiator": 2, "start": 20, "end": 50}]
    records = [{"id": "t0", "group": 0, "contrast": "order", "phases": two},
               {"id": "t1", "group": 0, "contrast": "order", "phases": two[::-1]},
               {"id": "t2", "group": 1, "contrast": None}, {"id": "t3", "group": 1, "contrast": None},
               {"id": "v0", "group": 5, "contrast": "side"}, {"id": "v1", "group": 5, "contrast": "side"}]
    (root / "manifest.json").write_text(json.dumps({"records": records}))
    assert run(root, tmp_path / "ev", tmp_path / "cache", "--stop-after", "1", "--role-weight", "1",
               "--actor-weight", "1") == 0
    header, row = (tmp_path / "ev" / "log.csv").read_text().splitlines()
    values = dict(zip(header.split(","), row.split(",")))
    assert float(values["twin_loss"]) > 0 and float(values["role_loss"]) > 0 and float(values["actor_loss"]) > 0
    assert float(values["val_twin"]) in (0.0, 0.5, 1.0)     # one side pair, two trials
    payload = read_config(tmp_path / "ev", "evaluator")
    assert set(payload["val_twin_accuracy"]) == {"side"}
    assert payload["training"]["twin_batches"] is True and payload["training"]["twin_weight"] == 1.0
    assert payload["training"]["role_weight"] == 1.0 and payload["training"]["actor_weight"] == 1.0
    assert payload["config"]["motion_layout"] == "persons"
    assert run(root, tmp_path / "off", tmp_path / "cache", "--stop-after", "1", "--twin-weight", "0",
               "--role-weight", "0", "--actor-weight", "0", "--no-twin-batches") == 0
    header, row = (tmp_path / "off" / "log.csv").read_text().splitlines()
    values = dict(zip(header.split(","), row.split(",")))
    assert values["twin_loss"] == "" and values["role_loss"] == "" and values["actor_loss"] == ""


def test_negative_twin_or_role_weights_are_refused(folder, tmp_path, capsys):
    assert run(folder, tmp_path / "ev", tmp_path / "cache", "--twin-weight", "-1") == 2
    assert "--twin-weight must be 0 or more" in capsys.readouterr().err
    assert run(folder, tmp_path / "ev", tmp_path / "cache", "--role-weight", "-0.5") == 2
    assert "--role-weight must be 0 or more" in capsys.readouterr().err
    assert run(folder, tmp_path / "ev", tmp_path / "cache", "--actor-weight", "-2") == 2
    assert "--actor-weight must be 0 or more" in capsys.readouterr().err


def test_actor_probe_on_a_joint_layout_evaluator_is_a_clear_error(folder, tmp_path, capsys):
    from t2i_core.models.evaluator import EvaluatorConfig, InteractionEvaluator
    from t2i_core.models.registry import save_checkpoint

    joint = EvaluatorConfig(patch_frames=4, motion_latent=32, motion_layers=1, motion_heads=2, motion_ff=64,
                            text_source="encoder_tokens", text_encoder="minilm", text_input_dim=384,
                            text_width=32, text_layers=1, text_heads=2, text_ff=64, embed_dim=16)
    save_checkpoint(tmp_path / "joint", InteractionEvaluator(joint), text_encoder="minilm")
    assert run(folder, tmp_path / "ev", tmp_path / "cache", "--init-from", str(tmp_path / "joint"),
               "--actor-weight", "1") == 2
    assert "--actor-weight needs the persons motion layout" in capsys.readouterr().err
    # Left at its default, the probe is simply off for the joint layout.
    assert run(folder, tmp_path / "ev", tmp_path / "cache", "--init-from", str(tmp_path / "joint"),
               "--stop-after", "1") == 0
    assert read_config(tmp_path / "ev", "evaluator")["training"]["actor_weight"] == 0.0


@pytest.mark.slow  # trains or runs torchrun
def test_init_from_starts_at_another_checkpoints_weights(folder, tmp_path, capsys):
    import torch
    from safetensors.torch import load_file

    cache = tmp_path / "cache"
    assert run(folder, tmp_path / "base", cache, "--stop-after", "1") == 0
    assert run(folder, tmp_path / "tuned", cache, "--init-from", str(tmp_path / "base"), "--stop-after", "1",
               "--lr", "1e-12") == 0
    base = load_file(str(tmp_path / "base" / "model.safetensors"))
    tuned = load_file(str(tmp_path / "tuned" / "model.safetensors"))
    assert base.keys() == tuned.keys()
    # a learning rate of 1e-12 leaves the starting weights in place (up to AdamW's decay)
    assert all(torch.allclose(base[k], tuned[k], atol=1e-6) for k in base)
    assert read_config(tmp_path / "tuned", "evaluator")["training"]["init_from"] == str(tmp_path / "base")
    capsys.readouterr()
    assert run(folder, tmp_path / "x", cache, "--init-from", str(tmp_path / "nothing")) == 2
    assert "nothing" in capsys.readouterr().err


@pytest.mark.slow  # trains or runs torchrun
def test_train_half_is_recorded_and_only_two_halves_exist(folder, tmp_path):
    assert run(folder, tmp_path / "half", tmp_path / "cache", "--train-half", "1", "--stop-after", "1",
               "--batch-size", "2") == 0
    assert read_config(tmp_path / "half", "evaluator")["training"]["train_half"] == 1
    with pytest.raises(SystemExit):
        run(folder, tmp_path / "bad", tmp_path / "cache", "--train-half", "2")


def test_a_single_person_evaluator_trains_on_a_humanml3d_folder_and_scores_the_prior(tmp_path, capsys):
    from tests.fixtures import solo_folder
    from training import train_interactor

    solo = solo_folder(tmp_path / "solo", {"train": [f"s{i}" for i in range(6)], "val": ["v0", "v1"],
                                           "test": ["e0", "e1", "e2"]})
    cache = tmp_path / "cache"
    assert train_evaluator.main(["--data", str(solo), "--out", str(tmp_path / "ev"), "--config", "single",
                                 "--epochs", "1", "--batch-size", "4", "--cache-dir", str(cache),
                                 "--device", "cpu"]) == 0
    assert read_config(tmp_path / "ev", "evaluator")["config"]["motion_layout"] == "single"
    # the wrong kind of data for a config is refused with what is accepted
    pairs = build_folder(tmp_path / "pairs", {"train": ["t0", "t1"], "val": ["v0", "v1"]})
    assert train_evaluator.main(["--data", str(pairs), "--out", str(tmp_path / "bad"), "--config", "single",
                                 "--epochs", "1", "--cache-dir", str(cache), "--device", "cpu"]) == 2
    assert "--config single with HumanML3D-layout folders" in capsys.readouterr().err
    assert train_interactor.main(["--data", str(solo), "--out", str(tmp_path / "prior"), "--config", "single-tiny",
                                  "--batch-size", "4", "--steps", "2", "--quiet", "--eval-every", "0",
                                  "--cache-dir", str(cache), "--device", "cpu"]) == 0
    out_json = tmp_path / "prior.json"
    assert evaluate.main(["--data", str(solo), "--split", "test", "--evaluator", str(tmp_path / "ev"),
                          "--generator", str(tmp_path / "prior"), "--replications", "1", "--steps", "2",
                          "--mm-captions", "0", "--json", str(out_json), "--cache-dir", str(cache),
                          "--device", "cpu"]) == 0
    numbers = json.loads(out_json.read_text())
    assert numbers["clips"] == 3 and len(numbers["r_precision"]) == 3
    assert "inter_person_penetration" not in numbers and numbers["jitter"] > 0
    # a pair evaluator cannot score one person: a clear error, no traceback
    assert evaluate.main(["--data", str(solo), "--split", "test", "--evaluator", str(tmp_path / "ev_pairs_missing"),
                          "--cache-dir", str(cache)]) == 2


def test_several_data_roots_train_one_evaluator_with_their_ids_kept_apart(folder, tmp_path):
    other = build_folder(tmp_path / "other", {"train": ["t0", "t1", "x2"], "val": ["v0"]})
    cache = tmp_path / "cache"
    assert train_evaluator.main(["--data", str(folder), "--data", str(other), "--out", str(tmp_path / "ev"),
                                 "--epochs", "1", "--batch-size", "4", "--cache-dir", str(cache),
                                 "--device", "cpu"]) == 0
    payload = read_config(tmp_path / "ev", "evaluator")
    assert payload["data"] == [str(folder), str(other)]
    merged = train_evaluator.open_split([folder, other], "train", "eval", 300, cache)
    assert merged.clip_ids == [f"t{i}" for i in range(6)] + ["root1/t0", "root1/t1", "root1/x2"]
    assert len({e.features_path for e in merged.entries}) == 9  # root1/t0 is the other folder's clip


def test_an_oracle_evaluator_is_marked_and_refused_by_training_that_picks_checkpoints(folder, tmp_path, capsys):
    from training import train_interactor

    cache = tmp_path / "cache"
    assert run(folder, tmp_path / "oracle", cache, "--oracle", "--stop-after", "1") == 0
    assert read_config(tmp_path / "oracle", "evaluator")["instrument"] == "oracle"
    assert run(folder, tmp_path / "oracle", cache, "--resume") == 0  # a resumed oracle stays one
    assert read_config(tmp_path / "oracle" / "best", "evaluator")["instrument"] == "oracle"
    assert "instrument" not in read_config(tmp_path / "oracle", "evaluator")["training"]
    code = train_interactor.main(["--data", str(folder), "--out", str(tmp_path / "m"), "--config", "tiny",
                                  "--batch-size", "4", "--steps", "1", "--quiet", "--cache-dir", str(cache),
                                  "--device", "cpu", "--evaluator", str(tmp_path / "oracle")])
    assert code == 2 and "refusing the oracle evaluator 'oracle'" in capsys.readouterr().err
