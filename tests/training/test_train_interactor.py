import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from pages.common import load_model
from t2i_core.diffusion.ddim import DDIMScheduler
from t2i_core.losses import InteractionLoss, LossConfig
from t2i_core.models.interactor import InterActor, InterActorConfig
from t2i_core.motion.features import process_pair
from tests.fixtures import build_folder, random_raw_pair
from training import train_interactor
from training.mixture import MixtureSampler
from training.train_config import DataRoot, InterActorTraining, TrainConfig, TrainOptions

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    return build_folder(root / "d", {"train": [f"t{i}" for i in range(6)], "val": ["v0", "v1", "v2"]})


@pytest.mark.slow  # trains or runs torchrun
def test_a_tiny_model_overfits_four_clips():
    torch.manual_seed(0)
    clips = torch.stack([torch.from_numpy(process_pair(*random_raw_pair(i, 31))[0]).float() for i in range(4)])
    mean, std = clips.reshape(-1, 262).mean(0), clips.reshape(-1, 262).std(0).clamp(min=1e-2)
    x0 = (clips - mean) / std
    model = InterActor(InterActorConfig.tiny(latent_dim=64, text_dim=8))
    words = torch.eye(8)[:4, None, :].repeat(1, 2, 1)  # a distinct "caption" per clip
    word_mask, pooled, frames = torch.ones(4, 2, dtype=torch.bool), words[:, 0], torch.ones(4, 30, dtype=torch.bool)
    scheduler = DDIMScheduler()
    loss_fn = InteractionLoss(LossConfig(), mean, std)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3)
    history = []
    for _ in range(400):
        t = torch.randint(0, 1000, (4,))
        pred = model(scheduler.add_noise(x0, torch.randn_like(x0), t), t, words, word_mask, pooled, frames)
        loss, terms = loss_fn(pred, x0, frames, t)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(terms["simple"].item())
    assert np.mean(history[-50:]) < 0.25 * np.mean(history[:20])
    # sampling from pure noise with each clip's caption lands near that clip
    model.eval()
    scheduler.set_timesteps(20)
    x = torch.randn_like(x0)
    with torch.no_grad():
        for t in scheduler.timesteps:
            x0_pred = model(x, torch.full((4,), int(t)), words, word_mask, pooled, frames)
            x = scheduler.step(x0_pred, int(t), x).prev_sample
    errors = torch.cdist(x.reshape(4, -1), x0.reshape(4, -1))
    assert torch.equal(errors.argmin(1), torch.arange(4))


def cli(folder, out, cache, *extra):
    return train_interactor.main(["--data", str(folder), "--out", str(out), "--config", "tiny", "--batch-size", "4",
                                  "--cache-dir", str(cache), "--eval-every", "0", "--log-every", "1", "--quiet",
                                  "--device", "cpu", *extra])


@pytest.mark.slow  # trains or runs torchrun
def test_training_resumes_exactly(folder, tmp_path):
    cache = tmp_path / "cache"
    loss = ("--loss-weight", "vc=5", "--disable-loss", "ro")
    assert cli(folder, tmp_path / "straight", cache, "--steps", "6", *loss) == 0
    assert cli(folder, tmp_path / "split", cache, "--steps", "6", "--stop-after", "3", *loss) == 0
    assert json.loads((tmp_path / "split" / "config.json").read_text())["step"] == 3
    # a run saved with another scheduler keeps it when it resumes
    DDIMScheduler(timestep_spacing="leading").save_config(tmp_path / "split")
    # resumed without the loss flags: the run's saved loss settings are used, not the defaults
    assert cli(folder, tmp_path / "split", cache, "--resume") == 0
    saved = json.loads((tmp_path / "split" / "config.json").read_text())
    assert saved["step"] == 6 and saved["loss"]["vc"] == 5 and saved["loss"]["ro"] == 0
    assert DDIMScheduler.from_config(tmp_path / "split").config.timestep_spacing == "leading"
    assert DDIMScheduler.from_config(tmp_path / "straight").config.timestep_spacing == "trailing"
    for name in ("model.safetensors", "training_state.safetensors"):
        assert (tmp_path / "split" / name).read_bytes() == (tmp_path / "straight" / name).read_bytes()
    log = (tmp_path / "straight" / "log.csv").read_text().splitlines()
    assert log[0].startswith("step,epoch,loss,loss_simple") and len(log) == 7
    assert "loss_ail" in log[0] and log[1].split(",")[0] == "1"


@pytest.mark.slow  # trains or runs torchrun
def test_a_run_writes_its_configuration_before_the_first_step(folder, tmp_path, monkeypatch):
    def fail_at_the_first_step(*args, **kwargs):
        raise RuntimeError("first step")

    monkeypatch.setattr(train_interactor.InteractionLoss, "__call__", fail_at_the_first_step)
    with pytest.raises(RuntimeError, match="first step"):
        cli(folder, tmp_path / "run", tmp_path / "cache", "--steps", "6", "--lr", "2e-4")
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["step"] == 0 and saved["training"]["lr"] == 2e-4 and saved["training"]["steps"] == 6


def test_mixture_sampler_respects_ratios_and_ranks():
    sampler = MixtureSampler([100, 20], [0.5, 0.5], epoch_size=4000, seed=1)
    indices = np.array(list(sampler))
    assert abs((indices >= 100).mean() - 0.5) < 0.05
    ranks = [list(MixtureSampler([100, 20], [0.5, 0.5], epoch_size=400, seed=1, rank=r, world_size=2))
             for r in (0, 1)]
    assert len(ranks[0]) == len(ranks[1]) == 200 and ranks[0] != ranks[1]
    with pytest.raises(ValueError, match="mixing ratios"):
        MixtureSampler([10], [0.0])


def test_bad_arguments_are_clear_errors(folder, tmp_path, capsys):
    assert cli(folder, tmp_path / "x", tmp_path / "c", "--steps", "1", "--disable-loss", "banana") == 2
    assert "unknown loss term 'banana'; accepted: simple" in capsys.readouterr().err
    assert cli(folder, tmp_path / "none", tmp_path / "c", "--resume") == 2
    assert "nothing to resume" in capsys.readouterr().err
    assert cli(folder, tmp_path / "x", tmp_path / "c", "--steps", "1", "--batch-size", "16") == 2
    assert "an epoch has 12 items (clips and mirrored copies) per process, fewer than the batch size 16" \
        in capsys.readouterr().err


@pytest.mark.slow  # trains or runs torchrun
def test_two_process_torchrun_keeps_ranks_identical(folder, tmp_path):
    torchrun = Path(sys.executable).parent / "torchrun"
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(REPO))
    command = [str(torchrun), "--standalone", "--nproc_per_node=2", "-m", "training.train_interactor",
               "--data", f"{folder}:1.0", "--out", str(tmp_path / "ddp"), "--config", "tiny", "--steps", "4",
               "--batch-size", "4", "--cache-dir", str(tmp_path / "cache"), "--eval-every", "0", "--quiet",
               "--device", "cpu", "--save-every", "4"]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    ranks = json.loads((tmp_path / "ddp" / "ranks.json").read_text())
    assert ranks["step"] == 4 and len(ranks["parameter_checksums"]) == 2
    assert ranks["parameter_checksums"][0] == ranks["parameter_checksums"][1]
    assert json.loads((tmp_path / "ddp" / "config.json").read_text())["world_size"] == 2


def test_reaction_rows_give_at_most_one_clean_person_with_timestep_zero():
    torch.manual_seed(0)
    t = torch.randint(1, 1000, (2000,))
    given, person_t = train_interactor.reaction_rows(2000, t, 0.2, "cpu")
    assert given.shape == person_t.shape == (2000, 2) and not (given[:, 0] & given[:, 1]).any()
    assert abs(given.any(1).float().mean().item() - 0.2) < 0.03
    assert abs(given[:, 0].float().mean().item() - 0.1) < 0.02  # either person, evenly
    assert (person_t[given] == 0).all() and (person_t[~given] == t[:, None].expand(-1, 2)[~given]).all()
    assert not train_interactor.reaction_rows(50, t[:50], 0.0, "cpu")[0].any()


def test_prefix_rows_give_some_samples_a_clean_opening_of_a_drawn_length_at_most_half_their_own():
    torch.manual_seed(0)
    lengths = torch.randint(20, 120, (4000,))
    prefix = train_interactor.prefix_rows(lengths, 120, 0.3, 6, 30)
    k = prefix.sum(1)
    assert prefix.shape == (4000, 120) and torch.equal(prefix, torch.arange(120)[None] < k[:, None])  # openings
    has = k > 0
    assert abs(has.float().mean().item() - 0.3) < 0.03
    assert (k[has] >= torch.minimum(torch.tensor(6), lengths[has] // 2)).all()
    assert (k <= torch.minimum(torch.tensor(30), lengths // 2)).all() and (k[has] == 30).any()
    assert not train_interactor.prefix_rows(lengths[:50], 120, 0.0, 6, 30).any()


@pytest.mark.slow  # trains
def test_prefix_samples_are_given_clean_at_timestep_zero_and_left_out_of_the_loss(folder, tmp_path):
    config = TrainConfig(data=(DataRoot(folder),), model="tiny",
                         training=InterActorTraining(steps=1, batch_size=4, eval_every=0, prefix_prob=1.0,
                                                     prefix_min_frames=6, prefix_max_frames=9))
    trainer = train_interactor.Trainer(config, TrainOptions(out=tmp_path / "run", device="cpu",
                                                            cache_dir=tmp_path / "c", progress=False))
    seen, forward, criterion = {}, trainer.net.forward, trainer.criterion

    def net_spy(x, timesteps, *args, **kwargs):
        out = forward(x, timesteps, *args, **kwargs)
        out.retain_grad()
        seen.update(x=x, timesteps=timesteps, out=out)
        return out

    def loss_spy(pred, x0, mask, t):
        seen.update(pred=pred, x0=x0, t=t)
        return criterion(pred, x0, mask, t)

    trainer.net.forward, trainer.criterion = net_spy, loss_spy
    batch = next(iter(trainer.loader))
    trainer.train_step(batch)
    timesteps, x0 = seen["timesteps"], seen["x0"]
    assert timesteps.shape == x0.shape[:3] and (seen["t"] > 0).all()
    prefix = timesteps == 0
    k = prefix[:, 0].sum(1)
    assert torch.equal(prefix[:, 0], prefix[:, 1])  # both persons
    assert torch.equal(prefix[:, 0], torch.arange(x0.shape[2])[None] < k[:, None])  # an opening of each sample
    assert ((k >= 6) & (k <= 9) & (k <= batch["length"] // 2)).all()
    assert (timesteps[~prefix] == seen["t"][:, None, None].expand_as(timesteps)[~prefix]).all()
    assert torch.equal(seen["x"][prefix], x0[prefix])       # given clean
    assert not torch.equal(seen["x"][~prefix], x0[~prefix])  # the rest noised
    assert torch.equal(seen["pred"][prefix], x0[prefix])    # no error there ...
    grad = seen["out"].grad                                 # ... and no gradient from there
    assert grad[prefix].abs().max() == 0 and grad[~prefix].abs().max() > 0


@pytest.mark.slow  # trains
def test_the_prefix_option_is_recorded_from_step_zero_and_a_resumed_run_trains_with_it(folder, tmp_path):
    cache, prefix = tmp_path / "cache", ("--prefix-prob", "0.5", "--prefix-min-frames", "3", "--prefix-max-frames", "9")
    assert cli(folder, tmp_path / "straight", cache, "--steps", "4", *prefix) == 0
    assert cli(folder, tmp_path / "split", cache, "--steps", "4", "--stop-after", "0", *prefix) == 0
    saved = json.loads((tmp_path / "split" / "config.json").read_text())
    assert saved["step"] == 0
    assert (saved["training"]["prefix_prob"], saved["training"]["prefix_min_frames"],
            saved["training"]["prefix_max_frames"]) == (0.5, 3, 9)
    assert cli(folder, tmp_path / "split", cache, "--resume") == 0  # no prefix flags: the run's own settings
    assert json.loads((tmp_path / "split" / "config.json").read_text())["training"]["prefix_prob"] == 0.5
    for name in ("model.safetensors", "training_state.safetensors"):
        assert (tmp_path / "split" / name).read_bytes() == (tmp_path / "straight" / name).read_bytes()
    without = tmp_path / "without"
    assert cli(folder, without, cache, "--steps", "4") == 0  # the option changes what is trained
    assert (without / "model.safetensors").read_bytes() != (tmp_path / "straight" / "model.safetensors").read_bytes()


@pytest.mark.slow  # trains or runs torchrun
def test_reaction_training_and_loss_weights_run_and_are_recorded(folder, tmp_path, capsys):
    out = tmp_path / "reaction"
    assert cli(folder, out, tmp_path / "c", "--steps", "2", "--reaction-prob", "0.5", "--loss-weight", "vc=30") == 0
    saved = json.loads((out / "config.json").read_text())
    assert saved["training"]["reaction_prob"] == 0.5 and saved["loss"]["vc"] == 30.0
    assert "loss_vc" in (out / "log.csv").read_text().splitlines()[0]
    assert cli(folder, tmp_path / "x", tmp_path / "c", "--steps", "1", "--reaction-prob", "1.5") == 2
    assert "--reaction-prob must lie in [0, 1]" in capsys.readouterr().err
    assert cli(folder, tmp_path / "x", tmp_path / "c", "--steps", "1", "--loss-weight", "vc") == 2
    assert "TERM=WEIGHT" in capsys.readouterr().err


@pytest.mark.slow  # trains or runs torchrun
def test_single_person_prior_trains_on_individual_tracks_and_captions(folder, tmp_path, capsys):
    out = tmp_path / "single"
    assert cli(folder, out, tmp_path / "c", "--steps", "2", "--config", "single-tiny") == 0
    saved = json.loads((out / "config.json").read_text())
    assert saved["config"]["persons"] == 1
    assert all(saved["loss"][name] == 0.0 for name in ("ro", "dm", "ja", "ail")) and saved["loss"]["simple"] == 1.0
    from t2i_core.pipeline import Text2InteractPipeline

    result = Text2InteractPipeline.from_pretrained(out)("a person waves the left hand.", seconds=1, steps=2)
    assert result.features.shape == (1, 1, 30, 262) and result.joints.shape == (1, 1, 30, 22, 3)
    bare = build_folder(tmp_path / "bare", {"train": ["a", "b"]})
    for person in (1, 2):
        for file in (bare / "annots_individual" / f"person{person}").iterdir():
            file.unlink()
    assert cli(bare, tmp_path / "y", tmp_path / "c", "--steps", "1", "--config", "single-tiny") == 2
    assert "needs them" in capsys.readouterr().err


def test_single_person_prior_trains_on_a_humanml3d_folder_alone_or_mixed_with_pairs(folder, tmp_path, capsys):
    from tests.fixtures import solo_folder

    solo = solo_folder(tmp_path / "solo", {"train": [f"s{i}" for i in range(4)]})
    out = tmp_path / "solo_run"
    assert cli(solo, out, tmp_path / "c", "--steps", "2", "--config", "single-tiny") == 0
    saved = json.loads((out / "config.json").read_text())
    assert saved["config"]["persons"] == 1 and saved["data"][0]["path"] == str(solo)
    # both kinds of root in one batch: the pair items give person 1's track
    mixed = train_interactor.main(["--data", f"{solo}:0.5", "--data", f"{folder}:0.5", "--out", str(tmp_path / "mix"),
                                   "--config", "single-tiny", "--batch-size", "4", "--steps", "2", "--quiet",
                                   "--cache-dir", str(tmp_path / "c"), "--eval-every", "0", "--device", "cpu"])
    assert mixed == 0
    assert cli(solo, tmp_path / "pair", tmp_path / "c", "--steps", "1") == 2
    assert "HumanML3D-layout folder (one person a clip): it trains a single-person model" in capsys.readouterr().err


def test_data_specs_take_a_ratio_after_the_last_colon_only_when_it_is_a_number(tmp_path):
    parse = DataRoot.parse
    (tmp_path / "a:b").mkdir()
    (tmp_path / "run:2").mkdir()
    assert parse(f"{tmp_path}/d:0.25") == DataRoot(tmp_path / "d", 0.25)
    assert parse(f"{tmp_path}/a:b") == DataRoot(tmp_path / "a:b", 1.0)  # a folder named a:b
    assert parse(f"{tmp_path}/a:b:1e-1") == DataRoot(tmp_path / "a:b", 0.1)
    assert parse(f"{tmp_path}/run:2") == DataRoot(tmp_path / "run:2", 1.0)  # no folder 'run'
    assert parse(str(tmp_path)).ratio == 1.0
    with pytest.raises(ValueError, match="'abc' is not a number and .* is not an existing folder; --data takes DIR"):
        parse(f"{tmp_path}/d:abc")
    for bad in ("0", "-0.5", "0.0"):
        with pytest.raises(ValueError, match="the mixing ratio must be positive"):
            parse(f"{tmp_path}/d:{bad}")


def test_stage2_bad_input_is_refused_before_training(folder, tmp_path, capsys):
    from tests.fixtures import build_compose_output

    compose = build_compose_output(tmp_path / "compose", tmp_path / "compose_real")
    empty = tmp_path / "empty"
    shutil.copytree(compose, empty)
    (empty / "split" / "train.txt").write_text("\n")
    pair, single = REPO / "assets" / "interactor", REPO / "assets" / "single_person"
    cases = [
        (["--data", f"{folder}:half"], "'half' is not a number"),
        (["--data", f"{folder}:0"], "the mixing ratio must be positive"),
        (["--data", f"{compose}:-1"], "the mixing ratio must be positive"),
        (["--data", f"{empty}:0.5"], "keeps no candidate (split/train.txt is empty)"),
        (["--data", str(REPO / "assets" / "demo" / "compose")], "is a demo set (playback only"),
        (["--data", str(tmp_path / "nowhere")], "data folder not found"),
        (["--init-from", str(REPO / "assets" / "evaluator")],
         "--init-from: " + f"{REPO / 'assets' / 'evaluator'} holds a 'evaluator' checkpoint, expected 'interactor'"),
        (["--init-from", str(tmp_path)], "is not a checkpoint folder"),
        (["--init-from", str(single)], "is a single-person prior, but --config tiny is a two-person model"),
        (["--init-from", str(pair)], "differs from --config tiny in latent_dim"),
        (["--init-from", str(pair), "--config", "single"], "is a two-person model, but --config single"),
    ]
    for extra, message in cases:
        out = tmp_path / "out"
        assert cli(folder, out, tmp_path / "c", "--steps", "1", "--data", str(compose), *extra) == 2, extra
        assert message in capsys.readouterr().err, extra
        assert not out.exists(), extra  # nothing ran: no log, no checkpoint
    # the flags may name what the checkpoint is; what it is not is refused
    args = ["--data", f"{folder}:1", "--data", f"{compose}:1", "--out", str(tmp_path / "out"), "--init-from", str(pair),
            "--steps", "1", "--quiet", "--device", "cpu", "--cache-dir", str(tmp_path / "c")]
    assert train_interactor.main([*args, "--conditioning", "sentence"]) == 2
    assert "has conditioning 'word', not --conditioning 'sentence'" in capsys.readouterr().err


@pytest.mark.slow  # trains or runs torchrun
def test_fine_tuning_from_a_checkpoint_mixes_real_and_synthetic_data(folder, tmp_path):
    from tests.fixtures import build_compose_output

    compose = build_compose_output(tmp_path / "compose", tmp_path / "compose_real")
    assert cli(folder, tmp_path / "stage1", tmp_path / "c", "--steps", "1") == 0
    args = ["--data", f"{folder}:0.5", "--data", f"{compose}:0.5", "--out", str(tmp_path / "stage2"),
            "--init-from", str(tmp_path / "stage1"), "--steps", "1", "--lr", "5e-6", "--batch-size", "4",
            "--eval-every", "0", "--quiet", "--device", "cpu", "--cache-dir", str(tmp_path / "c")]
    assert train_interactor.main(args) == 0
    saved = json.loads((tmp_path / "stage2" / "config.json").read_text())
    assert [d["ratio"] for d in saved["data"]] == [0.5, 0.5] and saved["data"][1]["path"] == str(compose)
    assert saved["config"] == json.loads((tmp_path / "stage1" / "config.json").read_text())["config"]
    assert saved["init_from"] == str(tmp_path / "stage1")
    assert json.loads((tmp_path / "stage1" / "config.json").read_text())["init_from"] is None
    # the chain of runs is recorded, so the app's model line counts every phase's steps
    assert json.loads((tmp_path / "stage1" / "config.json").read_text())["lineage"] == []
    assert saved["lineage"] == [{"init_from": str(tmp_path / "stage1"), "step": 1}]
    third = [*args[:args.index("--out")], "--out", str(tmp_path / "stage3"), "--init-from", str(tmp_path / "stage2"),
             *args[args.index("--steps"):]]
    third[third.index("--steps") + 1] = "2"
    assert train_interactor.main(third) == 0
    lineage = json.loads((tmp_path / "stage3" / "config.json").read_text())["lineage"]
    assert lineage == [{"init_from": str(tmp_path / "stage1"), "step": 1},
                       {"init_from": str(tmp_path / "stage2"), "step": 1}]
    assert "· 4 training steps in 3 phases" in load_model(tmp_path / "stage3").summary
    assert load_model(tmp_path / "stage1").summary.endswith("· 1 training steps")


@pytest.mark.slow  # trains or runs torchrun
def test_a_run_folder_from_before_the_full_record_still_resumes(folder, tmp_path):
    cache = tmp_path / "cache"
    assert cli(folder, tmp_path / "straight", cache, "--steps", "4") == 0
    assert cli(folder, tmp_path / "old", cache, "--steps", "4", "--stop-after", "3") == 0
    config_file = tmp_path / "old" / "config.json"
    saved = json.loads(config_file.read_text())
    config_file.write_text(json.dumps({k: v for k, v in saved.items() if k != "run"}))  # the old form
    assert cli(folder, tmp_path / "old", cache, "--resume") == 0
    assert json.loads(config_file.read_text())["run"]["model"] == "tiny"  # from this call's flags
    for name in ("model.safetensors", "training_state.safetensors"):
        assert (tmp_path / "old" / name).read_bytes() == (tmp_path / "straight" / name).read_bytes()


@pytest.mark.slow  # trains or runs torchrun
def test_code_trains_from_a_config_and_resume_reads_the_recorded_one(folder, tmp_path):
    config = TrainConfig(data=(DataRoot(folder),), model="tiny",
                         training=InterActorTraining(steps=2, batch_size=4, eval_every=0, lr=3e-4))
    options = TrainOptions(out=tmp_path / "run", device="cpu", cache_dir=tmp_path / "c", progress=False)
    train_interactor.train(config, replace(options, stop_after=1))
    recorded = json.loads((tmp_path / "run" / "config.json").read_text())
    assert TrainConfig.from_record(recorded) == config and recorded["step"] == 1
    # a resumed run trains what it recorded, whatever config the caller passes
    train_interactor.train(replace(config, training=replace(config.training, lr=1.0)), replace(options, resume=True))
    recorded = json.loads((tmp_path / "run" / "config.json").read_text())
    assert recorded["step"] == 2 and recorded["training"]["lr"] == 3e-4


@pytest.mark.slow  # trains or runs torchrun
def test_resume_needs_only_the_output_folder(folder, tmp_path, capsys):
    assert cli(folder, tmp_path / "run", tmp_path / "c", "--steps", "2", "--stop-after", "1", "--max-clips", "4") == 0
    assert train_interactor.main(["--out", str(tmp_path / "run"), "--resume", "--quiet", "--device", "cpu",
                                  "--cache-dir", str(tmp_path / "c")]) == 0
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["step"] == 2 and saved["run"]["max_clips"] == 4 and saved["data"][0]["path"] == str(folder)
    assert train_interactor.main(["--out", str(tmp_path / "new"), "--quiet"]) == 2
    assert "--data is required" in capsys.readouterr().err
