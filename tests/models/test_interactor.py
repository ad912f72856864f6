import pytest
import torch

from t2i_core.models.interactor import InterActor, InterActorConfig

TINY = {"latent_dim": 32, "num_blocks": 2, "num_heads": 2, "ff_size": 64, "dropout": 0.0, "text_dim": 16,
        "text_encoder": "minilm", "max_frames": 60}


def inputs(batch=2, frames=30, words=5, text_dim=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(batch, 2, frames, 262, generator=g), torch.randint(0, 1000, (batch,), generator=g),
            torch.randn(batch, words, text_dim, generator=g), torch.ones(batch, words, dtype=torch.bool),
            torch.randn(batch, text_dim, generator=g), torch.ones(batch, frames, dtype=torch.bool))


def randomize(model):
    """Zero-initialised output and modulation layers make a fresh model trivial; perturb them."""
    torch.manual_seed(1)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    return model.eval()


@pytest.mark.parametrize("head", ["linear", "conv"])
@pytest.mark.parametrize("frames_per_token", [1, 3])
@pytest.mark.parametrize("conditioning", ["word", "sentence"])
def test_shapes_and_one_set_of_weights_for_both_persons(conditioning, frames_per_token, head):
    model = randomize(InterActor(InterActorConfig(**TINY, conditioning=conditioning,
                                                  frames_per_token=frames_per_token, head=head)))
    x, t, words, word_mask, pooled, frames = inputs(frames=31)
    out = model(x, t, words, word_mask, pooled, frames[:, :31])
    assert out.shape == x.shape
    swapped = model(x.flip(1), t, words, word_mask, pooled, frames[:, :31])
    assert torch.allclose(swapped, out.flip(1), atol=1e-5)  # exchanging the persons exchanges the outputs


@pytest.mark.parametrize("head", ["linear", "conv"])
def test_fresh_model_predicts_zero(head):
    model = InterActor(InterActorConfig(**TINY, head=head)).eval()
    assert torch.count_nonzero(model(*inputs())) == 0


def test_conv_head_spans_token_boundaries_and_ignores_padding():
    model = randomize(InterActor(InterActorConfig(**TINY, frames_per_token=3, head="conv")))
    x, t, words, word_mask, pooled, frames = inputs(frames=30)
    out = model(x, t, words, word_mask, pooled, frames)
    # a frame's output depends on the token after its own: change only token 5's input (frames 15-17)
    changed = x.clone()
    changed[:, :, 15:18] += 1.0
    delta = (model(changed, t, words, word_mask, pooled, frames) - out).abs()
    assert delta[:, :, 14].max() > 1e-4  # frame 14 is in token 4, next to the boundary
    # padded frames beyond a clip's end do not change its real frames
    short = frames.clone()
    short[:, 21:] = False  # a whole number of 3-frame tokens
    padded = x.clone()
    padded[:, :, 21:] = 5.0
    a = model(x, t, words, word_mask, pooled, short)[:, :, :21]
    b = model(padded, t, words, word_mask, pooled, short)[:, :, :21]
    assert torch.allclose(a, b, atol=1e-5)


def test_per_person_timesteps():
    model = randomize(InterActor(InterActorConfig(**TINY, frames_per_token=3, head="conv")))
    x, t, words, word_mask, pooled, frames = inputs()
    same = model(x, t, words, word_mask, pooled, frames)
    assert torch.allclose(model(x, torch.stack([t, t], 1), words, word_mask, pooled, frames), same, atol=1e-6)
    # person 1 given clean (timestep 0): the output changes, for both persons (they attend to each other)
    clean_first = model(x, torch.stack([torch.zeros_like(t), t], 1), words, word_mask, pooled, frames)
    assert (clean_first - same)[:, 0].abs().max() > 1e-4 and (clean_first - same)[:, 1].abs().max() > 1e-5


@pytest.mark.parametrize("conditioning", ["word", "sentence"])
def test_per_frame_timesteps_give_each_token_its_own_and_a_token_is_clean_only_when_all_its_frames_are(conditioning):
    model = randomize(InterActor(InterActorConfig(**TINY, frames_per_token=3, head="conv", conditioning=conditioning)))
    x, t, words, word_mask, pooled, frames = inputs(frames=31)  # 31 frames: the last token is padded
    frames = frames[:, :31]
    same = model(x, t, words, word_mask, pooled, frames)
    per_frame = t[:, None, None].expand(-1, 2, 31)
    assert torch.allclose(model(x, per_frame, words, word_mask, pooled, frames), same, atol=1e-5)
    prefix = per_frame.clone()
    prefix[:, :, :9] = 0  # three whole tokens given clean
    with_prefix = model(x, prefix, words, word_mask, pooled, frames)
    assert (with_prefix - same).abs().amax() > 1e-4
    partial = prefix.clone()
    partial[:, :, 9:11] = 0  # two of the fourth token's three frames: that token stays noisy
    assert torch.allclose(model(x, partial, words, word_mask, pooled, frames), with_prefix, atol=1e-6)
    with pytest.raises(ValueError, match=r"per-frame timesteps must be \(2, 2, 31\)"):
        model(x, per_frame[:, :, :30], words, word_mask, pooled, frames)


def test_text_changes_the_output_and_dropping_it_removes_it():
    model = randomize(InterActor(InterActorConfig(**TINY)))
    x, t, words, word_mask, pooled, frames = inputs()
    other_words = torch.randn_like(words)
    a = model(x, t, words, word_mask, pooled, frames)
    b = model(x, t, other_words, word_mask, pooled, frames)
    assert not torch.allclose(a, b)
    drop = torch.ones(2, dtype=torch.bool)
    assert torch.allclose(model(x, t, words, word_mask, pooled, frames, drop),
                          model(x, t, other_words, word_mask, pooled, frames, drop), atol=1e-6)


def test_padded_frames_and_padded_words_do_not_change_real_frames():
    model = randomize(InterActor(InterActorConfig(**TINY)))
    x, t, words, word_mask, pooled, frames = inputs()
    frames[:, 20:] = False
    word_mask[:, 3:] = False
    out = model(x, t, words, word_mask, pooled, frames)
    x2, words2 = x.clone(), words.clone()
    x2[:, :, 20:] = 50.0
    words2[:, 3:] = -7.0
    out2 = model(x2, t, words2, word_mask, pooled, frames)
    assert torch.allclose(out[:, :, :20], out2[:, :, :20], atol=1e-5)


def test_attention_maps_come_from_the_same_forward_pass():
    model = randomize(InterActor(InterActorConfig(**TINY, frames_per_token=2)))
    x, t, words, word_mask, pooled, frames = inputs(frames=30)
    out, maps = model(x, t, words, word_mask, pooled, frames, need_weights=True)
    assert torch.allclose(out, model(x, t, words, word_mask, pooled, frames), atol=1e-5)
    assert len(maps) == 2
    assert maps[0]["word"].shape == (2, 2, 2, 15, 6)      # batch, person, head, tokens, null + 5 words
    assert maps[0]["person"].shape == (2, 2, 2, 15, 15)
    assert torch.allclose(maps[1]["word"].sum(-1), torch.ones(2, 2, 2, 15), atol=1e-5)


def test_paper_config_has_twelve_blocks():
    config = InterActorConfig.paper()
    assert config.num_blocks == 12 and config.conditioning == "word" and config.text_dim == 768
    with pytest.raises(ValueError, match="accepted: word, sentence"):
        InterActorConfig(conditioning="pooled")
