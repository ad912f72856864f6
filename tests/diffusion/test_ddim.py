import json
import math

import pytest
import torch

from t2i_core.diffusion import SCHEDULER_FILE, DDIMScheduler, cosine_alpha_bar, cosine_betas
from t2i_core.diffusion.ddim import DDIMConfig
from t2i_core.diffusion.schedule import alphas_cumprod_from_betas


def formula_alpha_bar(t, T=1000):
    return math.cos(((t / T) + 0.008) / 1.008 * math.pi / 2) ** 2


def test_cosine_schedule_matches_the_formula():
    betas = cosine_betas()
    assert betas.dtype == torch.float64 and betas.shape == (1000,)
    for t in (0, 1, 250, 500, 980):
        assert math.isclose(float(cosine_alpha_bar(t)), formula_alpha_bar(t), rel_tol=1e-12)
        expected_beta = 1 - formula_alpha_bar(t + 1) / formula_alpha_bar(t)
        assert math.isclose(float(betas[t]), expected_beta, rel_tol=1e-9)
    # below the cap, the product of (1 - beta) telescopes to alpha_bar(t + 1) / alpha_bar(0)
    cumprod = alphas_cumprod_from_betas(betas)
    for t in (0, 100, 500, 900, 998):
        assert math.isclose(float(cumprod[t]), formula_alpha_bar(t + 1) / formula_alpha_bar(0), rel_tol=1e-9)


def test_schedule_is_monotone_and_capped():
    betas = cosine_betas()
    assert torch.all(betas[1:] >= betas[:-1])
    assert betas.max() == 0.999 and betas[-1] == 0.999  # the uncapped last beta is 1
    assert torch.all(cosine_betas(1000, beta_max=0.5) <= 0.5)
    scheduler = DDIMScheduler()
    cumprod = scheduler.alphas_cumprod
    assert cumprod.dtype == torch.float64
    assert torch.all(cumprod[1:] < cumprod[:-1]) and 0 < cumprod[-1] < 1e-5 and cumprod[0] > 0.9999
    # alphas_cumprod comes from the capped betas
    assert torch.allclose(cumprod, torch.cumprod(1 - betas, 0), rtol=0, atol=0)


def test_add_noise_statistics():
    scheduler = DDIMScheduler()
    generator = torch.Generator().manual_seed(0)
    x0 = torch.full((4, 2, 100, 262), 2.0)
    noise = torch.randn(x0.shape, generator=generator)
    timesteps = torch.tensor([0, 300, 700, 999])
    noisy = scheduler.add_noise(x0, noise, timesteps)
    assert noisy.shape == x0.shape and noisy.dtype == x0.dtype
    for b, t in enumerate(timesteps.tolist()):
        a = float(scheduler.alphas_cumprod[t])
        assert abs(noisy[b].mean().item() - 2 * math.sqrt(a)) < 0.02
        assert abs(noisy[b].std().item() - math.sqrt(1 - a)) < 0.02
    # exact value and broadcasting over any trailing dims
    flat = scheduler.add_noise(x0[:, 0, 0], noise[:, 0, 0], timesteps)
    assert torch.allclose(flat, noisy[:, 0, 0])


@pytest.mark.parametrize(
    "timesteps",
    [torch.tensor([0, 1000]), torch.tensor([-1, 0]), torch.tensor([0.0, 1.0]), torch.tensor([[0, 1]]),
     torch.tensor([0, 1, 2])],
)
def test_add_noise_rejects_bad_timesteps(timesteps):
    x0 = torch.zeros(2, 3)
    with pytest.raises(ValueError):
        DDIMScheduler().add_noise(x0, torch.zeros_like(x0), timesteps)


def test_set_timesteps_leading():
    scheduler = DDIMScheduler(timestep_spacing="leading")
    scheduler.set_timesteps(50)
    assert scheduler.timesteps.tolist() == list(range(980, -1, -20))
    scheduler.set_timesteps(1000)
    assert scheduler.timesteps.tolist() == list(range(999, -1, -1))
    scheduler.set_timesteps(1)
    assert scheduler.timesteps.tolist() == [0]
    for bad in (0, 1001, -5, 2.5, True):
        with pytest.raises(ValueError, match="num_inference_steps"):
            scheduler.set_timesteps(bad)


def test_set_timesteps_trailing_starts_at_the_last_training_timestep():
    scheduler = DDIMScheduler()
    assert scheduler.config.timestep_spacing == "trailing"
    scheduler.set_timesteps(10)
    assert scheduler.timesteps.tolist() == list(range(999, 0, -100))
    scheduler.set_timesteps(50)
    assert scheduler.timesteps.tolist() == list(range(999, 0, -20))
    scheduler.set_timesteps(1000)
    assert scheduler.timesteps.tolist() == list(range(999, -1, -1))
    scheduler.set_timesteps(3)
    assert scheduler.timesteps.tolist() == [999, 666, 333]
    scheduler.set_timesteps(1)
    assert scheduler.timesteps.tolist() == [999]
    for bad in (0, 1001, 2.5):
        with pytest.raises(ValueError, match="num_inference_steps"):
            scheduler.set_timesteps(bad)


def sample_loop(scheduler, model, shape, steps, eta=0.0, seed=0):
    generator = torch.Generator().manual_seed(seed)
    scheduler.set_timesteps(steps)
    x = torch.randn(shape, generator=generator, dtype=torch.float64)
    for t in scheduler.timesteps:
        x = scheduler.step(model(x, t), t, x, eta=eta, generator=generator).prev_sample
    return x


@pytest.mark.parametrize("spacing", ["leading", "trailing"])
@pytest.mark.parametrize("steps", [10, 50, 1000])
@pytest.mark.parametrize("eta", [0.0, 1.0])
def test_perfect_predictor_recovers_x0(steps, eta, spacing):
    x0 = torch.randn(2, 2, 30, 262, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    out = sample_loop(DDIMScheduler(timestep_spacing=spacing), lambda x, t: x0, x0.shape, steps, eta=eta)
    assert torch.allclose(out, x0, atol=1e-5)


def test_eta0_with_perfect_predictor_keeps_the_noise_direction():
    # DDIM with eta = 0 moves along x_t = sqrt(a_t) x0 + sqrt(1 - a_t) eps with a fixed eps
    scheduler = DDIMScheduler()
    scheduler.set_timesteps(10)
    x0 = torch.randn(3, 8, dtype=torch.float64)
    x = torch.randn(3, 8, dtype=torch.float64)
    t0 = int(scheduler.timesteps[0])
    a = float(scheduler.alphas_cumprod[t0])
    eps = (x - math.sqrt(a) * x0) / math.sqrt(1 - a)
    for t, t_prev in zip(scheduler.timesteps[:-1].tolist(), scheduler.timesteps[1:].tolist()):
        x = scheduler.step(x0, t, x).prev_sample
        a_prev = float(scheduler.alphas_cumprod[t_prev])
        assert torch.allclose(x, math.sqrt(a_prev) * x0 + math.sqrt(1 - a_prev) * eps, atol=1e-10)


def test_eta_noise_comes_from_the_generator():
    scheduler = DDIMScheduler(timestep_spacing="leading")
    scheduler.set_timesteps(50)
    x = torch.randn(2, 5)
    x0 = torch.zeros(2, 5)

    def step(seed, eta):
        return scheduler.step(x0, 500, x, eta=eta, generator=torch.Generator().manual_seed(seed))

    assert torch.equal(step(3, 1.0).prev_sample, step(3, 1.0).prev_sample)
    assert not torch.equal(step(3, 1.0).prev_sample, step(4, 1.0).prev_sample)
    assert torch.equal(step(3, 0.0).prev_sample, step(4, 0.0).prev_sample)
    assert step(3, 1.0).prev_sample.dtype == torch.float32


def test_step_errors():
    scheduler = DDIMScheduler(timestep_spacing="leading")
    x = torch.zeros(2, 3)
    with pytest.raises(ValueError, match="set_timesteps"):
        scheduler.step(x, 0, x)
    scheduler.set_timesteps(50)
    with pytest.raises(ValueError, match="not in the schedule"):
        scheduler.step(x, 999, x)
    with pytest.raises(ValueError, match="differ"):
        scheduler.step(torch.zeros(2, 4), 980, x)
    with pytest.raises(ValueError, match="eta"):
        scheduler.step(x, 980, x, eta=-0.1)
    with pytest.raises(ValueError, match="one timestep"):
        scheduler.step(x, torch.tensor([980, 960]), x)


def test_constructor_errors():
    for kwargs in ({"num_train_timesteps": 0}, {"num_train_timesteps": 10.0}, {"beta_max": 1.0},
                   {"beta_max": 0.0}, {"timestep_spacing": "linspace"}):
        with pytest.raises(ValueError):
            DDIMScheduler(**kwargs)


def dummy_model(x, t):
    # a fixed, input-dependent "network": shrinks towards a t-dependent offset
    return 0.5 * torch.tanh(x) + 0.001 * float(t)


def test_save_and_reload_gives_identical_loops(tmp_path):
    scheduler = DDIMScheduler(num_train_timesteps=500, beta_max=0.99, timestep_spacing="leading")
    path = scheduler.save_config(tmp_path)
    assert path == tmp_path / SCHEDULER_FILE
    reloaded = DDIMScheduler.from_config(tmp_path)
    assert reloaded.config == scheduler.config
    assert torch.equal(reloaded.alphas_cumprod, scheduler.alphas_cumprod)
    for eta in (0.0, 0.5):
        first = sample_loop(scheduler, dummy_model, (2, 2, 12, 262), 25, eta=eta, seed=7)
        second = sample_loop(reloaded, dummy_model, (2, 2, 12, 262), 25, eta=eta, seed=7)
        assert torch.equal(first, second)
    assert not list(tmp_path.glob("*.tmp"))  # atomic write leaves no temporaries


def test_from_config_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        DDIMScheduler.from_config(tmp_path)
    (tmp_path / SCHEDULER_FILE).write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        DDIMScheduler.from_config(tmp_path)
    (tmp_path / SCHEDULER_FILE).write_text(json.dumps({"_class_name": "Other", "num_train_timesteps": 10}))
    with pytest.raises(ValueError, match="DDIMScheduler"):
        DDIMScheduler.from_config(tmp_path)
    (tmp_path / SCHEDULER_FILE).write_text(json.dumps({"_class_name": "DDIMScheduler", "steps": 10}))
    with pytest.raises(ValueError, match="unknown"):
        DDIMScheduler.from_config(tmp_path)
    (tmp_path / SCHEDULER_FILE).write_text(json.dumps({"_class_name": "DDIMScheduler", "beta_max": 2}))
    with pytest.raises(ValueError, match="beta_max"):
        DDIMScheduler.from_config(tmp_path)
    (tmp_path / SCHEDULER_FILE).write_text(json.dumps({"_class_name": "DDIMScheduler", "timestep_spacing": "x"}))
    with pytest.raises(ValueError, match="timestep_spacing must be one of leading, trailing"):
        DDIMScheduler.from_config(tmp_path)


def test_the_scheduler_of_a_checkpoint_folder(tmp_path):
    assert DDIMScheduler.of_checkpoint(tmp_path).config == DDIMScheduler().config  # none saved: the default
    DDIMScheduler(num_train_timesteps=500, timestep_spacing="leading").save_config(tmp_path)
    assert DDIMScheduler.of_checkpoint(tmp_path).config == DDIMConfig(500, 0.999, "leading")


def test_a_scheduler_file_from_before_the_spacing_setting_keeps_leading_spacing(tmp_path):
    (tmp_path / SCHEDULER_FILE).write_text(json.dumps({"_class_name": "DDIMScheduler", "beta_max": 0.999,
                                                       "num_train_timesteps": 1000}))
    scheduler = DDIMScheduler.from_config(tmp_path)
    assert scheduler.config.timestep_spacing == "leading"
    scheduler.set_timesteps(10)
    assert scheduler.timesteps.tolist() == list(range(900, -1, -100))
    DDIMScheduler().save_config(tmp_path)
    assert json.loads((tmp_path / SCHEDULER_FILE).read_text())["timestep_spacing"] == "trailing"
