"""The cosine noise schedule of improved DDPM, as InterGen uses it (REFERENCE 5).

alpha_bar(t) = cos^2(((t / T) + s) / (1 + s) * pi / 2), s = 0.008; each beta is the ratio of two
neighbouring alpha_bar values, capped so the last step (where alpha_bar reaches 0) stays finite.
Everything is float64: the coefficients near t = T are tiny and float32 loses them.
"""

from __future__ import annotations

import math

import torch

COSINE_OFFSET = 0.008  # s: keeps beta_0 from being vanishingly small (improved DDPM)


def cosine_alpha_bar(t: torch.Tensor | float, num_train_timesteps: int = 1000) -> torch.Tensor:
    """The continuous alpha_bar(t) of the cosine schedule, t in [0, T], as float64."""
    t = torch.as_tensor(t, dtype=torch.float64)
    phase = (t / num_train_timesteps + COSINE_OFFSET) / (1.0 + COSINE_OFFSET) * (math.pi / 2)
    return torch.cos(phase) ** 2


def cosine_betas(num_train_timesteps: int = 1000, beta_max: float = 0.999) -> torch.Tensor:
    """beta_t = min(1 - alpha_bar(t + 1) / alpha_bar(t), beta_max) for t = 0 .. T-1, float64 (T,)."""
    if num_train_timesteps < 1:
        raise ValueError(f"num_train_timesteps must be >= 1, got {num_train_timesteps}")
    if not 0.0 < beta_max < 1.0:
        raise ValueError(f"beta_max must lie in (0, 1), got {beta_max}")
    steps = torch.arange(num_train_timesteps + 1, dtype=torch.float64)
    alpha_bar = cosine_alpha_bar(steps, num_train_timesteps)
    return (1.0 - alpha_bar[1:] / alpha_bar[:-1]).clamp(max=beta_max)


def alphas_cumprod_from_betas(betas: torch.Tensor) -> torch.Tensor:
    """The discrete alpha_bar_t = prod_{s <= t} (1 - beta_s) actually used by training and sampling."""
    return torch.cumprod(1.0 - betas.to(torch.float64), dim=0)
