import pytest
import torch

from t2i_core.diffusion import DDIMScheduler, denoise
from t2i_core.diffusion.known_frames import KnownFrames, shared_prefix

B, P, T, C = 2, 2, 8, 4


def run(known_frames, guidance=3.5, steps=5):
    scheduler, seen = DDIMScheduler(), []

    def model_fn(x, t, drop):
        seen.append((x.clone(), int(t[0])))
        return 0.5 * x

    generator = torch.Generator().manual_seed(3)
    scheduler.set_timesteps(steps)
    noise = known_frames.initial(torch.randn(B, P, T, C, generator=torch.Generator().manual_seed(0)), scheduler,
                                 int(scheduler.timesteps[0]), generator)
    out = denoise(known_frames.wrap(model_fn), noise, scheduler, steps, guidance,
                  x0_transform=known_frames.x0_transform,
                  sample_transform=known_frames.sample_transform(scheduler, generator))
    return out, seen, scheduler


def window_mask():
    known = torch.ones(B, P, T, dtype=torch.bool)
    known[:, :, 3:6] = False     # a window of both persons
    known[:, 1, 1] = False       # and one entry of person 2 alone
    return known


def test_known_entries_end_exact_and_are_seen_at_the_steps_noise_level():
    clean, known = torch.full((B, P, T, C), 2.0), window_mask()
    out, seen, scheduler = run(KnownFrames(clean, known), guidance=1.0, steps=4)
    assert torch.equal(out[known], clean[known])
    assert not torch.equal(out[~known], clean[~known])  # the rest is generated
    for x, step in seen:
        expected_mean = float(scheduler.alphas_cumprod[step].sqrt()) * 2.0
        assert abs(x[known].mean().item() - expected_mean) < 0.5  # a draw of q(x_t | clean), not clean itself
        assert not torch.equal(x[known], clean[known])


def test_guidance_doubled_rows_and_per_row_seeds():
    clean, known = torch.randn(B, P, T, C), window_mask()
    out, _, _ = run(KnownFrames(clean, known, seeds=[1, 2]), guidance=3.5)
    assert torch.equal(out[known], clean[known])
    # a row's result depends on its own seed only: the same row alone, same seed, same result
    single, _, _ = run(KnownFrames(clean[:1].repeat(B, 1, 1, 1), known, seeds=[1, 1]), guidance=3.5)
    assert torch.equal(single[0][known[0]], out[0][known[0]])


def test_a_mask_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match=r"known must be \(B, P, T\)"):
        KnownFrames(torch.zeros(B, P, T, C), torch.ones(B, T, dtype=torch.bool))


def test_the_shared_prefix_is_the_opening_frames_known_for_every_person():
    known = torch.zeros(2, 2, 8, dtype=torch.bool)
    known[0, :, :3] = True
    known[0, 1, 3] = True        # person 2 alone one frame further: not shared
    known[0, :, 6:] = True       # frames after a window: not a prefix
    known[1, 0] = True           # person 1 kept whole, person 2 not at all: no shared prefix
    prefix = shared_prefix(known)
    assert prefix[0, :, :3].all() and not prefix[0, :, 3:].any() and not prefix[1].any()


@pytest.mark.parametrize("guidance", [1.0, 3.5])
def test_trained_feeds_the_prefix_clean_at_timestep_zero_and_inpaints_the_rest(guidance):
    clean = torch.randn(B, P, T, C)
    known = torch.zeros(B, P, T, dtype=torch.bool)
    known[:, :, :3] = True       # the prefix a scene continues from
    known[:, :, 7] = True        # a frame after the window: still inpainted
    scheduler, seen = DDIMScheduler(), []

    def model_fn(x, t, drop):
        seen.append((x.clone(), t.clone()))
        return 0.5 * x

    frames = KnownFrames(clean, known, seeds=[4, 5], method="trained")
    scheduler.set_timesteps(4)
    generator = torch.Generator().manual_seed(3)
    noise = frames.initial(torch.randn(B, P, T, C), scheduler, int(scheduler.timesteps[0]), generator)
    out = denoise(frames.wrap(model_fn), noise, scheduler, 4, guidance, x0_transform=frames.x0_transform,
                  sample_transform=frames.sample_transform(scheduler, generator))
    assert torch.equal(out[known], clean[known])             # every known entry ends exact
    rows = 2 * B if guidance != 1.0 else B
    for (x, t), step in zip(seen, scheduler.timesteps.tolist()):
        assert x.shape[0] == t.shape[0] == rows and t.shape == (rows, P, T)
        tiled = clean.repeat(rows // B, 1, 1, 1)
        assert torch.equal(x[:, :, :3], tiled[:, :, :3])     # the prefix: clean, at timestep 0
        assert (t[:, :, :3] == 0).all() and (t[:, :, 3:] == step).all()
        assert not torch.equal(x[:, :, 7], tiled[:, :, 7])   # the later frame: a noised draw, as inpainting
    plain = KnownFrames(clean, known, method="inpaint")
    assert plain.wrap(model_fn) is model_fn and not plain.fed.any()


def test_an_unknown_method_is_refused():
    with pytest.raises(ValueError, match="accepted: trained, inpaint"):
        KnownFrames(torch.zeros(B, P, T, C), torch.ones(B, P, T, dtype=torch.bool), method="noised")
