"""The one DDIM sampling loop with classifier-free guidance that every x0-predicting denoiser uses.

Each step: x0 = guided_x0(model_fn, x_t, t, s) -> optional ``x0_transform`` -> DDIM step to the
next timestep -> optional ``sample_transform`` -> optional ``callback``. The hooks are how a caller
changes the loop without copying it:

- ``x0_transform(x0, t, i) -> x0`` edits the predicted clean sample (physical guidance; clamping a
  person whose clean motion is known);
- ``sample_transform(x, t_prev, i) -> x`` edits the sample the step produced, which now sits at
  timestep ``t_prev`` (inpainting: replace a known person by a fresh draw of q(x_t_prev | x)).
  After the last step ``t_prev`` is ``FINAL_TIMESTEP`` (-1): ``x`` is the clean result;
- ``callback(step, total)`` is called after each step, step counting from 1 (progress bars).

``i`` is the 0-based index of the step in the full schedule, ``t`` its (int) timestep.

Partial denoising (SDEdit): ``start_step`` > 0 skips the first steps of the schedule, so ``noise`` is
the sample at ``timesteps[start_step]`` (a clean motion noised there, ``DDIMScheduler.add_noise``);
``partial_start(steps, strength)`` turns a strength in (0, 1] into that step, as diffusers' img2img does.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from t2i_core.diffusion.ddim import DDIMScheduler
from t2i_core.diffusion.guidance import DEFAULT_GUIDANCE_SCALE, ModelFn, guided_x0

FINAL_TIMESTEP = -1  # the t_prev a sample_transform sees after the last step: x is clean

X0Transform = Callable[[torch.Tensor, int, int], torch.Tensor]
SampleTransform = Callable[[torch.Tensor, int, int], torch.Tensor]
ProgressCallback = Callable[[int, int], None]


def partial_start(steps: int, strength: float) -> int:
    """The first step of a partial run of ``steps`` that denoises a ``strength`` share of it (at least one step):
    strength 1 starts from the top (pure noise), 0.5 halfway down."""
    try:
        strength = float(strength)
    except (TypeError, ValueError):
        raise ValueError(f"strength must be a number in (0, 1], got {strength!r}") from None
    if not 0.0 < strength <= 1.0:
        raise ValueError(f"strength must be a number in (0, 1], got {strength}")
    return int(steps) - max(1, round(strength * int(steps)))


def denoise(
    model_fn: ModelFn,
    noise: torch.Tensor,
    scheduler: DDIMScheduler,
    steps: int,
    guidance_scale: float = DEFAULT_GUIDANCE_SCALE,
    eta: float = 0.0,
    generator: torch.Generator | None = None,
    callback: ProgressCallback | None = None,
    x0_transform: X0Transform | None = None,
    sample_transform: SampleTransform | None = None,
    start_step: int = 0,
) -> torch.Tensor:
    """Run ``steps`` DDIM steps from ``noise`` (x_T) and return the clean sample; with ``start_step`` only the
    steps from that index on, ``noise`` being the sample at that step's timestep (``callback`` then counts those).

    ``model_fn(x, t, drop) -> x0`` is the contract of ``guidance.guided_x0``; ``generator`` draws
    the noise of stochastic steps (eta > 0) and must live on the sample's device. The scheduler's
    timesteps are set to ``steps`` (so it holds them after the call).
    """
    scheduler.set_timesteps(steps)
    timesteps = [int(t) for t in scheduler.timesteps]
    total = len(timesteps)
    if isinstance(start_step, bool) or not isinstance(start_step, int) or not 0 <= start_step < total:
        raise ValueError(f"start_step must be an integer in [0, {total - 1}] for {total} steps, got {start_step!r}")
    x = noise
    for i in range(start_step, total):
        t = timesteps[i]
        x0 = guided_x0(model_fn, x, t, guidance_scale)
        if x0_transform is not None:
            x0 = x0_transform(x0, t, i)
        x = scheduler.step(x0, t, x, eta=eta, generator=generator).prev_sample
        if sample_transform is not None:
            x = sample_transform(x, timesteps[i + 1] if i + 1 < total else FINAL_TIMESTEP, i)
        if callback is not None:
            callback(i + 1 - start_step, total - start_step)
    return x
