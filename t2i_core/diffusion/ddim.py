"""DDIM for a network that predicts x0 (InterGen / Text2Interact), in the diffusers shape.

The scheduler holds no weights: ``add_noise`` (training), ``set_timesteps`` + ``timesteps`` +
``step`` (sampling). A sampling loop reads::

    scheduler.set_timesteps(50)            # 999, 979, ..., 19 (trailing spacing)
    x = torch.randn(shape, generator=generator)
    for t in scheduler.timesteps:
        x = scheduler.step(model(x, t), t, x).prev_sample

Coefficients come from float64 schedules; the arithmetic on samples runs in the sample's dtype.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from t2i_core.checkpoint import config_from_dict
from t2i_core.diffusion.schedule import alphas_cumprod_from_betas, cosine_betas
from t2i_core.io import atomic_write_text

SCHEDULER_FILE = "scheduler.json"
# Which of the T training timesteps an n-step loop visits. "leading" (DDIM's original: 0, T/n, ...,
# T - T/n) starts at t = T - T/n, where the model expects some signal, from pure noise; "trailing"
# (Lin et al. 2024: T-1, T-1-T/n, ..., T/n - 1) starts at the last training timestep, which pure
# noise matches. Measured on InterActor at DDIM-10 (card): trailing is much closer to DDIM-50.
TIMESTEP_SPACINGS = ("leading", "trailing")
# scheduler.json files written before the setting existed were sampled with this one
LEGACY_SPACING = "leading"


@dataclass(frozen=True)
class DDIMConfig:
    num_train_timesteps: int = 1000  # T of the forward process (REFERENCE 5)
    beta_max: float = 0.999  # cap on each beta: at t = T-1 the uncapped beta is 1 (alpha_bar hits 0)
    timestep_spacing: str = "trailing"  # one of TIMESTEP_SPACINGS


@dataclass
class DDIMStepOutput:
    prev_sample: torch.Tensor  # x at the previous (less noisy) timestep; x0 itself after the last step
    pred_x0: torch.Tensor  # the clean sample the step moved towards


class DDIMScheduler:
    """Deterministic (eta = 0) or stochastic (eta > 0) DDIM over a strided subset of the T steps."""

    def __init__(self, num_train_timesteps: int = 1000, beta_max: float = 0.999,
                 timestep_spacing: str = DDIMConfig.timestep_spacing):
        if isinstance(num_train_timesteps, bool) or not isinstance(num_train_timesteps, int):
            raise ValueError(f"num_train_timesteps must be an int, got {num_train_timesteps!r}")
        if timestep_spacing not in TIMESTEP_SPACINGS:
            raise ValueError(f"timestep_spacing must be one of {', '.join(TIMESTEP_SPACINGS)}, "
                             f"got {timestep_spacing!r}")
        self.config = DDIMConfig(num_train_timesteps=num_train_timesteps, beta_max=float(beta_max),
                                 timestep_spacing=timestep_spacing)
        self.betas = cosine_betas(num_train_timesteps, beta_max)  # validates both arguments
        self.alphas_cumprod = alphas_cumprod_from_betas(self.betas)  # float64 on CPU, indexed per step
        self.timesteps: torch.Tensor | None = None  # set by set_timesteps, descending
        self.num_inference_steps: int | None = None
        self._previous: dict[int, int] = {}  # timestep -> the next one in the loop (-1 after the last)

    # -- config round trip ---------------------------------------------------------------------
    def save_config(self, folder: str | Path) -> Path:
        """Write ``scheduler.json`` into ``folder`` (atomically) and return its path."""
        payload = {"_class_name": type(self).__name__, **asdict(self.config)}
        return atomic_write_text(Path(folder) / SCHEDULER_FILE, json.dumps(payload, indent=2, sort_keys=True))

    @classmethod
    def from_config(cls, folder: str | Path) -> DDIMScheduler:
        """Rebuild a scheduler from the ``scheduler.json`` that ``save_config`` wrote into ``folder``."""
        path = Path(folder) / SCHEDULER_FILE
        if not path.is_file():
            raise ValueError(f"no scheduler config: {path} does not exist")
        try:
            payload = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ValueError(f"{path} is not valid JSON: {error}") from error
        if not isinstance(payload, dict) or payload.get("_class_name") != cls.__name__:
            raise ValueError(f"{path} does not describe a {cls.__name__}")
        settings = {"timestep_spacing": LEGACY_SPACING, **{k: v for k, v in payload.items() if k != "_class_name"}}
        return cls(**asdict(config_from_dict(DDIMConfig, settings, source=path)))

    @classmethod
    def of_checkpoint(cls, folder: str | Path) -> DDIMScheduler:
        """The scheduler a checkpoint folder was saved with; a default one where it has no ``scheduler.json``."""
        return cls.from_config(folder) if (Path(folder) / SCHEDULER_FILE).is_file() else cls()

    # -- training --------------------------------------------------------------------------------
    def add_noise(self, x0: torch.Tensor, noise: torch.Tensor, timesteps: torch.Tensor) -> torch.Tensor:
        """q(x_t | x0): sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) noise, one timestep per sample."""
        if noise.shape != x0.shape:
            raise ValueError(f"noise {tuple(noise.shape)} and x0 {tuple(x0.shape)} differ in shape")
        if timesteps.ndim != 1 or timesteps.shape[0] != x0.shape[0]:
            raise ValueError(f"timesteps must be (B,) = ({x0.shape[0]},), got {tuple(timesteps.shape)}")
        if timesteps.dtype.is_floating_point or timesteps.dtype == torch.bool:
            raise ValueError(f"timesteps must be integers, got {timesteps.dtype}")
        steps = timesteps.detach().cpu().long()  # index the float64 CPU table (MPS has no float64)
        if steps.numel() and (steps.min() < 0 or steps.max() >= self.config.num_train_timesteps):
            raise ValueError(f"timesteps must lie in [0, {self.config.num_train_timesteps - 1}]")
        alpha_bar = self.alphas_cumprod[steps]
        shape = (-1,) + (1,) * (x0.ndim - 1)
        signal = alpha_bar.sqrt().to(x0.device, x0.dtype).view(shape)
        noise_level = (1.0 - alpha_bar).sqrt().to(x0.device, x0.dtype).view(shape)
        return signal * x0 + noise_level * noise

    # -- sampling --------------------------------------------------------------------------------
    def set_timesteps(self, num_inference_steps: int) -> None:
        """n of the T timesteps, evenly spaced, highest first (``timestep_spacing``, T = 1000, n = 50):
        leading 980, 960, ..., 0; trailing 999, 979, ..., 19."""
        total = self.config.num_train_timesteps
        if isinstance(num_inference_steps, bool) or not isinstance(num_inference_steps, int):
            raise ValueError(f"num_inference_steps must be an int, got {num_inference_steps!r}")
        if not 1 <= num_inference_steps <= total:
            raise ValueError(f"num_inference_steps must lie in [1, {total}], got {num_inference_steps}")
        if self.config.timestep_spacing == "trailing":
            steps = [total - 1 - (i * total) // num_inference_steps for i in range(num_inference_steps)]
        else:
            stride = total // num_inference_steps
            steps = list(range(0, num_inference_steps * stride, stride))[::-1]
        self.timesteps = torch.tensor(steps, dtype=torch.long)
        self.num_inference_steps = num_inference_steps
        self._previous = dict(zip(steps, [*steps[1:], -1]))

    def step(
        self,
        model_output: torch.Tensor,
        timestep: int | torch.Tensor,
        sample: torch.Tensor,
        eta: float = 0.0,
        generator: torch.Generator | None = None,
    ) -> DDIMStepOutput:
        """One DDIM update from ``timestep`` to the next entry of ``self.timesteps``.

        model_output is the network's x0 prediction for ``sample`` (x_t). The noise it implies,
        eps = (x_t - sqrt(a_t) x0) / sqrt(1 - a_t), is carried to the previous timestep:
        x_prev = sqrt(a_prev) x0 + sqrt(1 - a_prev - sigma^2) eps + sigma z, with
        sigma = eta * sqrt((1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev)) and z ~ N(0, I) from
        ``generator`` (which must live on the sample's device). eta = 0 is deterministic DDIM,
        eta = 1 matches the DDPM posterior's variance. The last step returns x0 itself.
        """
        if self.timesteps is None:
            raise ValueError("call set_timesteps(num_inference_steps) before step()")
        if model_output.shape != sample.shape:
            raise ValueError(f"model_output {tuple(model_output.shape)} and sample {tuple(sample.shape)} differ")
        if not eta >= 0.0:
            raise ValueError(f"eta must be >= 0, got {eta}")
        if isinstance(timestep, torch.Tensor) and timestep.numel() != 1:
            raise ValueError("step() takes one timestep shared by the whole batch")
        t = int(timestep)
        if t not in self._previous:
            raise ValueError(f"timestep {t} is not in the schedule set by set_timesteps({self.num_inference_steps})")
        x0 = model_output
        prev_t = self._previous[t]
        if prev_t < 0:
            return DDIMStepOutput(prev_sample=x0, pred_x0=x0)

        a_t = float(self.alphas_cumprod[t])
        a_prev = float(self.alphas_cumprod[prev_t])
        eps = (sample - math.sqrt(a_t) * x0) / math.sqrt(1.0 - a_t)
        sigma = eta * math.sqrt((1.0 - a_prev) / (1.0 - a_t) * (1.0 - a_t / a_prev))
        direction = math.sqrt(max(1.0 - a_prev - sigma**2, 0.0))  # max(): rounding at eta ~ 1
        prev_sample = math.sqrt(a_prev) * x0 + direction * eps
        if sigma > 0.0:
            if generator is not None and generator.device.type != sample.device.type:
                raise ValueError(f"generator is on {generator.device}, the sample on {sample.device}")
            noise = torch.randn(sample.shape, generator=generator, device=sample.device, dtype=sample.dtype)
            prev_sample = prev_sample + sigma * noise
        return DDIMStepOutput(prev_sample=prev_sample, pred_x0=x0)
