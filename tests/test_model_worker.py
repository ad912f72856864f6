import os
import signal
import time

import numpy as np
import pytest
import torch

from t2i_core.checkpoint import CheckpointError
from t2i_core.diffusion.ddim import DDIMScheduler
from t2i_core.editing import generate_scene
from t2i_core.model_worker import WORKER_NICE, InProcessModel, ModelProcessError, ModelWorker
from t2i_core.models.interactor import InterActor, InterActorConfig
from t2i_core.pipeline import Text2InteractPipeline
from t2i_core.scene import Scene, Segment
from t2i_core.text import build_text_encoder

PROMPT = "one person waves, the other waves back"


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    model = InterActor(InterActorConfig.tiny())
    with torch.no_grad():  # a fresh model predicts zeros; give it something to say
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    pipe = Text2InteractPipeline(model, DDIMScheduler(), build_text_encoder("minilm"), torch.zeros(262),
                                 torch.ones(262))
    return pipe.save_pretrained(tmp_path_factory.mktemp("ckpt"))


@pytest.fixture(scope="module")
def local(checkpoint):
    return InProcessModel.load(checkpoint)


@pytest.fixture(scope="module")
def worker(checkpoint):
    with ModelWorker(checkpoint) as worker:
        yield worker


def test_the_worker_generates_what_this_process_generates_and_reports_each_step(worker, local):
    steps = []
    result, attention = worker.run("generate", PROMPT, seconds=1.5, seed=[4, 9], steps=4, physics=True,
                                   callback=lambda step, total: steps.append((step, total)))
    expected, expected_attention = local.run("generate", PROMPT, seconds=1.5, seed=[4, 9], steps=4, physics=True)
    assert steps == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert result.seeds == [4, 9] and result.joints.shape == (2, 2, 45, 22, 3)
    np.testing.assert_array_equal(result.features, expected.features)
    np.testing.assert_array_equal(result.joints, expected.joints)
    assert result.settings == expected.settings
    assert result.attention is None  # the full maps stay in the model's process; the summary comes back
    assert attention.tokens == expected_attention.tokens
    np.testing.assert_array_equal(attention.person, expected_attention.person)
    np.testing.assert_array_equal(attention.word, expected_attention.word)
    assert worker.max_frames == local.max_frames == InterActorConfig.tiny().max_frames


def test_reactions_and_scenes_come_back_as_in_this_process(worker, local):
    person1 = local.run("generate", PROMPT, seconds=1.5, seed=2, steps=3)[0].features[0, 0]
    reaction = worker.run("react", person1, "the other waves back", seed=5, steps=3, method="inpaint")
    np.testing.assert_array_equal(reaction.features, local.run("react", person1, "the other waves back", seed=5,
                                                               steps=3, method="inpaint").features)
    scene = Scene((Segment("two people walk towards each other", 1.0), Segment("they shake hands", 1.0)), seed=3,
                  steps=3)
    reports = []
    motion = worker.run("scene", scene, callback=lambda *args: reports.append(args))
    np.testing.assert_array_equal(motion.features, generate_scene(local.pipeline, scene).features)
    assert reports[0] == (0, 1, 3) and reports[-1] == (1, 3, 3)  # (segment, step, steps) as the page shows them
    edited = worker.run("regenerate_segment", motion, 1, "they hug", seed=8, steps=3)
    np.testing.assert_array_equal(edited.features,
                                  local.run("regenerate_segment", motion, 1, "they hug", seed=8, steps=3).features)


def test_bad_input_comes_back_as_the_same_error_and_the_worker_carries_on(worker):
    pid = worker.pid
    with pytest.raises(ValueError, match="the prompt is empty"):
        worker.run("generate", "   ", seconds=1.5)
    with pytest.raises(ValueError, match="seconds must be between 1 and 10, got 50"):
        worker.run("generate", PROMPT, seconds=50)
    with pytest.raises(KeyError, match="no model job 'train'"):
        worker.run("train")
    assert worker.run("generate", PROMPT, seconds=1, steps=2)[0].joints.shape == (1, 2, 30, 22, 3)
    assert worker.pid == pid and worker.restarts == 0


def test_the_worker_runs_at_a_lower_priority_than_the_server(worker):
    assert os.getpriority(os.PRIO_PROCESS, worker.pid) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + WORKER_NICE)


def test_a_worker_killed_or_interrupted_mid_job_is_restarted_with_a_clear_message(checkpoint, local):
    with ModelWorker(checkpoint) as worker:
        first = worker.pid

        def kill_at_step_two(step: int, total: int) -> None:
            if step == 2:
                os.kill(first, signal.SIGKILL)

        with pytest.raises(ModelProcessError) as caught:
            worker.run("generate", PROMPT, seconds=1, seed=1, steps=6, callback=kill_at_step_two)
        assert str(caught.value) == ("the model's process stopped unexpectedly and has been restarted; "
                                     "please try again")
        assert worker.restarts == 1 and worker.pid != first and worker.pid is not None
        again, _ = worker.run("generate", PROMPT, seconds=1, seed=1, steps=3)
        np.testing.assert_array_equal(again.joints, local.run("generate", PROMPT, seconds=1, seed=1, steps=3)[0].joints)

        os.kill(worker.pid, signal.SIGKILL)  # dead between jobs: replaced before the next one, which just runs
        time.sleep(0.5)
        assert worker.run("generate", PROMPT, seconds=1, seed=1, steps=3)[0].joints.shape == (1, 2, 30, 22, 3)
        assert worker.restarts == 2

        def leave(step: int, total: int) -> None:  # the page's progress raising, as a cancelled event may
            raise RuntimeError("the visitor left")

        with pytest.raises(RuntimeError, match="the visitor left"):
            worker.run("generate", PROMPT, seconds=1, seed=1, steps=4, callback=leave)
        again, _ = worker.run("generate", PROMPT, seconds=1, seed=1, steps=3)  # never this job's leftovers
        np.testing.assert_array_equal(again.joints, local.run("generate", PROMPT, seconds=1, seed=1, steps=3)[0].joints)
        assert worker.restarts == 3
        last = worker.pid
    assert worker.pid is None
    with pytest.raises(ProcessLookupError):  # closed: its process is gone
        os.kill(last, 0)


def test_a_checkpoint_the_worker_cannot_load_raises_what_loading_here_raises(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(CheckpointError) as here:
        InProcessModel.load(tmp_path)
    with pytest.raises(CheckpointError) as there:
        ModelWorker(tmp_path)
    assert str(there.value) == str(here.value)
