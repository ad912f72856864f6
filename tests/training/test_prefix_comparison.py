import json
from dataclasses import replace

import pytest

from t2i_core.text import build_text_encoder
from tests.compose.builders import tiny_interactor
from tests.fixtures import build_folder
from training import prefix_comparison
from training.train_config import DataRoot


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return tiny_interactor(tmp_path_factory.mktemp("ckpt") / "shipped", build_text_encoder("minilm"), reaction_prob=0.2)


def test_the_two_arms_are_the_checkpoints_recipe_at_one_budget_and_differ_only_in_prefix_samples(checkpoint, tmp_path):
    data = (DataRoot(tmp_path / "data"),)
    arms = prefix_comparison.arm_configs(checkpoint, data, steps=300, prefix_prob=0.4, lr=5e-5, warmup_steps=20,
                                         batch_size=8, prefix_frames=(9, 30))
    without, with_prefix = arms["inpaint"], arms["prefix"]
    assert without.training.prefix_prob == 0.0 and with_prefix.training.prefix_prob == 0.4
    assert replace(with_prefix, training=replace(with_prefix.training, prefix_prob=0.0)) == without
    training = without.training
    assert (training.steps, training.lr, training.warmup_steps, training.batch_size) == (300, 5e-5, 20, 8)
    assert training.reaction_prob == 0.2  # the checkpoint's own recipe
    assert (training.prefix_min_frames, training.prefix_max_frames) == (9, 30)
    assert without.init_from == str(checkpoint) and without.data == data and without.model is None


@pytest.mark.slow  # trains
def test_the_command_trains_both_arms_once_and_prints_the_bench_command(checkpoint, tmp_path, capsys):
    folder = build_folder(tmp_path / "d", {"train": [f"t{i}" for i in range(6)], "val": ["v0"], "test": ["s0"]})
    out = tmp_path / "cmp"
    argv = ["--data", str(folder), "--out", str(out), "--init-from", str(checkpoint), "--steps", "2",
            "--batch-size", "4", "--warmup-steps", "1", "--device", "cpu", "--quiet",
            "--cache-dir", str(tmp_path / "cache")]
    assert prefix_comparison.main(argv) == 0
    for arm, prob in (("inpaint", 0.0), ("prefix", 0.3)):
        saved = json.loads((out / arm / "config.json").read_text())
        assert saved["step"] == 2 and saved["training"]["prefix_prob"] == prob
        assert saved["init_from"] == str(checkpoint)
    printed = capsys.readouterr().out
    assert f"--checkpoint {out / 'inpaint'} --prefix-checkpoint {out / 'prefix'}" in printed
    assert prefix_comparison.main(argv) == 0
    assert printed.count("trained before") == 0 and capsys.readouterr().out.count("trained before") == 2
    assert prefix_comparison.main([*argv, "--prefix-prob", "0.5"]) == 2  # another experiment in the same OUT
    assert "other settings" in capsys.readouterr().err
    assert prefix_comparison.main([*argv, "--prefix-prob", "0"]) == 2
    assert "--prefix-prob must lie in (0, 1]" in capsys.readouterr().err
