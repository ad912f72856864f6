import pytest
import torch

from t2i_core.diffusion import drop_condition_mask, guided_x0, tile_batch


class RecordingModel:
    """x0 = x * 2 + t for conditioned rows, x - 1 for dropped ones; records each call's batch."""

    def __init__(self):
        self.batches = []

    def __call__(self, x, t, drop):
        self.batches.append(x.shape[0])
        assert drop.dtype == torch.bool and drop.shape == (x.shape[0],) and t.shape == (x.shape[0],)
        t = t.to(x.dtype).view(-1, *([1] * (x.ndim - 1)))
        return torch.where(drop.view(-1, *([1] * (x.ndim - 1))), x - 1.0, 2.0 * x + t)


def conditional(x, t):
    return 2.0 * x + t.to(x.dtype).view(-1, 1, 1)


def unconditional(x):
    return x - 1.0


def test_guidance_combines_cond_and_uncond_in_one_batch():
    x, t = torch.randn(3, 4, 5), torch.tensor([10, 20, 30])
    model = RecordingModel()
    out = guided_x0(model, x, t, scale=3.5)
    assert model.batches == [6]  # one call with the 2B batch
    assert torch.allclose(out, 3.5 * conditional(x, t) - 2.5 * unconditional(x))


def test_scale_one_is_the_conditional_output_in_one_pass():
    x, t = torch.randn(3, 4, 5), torch.tensor([10, 20, 30])
    model = RecordingModel()
    assert torch.equal(guided_x0(model, x, t, scale=1.0), conditional(x, t))
    assert model.batches == [3]


def test_scale_zero_is_the_unconditional_output():
    x = torch.randn(2, 4, 5)
    model = RecordingModel()
    assert torch.equal(guided_x0(model, x, 7, scale=0), unconditional(x))
    assert model.batches == [2]


def test_scalar_timestep_is_broadcast():
    x = torch.randn(2, 4, 5)
    assert torch.allclose(guided_x0(RecordingModel(), x, torch.tensor(5), 2.0),
                          guided_x0(RecordingModel(), x, torch.tensor([5, 5]), 2.0))


@pytest.mark.parametrize("scale", [-0.5, float("nan"), float("inf"), "big", None])
def test_bad_scale(scale):
    with pytest.raises(ValueError, match="scale"):
        guided_x0(RecordingModel(), torch.zeros(1, 2), 0, scale)


def test_bad_timesteps_and_bad_model_output():
    with pytest.raises(ValueError, match="t must be"):
        guided_x0(RecordingModel(), torch.zeros(2, 3), torch.tensor([1, 2, 3]), 2.0)
    with pytest.raises(ValueError, match="rows"):
        guided_x0(lambda x, t, drop: x[:1], torch.zeros(2, 3), 0, 2.0)


def test_tile_batch():
    words = torch.arange(6).view(2, 3)
    assert torch.equal(tile_batch(words, 4), torch.cat([words, words]))
    assert torch.equal(tile_batch(words, 2), words)
    with pytest.raises(ValueError):
        tile_batch(words, 3)


def test_drop_condition_mask():
    mask = drop_condition_mask(20000, 0.1, torch.Generator().manual_seed(0))
    assert mask.dtype == torch.bool and mask.shape == (20000,)
    assert abs(mask.float().mean().item() - 0.1) < 0.01
    again = drop_condition_mask(20000, 0.1, torch.Generator().manual_seed(0))
    assert torch.equal(mask, again)
    assert not drop_condition_mask(50, 0.0).any() and drop_condition_mask(50, 1.0).all()
    for p in (-0.1, 1.1):
        with pytest.raises(ValueError, match="probability"):
            drop_condition_mask(4, p)
