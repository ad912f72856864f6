import pytest
import torch

from t2i_core.diffusion import DDIMScheduler, denoise
from t2i_core.diffusion.given_person import GivenPerson

B, T, C = 2, 6, 4


def recording_model(seen):
    """Records what it is called with and predicts a shrunk copy of its input."""

    def model_fn(x, t, drop):
        seen.append((x.clone(), t.clone()))
        return 0.5 * x

    return model_fn


def run(given, guidance=3.5, steps=5):
    scheduler, seen = DDIMScheduler(), []
    generator = torch.Generator().manual_seed(3)
    scheduler.set_timesteps(steps)
    noise = given.initial(torch.randn(B, 2, T, C, generator=torch.Generator().manual_seed(0)), scheduler,
                          int(scheduler.timesteps[0]), generator)
    out = denoise(given.wrap(recording_model(seen)), noise, scheduler, steps, guidance,
                  x0_transform=given.x0_transform, sample_transform=given.sample_transform(scheduler, generator))
    return out, seen, scheduler


def test_trained_method_shows_the_given_person_clean_at_timestep_zero():
    clean = torch.randn(B, T, C)
    out, seen, scheduler = run(GivenPerson(clean, person=0, method="trained"))
    for (x, t), step in zip(seen, scheduler.timesteps):
        rows = x.shape[0]  # guidance doubles the batch
        assert torch.equal(x[:, 0], clean.repeat(rows // B, 1, 1))
        assert t.shape == (rows, 2) and (t[:, 0] == 0).all() and (t[:, 1] == int(step)).all()
    assert torch.equal(out[:, 0], clean)


def test_inpainting_shows_the_given_person_at_the_steps_noise_level_and_ends_clean():
    clean = torch.full((B, T, C), 2.0)
    out, seen, scheduler = run(GivenPerson(clean, person=1, method="inpaint"), guidance=1.0, steps=4)
    alphas = scheduler.alphas_cumprod
    for (x, t), step in zip(seen, scheduler.timesteps):
        assert t.shape == (B,)
        # a draw of q(x_t | clean): its mean is sqrt(alpha_bar_t) * clean (it is not the clean motion itself)
        expected_mean = float(alphas[int(step)].sqrt()) * 2.0
        assert abs(x[:, 1].mean().item() - expected_mean) < 0.8
        assert not torch.equal(x[:, 1], clean)
    assert torch.equal(out[:, 1], clean)


def test_unknown_method_or_person_is_a_clear_error():
    with pytest.raises(ValueError, match="accepted: trained, inpaint"):
        GivenPerson(torch.zeros(1, 2, 3), method="copy")
    with pytest.raises(ValueError, match="0 or 1"):
        GivenPerson(torch.zeros(1, 2, 3), person=2)
