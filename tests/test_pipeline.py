import json

import numpy as np
import pytest
import torch

from t2i_core import generate
from t2i_core.checkpoint import CheckpointError
from t2i_core.diffusion.ddim import DDIMScheduler
from t2i_core.models.interactor import InterActor, InterActorConfig
from t2i_core.pipeline import Text2InteractPipeline
from t2i_core.text import build_text_encoder


@pytest.fixture(scope="module")
def encoder():
    return build_text_encoder("minilm")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory, encoder):
    torch.manual_seed(0)
    model = InterActor(InterActorConfig.tiny())
    with torch.no_grad():  # a fresh model predicts zeros; give it something to say
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    folder = tmp_path_factory.mktemp("ckpt")
    pipe = Text2InteractPipeline(model, DDIMScheduler(), encoder, torch.zeros(262), torch.ones(262))
    return pipe.save_pretrained(folder, note="test")


@pytest.fixture(scope="module")
def pipe(checkpoint, encoder):
    return Text2InteractPipeline.from_pretrained(checkpoint, text_encoder=encoder)


def test_shapes_and_settings(pipe):
    result = pipe("one person waves, the other waves back", seconds=2.5, seed=1, num_samples=2, steps=5)
    assert result.features.shape == (2, 2, 75, 262)
    assert result.joints.shape == (2, 2, 75, 22, 3)
    assert result.fps == 30 and result.seeds == [1, 2] and result.warnings == []
    assert result.settings["steps"] == 5 and result.settings["frames"] == 75


def test_same_seed_same_motion_and_each_sample_has_its_own_seed(pipe):
    a = pipe("two people hug", seconds=1, seed=7, steps=4)
    b = pipe("two people hug", seconds=1, seed=7, steps=4)
    c = pipe("two people hug", seconds=1, seed=8, steps=4)
    assert np.array_equal(a.features, b.features)
    assert not np.allclose(a.features, c.features)
    pair = pipe("two people hug", seconds=1, seed=[3, 8], steps=4)
    assert np.allclose(pair.features[1], c.features[0], atol=1e-5)


def test_save_and_reload_give_identical_outputs(pipe, tmp_path, encoder):
    pipe.save_pretrained(tmp_path / "again")
    again = Text2InteractPipeline.from_pretrained(tmp_path / "again", text_encoder=encoder)
    first = pipe("a person pushes the other", seconds=1, seed=0, steps=3)
    second = again("a person pushes the other", seconds=1, seed=0, steps=3)
    assert np.array_equal(first.features, second.features)


def test_attention_maps_are_labelled_with_the_prompt_tokens(pipe):
    result = pipe("one person kicks", seconds=1, seed=0, steps=2, return_attention=True)
    maps = result.attention
    assert maps.tokens == ["[CLS]", "one", "person", "kicks", "[SEP]"]
    assert maps.word.shape == (2, 1, 2, 2, 30, 5)        # blocks, samples, persons, heads, frames, words
    assert maps.person.shape == (2, 1, 2, 2, 30, 30)
    assert np.all(maps.word.sum(-1) <= 1 + 1e-5)        # the rest went to the null token


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"prompt": "   "}, "prompt is empty"),
    ({"seconds": 0.5}, "seconds must be between 1 and 10"),
    ({"seconds": 11}, "seconds must be between 1 and 10"),
    ({"steps": 0}, "steps must be between 1 and 1000"),
    ({"guidance_scale": -1}, "guidance scale must be 0 or more"),
    ({"num_samples": 0}, "number of samples must be between 1 and 16"),
])
def test_bad_inputs_say_what_is_accepted(pipe, kwargs, message):
    arguments = {"prompt": "two people dance", "seconds": 2, "steps": 2, **kwargs}
    with pytest.raises(ValueError, match=message):
        pipe(**arguments)


def test_an_overlong_prompt_is_truncated_with_a_warning(pipe):
    result = pipe("one person walks forward and " * 100, seconds=1, steps=2)
    assert result.warnings and "cut to the text encoder's limit of 77 tokens" in result.warnings[0]


def test_a_folder_that_is_not_a_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(CheckpointError, match="is not a checkpoint folder"):
        Text2InteractPipeline.from_pretrained(tmp_path)


def test_generate_cli_writes_the_npz(checkpoint, tmp_path, capsys):
    out = tmp_path / "motion.npz"
    args = ["one person waves", "--seconds", "2", "--seed", "4", "--steps", "3", "--checkpoint", str(checkpoint)]
    assert generate.main([*args, "--out", str(out)]) == 0
    data = np.load(out)
    assert data["joints"].shape == (2, 60, 22, 3) and data["features"].shape == (2, 60, 262)
    assert str(data["text"]) == "one person waves" and int(data["fps"]) == 30
    assert json.loads(str(data["settings"]))["seeds"] == [4]
    assert generate.main([*args, "--out", str(tmp_path / "again.npz")]) == 0
    assert np.array_equal(np.load(tmp_path / "again.npz")["joints"], data["joints"])
    assert generate.main(["", "--out", str(tmp_path / "x.npz"), "--checkpoint", str(checkpoint)]) == 2
    assert "prompt is empty" in capsys.readouterr().err
    assert not (tmp_path / "x.npz").exists()


def test_the_step_callback_reports_progress(pipe):
    calls = []
    pipe("two people hug", seconds=1, seed=0, steps=4, callback=lambda step, total: calls.append((step, total)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


@pytest.mark.parametrize("method", ["trained", "inpaint"])
def test_reaction_keeps_person_one_exactly_and_is_batch_independent(pipe, method):
    person1 = pipe("one person waves, the other waves back", seconds=1, seed=5, steps=2).features[0, 0]
    result = pipe.react(person1, "the other waves back", seed=[1, 2], steps=3, method=method)
    assert result.features.shape == (2, 2, 30, 262) and result.settings["reaction"] == method
    assert np.array_equal(result.features[0, 0], person1) and np.array_equal(result.features[1, 0], person1)
    assert not np.allclose(result.features[0, 1], result.features[1, 1])  # each seed its own reaction
    alone = pipe.react_batch([person1], ["the other waves back"], [2], steps=3, method=method)[0]
    assert np.allclose(alone, result.features[1], atol=1e-5)
    longer = np.concatenate([person1, person1])
    mixed = pipe.react_batch([person1, longer], ["the other waves back"] * 2, [2, 7], steps=3, method=method)
    assert mixed[1].shape == (2, 60, 262) and np.allclose(mixed[0], alone, atol=1e-4)


def test_reaction_refuses_bad_person_one(pipe):
    with pytest.raises(ValueError, match=r"\(frames, 262\)"):
        pipe.react(np.zeros((30, 22, 3)), "wave back")
    with pytest.raises(ValueError, match="15 to 300 frames"):
        pipe.react(np.zeros((5, 262), dtype=np.float32), "wave back")
    with pytest.raises(ValueError, match="finite"):
        pipe.react(np.full((30, 262), np.nan, dtype=np.float32), "wave back")


def test_physical_guidance_is_a_switch_recorded_in_the_settings(pipe):
    plain = pipe("one person waves, the other waves back", seconds=1, seed=3, steps=4)
    guided = pipe("one person waves, the other waves back", seconds=1, seed=3, steps=4, physics=True)
    assert plain.settings["physics"] is None and guided.settings["physics"]["iterations"] >= 1
    assert not np.allclose(plain.features, guided.features)  # the tiny model's persons overlap at the origin
    from t2i_core.metrics import inter_person_penetration

    assert inter_person_penetration(guided.joints[0]) < inter_person_penetration(plain.joints[0])


def test_evaluation_motions_do_not_depend_on_the_batch_size(pipe):
    texts = ["one person waves", "they hug", "a person bows to the other", "two people dance", "one pushes"]
    lengths = [30, 45, 31, 60, 36]
    alone = pipe.generate_for_evaluation(texts, lengths, seed=4, steps=3, batch_size=1)
    for batch_size in (2, 5, 32):
        motions = pipe.generate_for_evaluation(texts, lengths, seed=4, steps=3, batch_size=batch_size)
        assert [m.shape for m in motions] == [(2, n, 262) for n in lengths]
        for motion, reference in zip(motions, alone):
            np.testing.assert_allclose(motion, reference, atol=1e-4, rtol=1e-4)
    other_seed = pipe.generate_for_evaluation(texts, lengths, seed=5, steps=3, batch_size=5)
    assert not np.allclose(other_seed[0], alone[0])


def test_the_named_steps_compose_into_a_generation(pipe):
    """What another module (e.g. a scene builder) does with the steps gives what generate_batch gives."""
    texts, lengths, seeds = ["one person waves", "they hug"], [30, 40], [3, 9]
    encoding = pipe.encode_prompt(texts)
    x0, _ = pipe.denoise(pipe.prepare_noise(seeds, lengths), encoding, pipe.frame_mask(lengths), 3.5, 2,
                         zero_padding=True)
    by_steps = pipe.decode(x0, lengths)
    for a, b in zip(by_steps, pipe.generate_batch(texts, lengths, seeds, steps=2)):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="lengths must be 15 to"):
        pipe.check_lengths([3])


def test_a_prefix_trained_checkpoint_continues_from_its_prefix_fed_clean_and_keeps_it_exactly(
        checkpoint, pipe, encoder, tmp_path):
    assert pipe.known_frames == "inpaint"  # a checkpoint trained without prefixes inpaints
    trained_folder = pipe.save_pretrained(tmp_path / "prefix", training={"prefix_prob": 0.3, "reaction_prob": 0.2})
    trained = Text2InteractPipeline.from_pretrained(trained_folder, text_encoder=encoder)
    assert trained.known_frames == "trained"
    given = pipe("two people shake hands", seconds=2, seed=1, steps=2).features[0]  # (2, 60, 262)
    known = np.zeros((2, 60), dtype=bool)
    known[:, :21] = True
    calls = []
    forward = trained.model.forward

    def spy(x, timesteps, *args, **kwargs):
        calls.append((x[:1].clone(), timesteps[:1].clone()))
        return forward(x, timesteps, *args, **kwargs)

    trained.model.forward = spy
    out = trained.inpaint(given, known, "they walk away", seed=3, steps=3)
    assert out.shape == given.shape and np.array_equal(out[known], given[known])  # the prefix, exactly
    assert not np.allclose(out[:, 21:], given[:, 21:])                            # the rest is generated
    clean = (torch.from_numpy(given) - pipe.mean) / pipe.std
    assert len(calls) == 3
    for x, timesteps in calls:  # every step saw the prefix clean, at timestep 0 frame by frame
        assert timesteps.shape == (1, 2, 60) and (timesteps[0, :, :21] == 0).all() and (timesteps[0, :, 21:] > 0).all()
        assert torch.equal(x[0, :, :21], clean[:, :21])
    inpainted = Text2InteractPipeline.from_pretrained(trained_folder, text_encoder=encoder)
    inpainted.known_frames = "inpaint"  # the same weights inpainting: another result, the same kept prefix
    other = inpainted.inpaint(given, known, "they walk away", seed=3, steps=3)
    assert np.array_equal(other[known], given[known]) and not np.allclose(other, out)
    with pytest.raises(ValueError, match="known_frames 'clean'; accepted: trained, inpaint"):
        Text2InteractPipeline(pipe.model, pipe.scheduler, encoder, pipe.mean, pipe.std, known_frames="clean")


@pytest.mark.parametrize("method", ["trained", "inpaint"])
def test_coupling_a_person2_draft_keeps_person1_and_runs_the_strength_share_of_the_loop(pipe, method):
    """SDEdit through react_batch: the draft is noised to the strength and denoised by the pair model."""
    rng = np.random.default_rng(0)
    person1, draft = (rng.normal(size=(30, 262)).astype(np.float32) for _ in range(2))
    text = "the other waves back"
    calls = []
    half = pipe.react_batch([person1], [text], [3], steps=10, method=method, person2=[draft], strength=0.5,
                            callback=lambda s, n: calls.append((s, n)))[0]
    assert calls == [(k, 5) for k in range(1, 6)] and np.array_equal(half[0], person1)
    other_draft = pipe.react_batch([person1], [text], [3], steps=10, method=method, person2=[-draft], strength=0.5)[0]
    assert not np.allclose(other_draft[1], half[1], atol=1e-3)  # the draft matters
    low = pipe.react_batch([person1], [text], [3], steps=10, method=method, person2=[draft], strength=0.2)[0]
    assert not np.allclose(low[1], half[1], atol=1e-3)  # so does the strength
    # strength 1 starts at the top, where the draft is all but drowned: the plain reaction
    top = pipe.react_batch([person1], [text], [3], steps=10, method=method, person2=[draft], strength=1.0)[0]
    plain = pipe.react_batch([person1], [text], [3], steps=10, method=method)[0]
    assert np.allclose(top, plain, atol=1e-3)
    # batch independence: the same item next to a longer one
    longer = np.concatenate([person1, person1])
    mixed = pipe.react_batch([longer, person1], [text] * 2, [8, 3], steps=10, method=method,
                             person2=[np.concatenate([draft, draft]), draft], strength=0.5)
    assert mixed[0].shape == (2, 60, 262) and np.allclose(mixed[1], half, atol=1e-4)


def test_coupling_refuses_bad_drafts_and_strengths(pipe):
    person1 = np.zeros((30, 262), dtype=np.float32)
    with pytest.raises(ValueError, match=r"person-2 draft must be a finite \(30, 262\)"):
        pipe.react_batch([person1], ["hug"], [0], steps=2, person2=[np.zeros((20, 262))], strength=0.5)
    with pytest.raises(ValueError, match="one person-2 draft per person-1 motion"):
        pipe.react_batch([person1], ["hug"], [0], steps=2, person2=[], strength=0.5)
    with pytest.raises(ValueError, match=r"strength must be a number in \(0, 1\]"):
        pipe.react_batch([person1], ["hug"], [0], steps=2, person2=[person1], strength=0.0)
