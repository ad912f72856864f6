"""Diffusion without weights: the cosine schedule, the DDIM scheduler, classifier-free guidance, the sampling loop."""

from t2i_core.diffusion.ddim import SCHEDULER_FILE, DDIMConfig, DDIMScheduler, DDIMStepOutput
from t2i_core.diffusion.guidance import (
    CONDITION_DROP_PROB,
    DEFAULT_GUIDANCE_SCALE,
    drop_condition_mask,
    guided_x0,
    tile_batch,
)
from t2i_core.diffusion.sampling import FINAL_TIMESTEP, denoise, partial_start
from t2i_core.diffusion.schedule import alphas_cumprod_from_betas, cosine_alpha_bar, cosine_betas

__all__ = [
    "CONDITION_DROP_PROB",
    "DEFAULT_GUIDANCE_SCALE",
    "FINAL_TIMESTEP",
    "SCHEDULER_FILE",
    "DDIMConfig",
    "DDIMScheduler",
    "DDIMStepOutput",
    "alphas_cumprod_from_betas",
    "cosine_alpha_bar",
    "cosine_betas",
    "denoise",
    "drop_condition_mask",
    "guided_x0",
    "partial_start",
    "tile_batch",
]
