import pytest
import torch

from t2i_core.diffusion import DDIMScheduler, denoise, guided_x0
from t2i_core.diffusion.sampling import FINAL_TIMESTEP, partial_start

SHAPE = (3, 2, 5, 4)


def fixed_model(target):
    """Predicts ``target`` whatever x, t and the condition are."""
    return lambda x, t, drop: target.expand(x.shape[0], *target.shape[1:]).clone()


def shrinking_model(x, t, drop):
    """A prediction that depends on x, t and the condition, so every step of the loop matters."""
    scale = torch.where(drop, 0.5, 0.8).view(-1, 1, 1, 1)
    return scale * x + t.to(x.dtype).view(-1, 1, 1, 1) / 1000.0


def reference_loop(model_fn, noise, scheduler, steps, guidance, eta=0.0, generator=None):
    scheduler.set_timesteps(steps)
    x = noise
    for t in scheduler.timesteps:
        x0 = guided_x0(model_fn, x, int(t), guidance)
        x = scheduler.step(x0, int(t), x, eta=eta, generator=generator).prev_sample
    return x


def test_a_model_that_always_predicts_one_sample_ends_exactly_there():
    target = torch.tensor([0.5, -1.25, 2.0, 0.75]).expand(1, 2, 5, 4)  # dyadic: guidance arithmetic is exact
    for guidance in (1.0, 3.5):
        out = denoise(fixed_model(target), torch.randn(SHAPE), DDIMScheduler(), 7, guidance)
        assert torch.equal(out, target.expand(SHAPE))


@pytest.mark.parametrize("guidance,eta", [(3.5, 0.0), (1.0, 0.0), (2.0, 0.7)])
def test_denoise_is_the_plain_guided_ddim_loop(guidance, eta):
    noise = torch.randn(SHAPE, generator=torch.Generator().manual_seed(0))
    ours = denoise(shrinking_model, noise, DDIMScheduler(), 6, guidance, eta=eta,
                   generator=torch.Generator().manual_seed(1))
    expected = reference_loop(shrinking_model, noise, DDIMScheduler(), 6, guidance, eta=eta,
                              generator=torch.Generator().manual_seed(1))
    assert torch.equal(ours, expected)
    assert not torch.equal(ours, denoise(shrinking_model, noise, DDIMScheduler(), 6, guidance + 1.0))


def test_callback_counts_every_step_against_the_total():
    calls = []
    denoise(shrinking_model, torch.randn(SHAPE), DDIMScheduler(), 4, 3.5, callback=lambda s, n: calls.append((s, n)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_x0_transform_sees_each_timestep_and_its_result_is_used():
    scheduler = DDIMScheduler()
    seen = []
    known = torch.full((1, 5, 4), 0.25)

    def clamp_first_person(x0, t, i):
        seen.append((t, i, x0.shape))
        x0 = x0.clone()
        x0[:, 0] = known  # person 0's clean motion is given
        return x0

    out = denoise(shrinking_model, torch.randn(SHAPE), scheduler, 5, 3.5, x0_transform=clamp_first_person)
    assert seen == [(int(t), i, SHAPE) for i, t in enumerate(scheduler.timesteps)]
    assert torch.equal(out[:, 0], known.expand(3, 5, 4))
    assert not torch.equal(out[:, 1], known.expand(3, 5, 4))


def test_sample_transform_gets_the_next_timestep_and_feeds_the_model():
    scheduler = DDIMScheduler()
    transformed, model_inputs, seen = [], [], []

    def model_fn(x, t, drop):
        model_inputs.append(x[: SHAPE[0]].clone())  # the conditional half of the guided batch
        return shrinking_model(x, t, drop)

    def shift(x, t_prev, i):
        seen.append((t_prev, i))
        x = x + 1.0
        transformed.append(x.clone())
        return x

    out = denoise(model_fn, torch.randn(SHAPE), scheduler, 4, 3.5, sample_transform=shift)
    timesteps = [int(t) for t in scheduler.timesteps]
    assert seen == list(zip([*timesteps[1:], FINAL_TIMESTEP], range(4)))
    for step in range(3):  # what a step's transform returned is what the next step denoised
        assert torch.equal(model_inputs[step + 1], transformed[step])
    assert torch.equal(out, transformed[-1])


def test_inpainting_with_sample_transform_keeps_the_known_person():
    scheduler = DDIMScheduler()
    known = torch.randn(SHAPE[0], 5, 4, generator=torch.Generator().manual_seed(3))
    generator = torch.Generator().manual_seed(4)

    def replace_first_person(x, t_prev, i):
        x = x.clone()
        if t_prev == FINAL_TIMESTEP:
            x[:, 0] = known
        else:
            noise = torch.randn(known.shape, generator=generator)
            x[:, 0] = scheduler.add_noise(known, noise, torch.full((SHAPE[0],), t_prev))
        return x

    out = denoise(shrinking_model, torch.randn(SHAPE), scheduler, 5, 3.5, sample_transform=replace_first_person)
    assert torch.equal(out[:, 0], known)


def test_bad_steps_and_guidance_are_reported():
    with pytest.raises(ValueError, match="num_inference_steps"):
        denoise(shrinking_model, torch.randn(SHAPE), DDIMScheduler(), 0, 3.5)
    with pytest.raises(ValueError, match="guidance scale"):
        denoise(shrinking_model, torch.randn(SHAPE), DDIMScheduler(), 3, -1.0)


def test_a_partial_run_is_the_tail_of_the_loop_from_its_start_step():
    """SDEdit: start_step skips the first steps; the rest is the same loop, from the given sample."""
    scheduler = DDIMScheduler()
    scheduler.set_timesteps(8)
    timesteps = [int(t) for t in scheduler.timesteps]
    x = torch.randn(SHAPE, generator=torch.Generator().manual_seed(2))
    expected = x
    for t in timesteps[3:]:
        expected = scheduler.step(guided_x0(shrinking_model, expected, t, 3.5), t, expected).prev_sample
    calls, seen = [], []
    out = denoise(shrinking_model, x, DDIMScheduler(), 8, 3.5, start_step=3,
                  callback=lambda s, n: calls.append((s, n)), x0_transform=lambda x0, t, i: seen.append((t, i)) or x0)
    assert torch.equal(out, expected)
    assert calls == [(k, 5) for k in range(1, 6)]  # progress counts the steps actually run
    assert seen == list(zip(timesteps[3:], range(3, 8)))  # i indexes the full schedule
    assert torch.equal(denoise(shrinking_model, x, DDIMScheduler(), 8, 3.5, start_step=0),
                       denoise(shrinking_model, x, DDIMScheduler(), 8, 3.5))
    for bad in (8, -1, 1.5, True):
        with pytest.raises(ValueError, match="start_step must be an integer in"):
            denoise(shrinking_model, x, DDIMScheduler(), 8, 3.5, start_step=bad)


@pytest.mark.parametrize(("steps", "strength", "start"), [(10, 1.0, 0), (10, 0.5, 5), (10, 0.3, 7), (10, 0.01, 9),
                                                          (50, 0.6, 20), (1, 0.2, 0)])
def test_partial_start_denoises_the_strength_share_and_at_least_one_step(steps, strength, start):
    assert partial_start(steps, strength) == start


@pytest.mark.parametrize("strength", [0, -0.1, 1.01, float("nan"), "half"])
def test_partial_start_refuses_a_strength_outside_zero_one(strength):
    with pytest.raises(ValueError, match=r"strength must be a number in \(0, 1\]"):
        partial_start(10, strength)
