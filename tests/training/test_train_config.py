from dataclasses import replace
from pathlib import Path

import pytest

from t2i_core.losses import LossConfig
from training.train_config import (
    DataRoot,
    InterActorTraining,
    TrainConfig,
    TrainOptions,
    build_loss,
    command_line,
    single_person_loss,
)
from training.train_interactor import parse


def a_config(tmp_path: Path) -> TrainConfig:
    return TrainConfig(data=(DataRoot(tmp_path / "real", 0.5), DataRoot(tmp_path / "synthetic", 0.25)),
                       model="tiny", conditioning="sentence", stats=str(tmp_path / "stats.npz"),
                       loss=build_loss("distance_map", ["vc=30"], ["ro"]),
                       training=InterActorTraining(steps=7, lr=2e-4, batch_size=4, eval_every=0, seed=3,
                                                   prefix_prob=0.25, prefix_min_frames=9, prefix_max_frames=30),
                       max_clips=5)


def test_the_record_reads_back_as_the_same_config(tmp_path):
    config = a_config(tmp_path)
    assert TrainConfig.from_record(config.record()) == config
    record = config.record()  # config.json keeps its keys: training, loss, data, init_from
    assert record["training"]["lr"] == 2e-4 and record["loss"]["vc"] == 30 and record["loss"]["ro"] == 0
    assert record["training"]["prefix_prob"] == 0.25 and record["training"]["prefix_max_frames"] == 30
    assert record["data"] == [{"path": str(tmp_path / "real"), "ratio": 0.5},
                              {"path": str(tmp_path / "synthetic"), "ratio": 0.25}]


def test_a_record_from_before_the_run_section_takes_the_rest_from_the_caller(tmp_path):
    config = a_config(tmp_path)
    old = {k: v for k, v in config.record().items() if k != "run"}
    caller = replace(config, max_clips=2, model=None)
    back = TrainConfig.from_record(old, fallback=caller)
    assert back.max_clips == 2 and back.model is None
    assert back.training == config.training and back.loss == config.loss and back.data == config.data


def test_the_command_line_parses_back_to_the_config(tmp_path):
    config = a_config(tmp_path)
    options = TrainOptions(out=tmp_path / "out", device="cpu", cache_dir=tmp_path / "cache", progress=False)
    again, again_options = parse(command_line(config, options))
    assert again == config and again_options == options
    fine_tune = replace(config, model=None, conditioning=None, init_from=str(tmp_path / "stage1"), stats=None)
    assert parse([*command_line(fine_tune), "--out", "x"])[0] == fine_tune


def test_bad_settings_are_refused_with_what_is_accepted(tmp_path):
    with pytest.raises(ValueError, match=r"--reaction-prob must lie in \[0, 1\]"):
        TrainConfig(data=(DataRoot(tmp_path),), training=InterActorTraining(reaction_prob=2.0))
    with pytest.raises(ValueError, match=r"--prefix-prob must lie in \[0, 1\]"):
        TrainConfig(data=(DataRoot(tmp_path),), training=InterActorTraining(prefix_prob=-0.1))
    with pytest.raises(ValueError, match="1 <= --prefix-min-frames <= --prefix-max-frames < --max-frames"):
        TrainConfig(data=(DataRoot(tmp_path),), training=InterActorTraining(prefix_min_frames=40, prefix_max_frames=20))
    with pytest.raises(ValueError, match="unknown model config 'huge'; accepted: paper, single"):
        TrainConfig(data=(DataRoot(tmp_path),), model="huge")
    with pytest.raises(ValueError, match="unknown loss term 'banana'"):
        build_loss("adaptive", None, ["banana"])


def test_the_single_person_loss_has_no_pair_terms():
    loss = single_person_loss(LossConfig(vc=5))
    assert (loss.ro, loss.dm, loss.ja, loss.ail, loss.vc, loss.simple) == (0, 0, 0, 0, 5, 1)
