"""Sampling one person of a pair when the other's clean motion is given (reaction generation).

Two ways to condition the shared DDIM loop (``sampling.denoise``) on a known person:

- ``"trained"``: a model trained with reaction samples (``train_interactor --reaction-prob``)
  sees the given person clean, with timestep 0, at every step (InterMask's trick carried to
  diffusion); only the other person is denoised.
- ``"inpaint"`` (no extra training, the baseline): the joint model denoises both persons, and after
  every step the given person is replaced by a fresh draw of q(x_t | x_given) at the step's
  timestep, so the model only ever sees it at the noise level it expects.

In both, the predicted clean sample keeps the given person exactly, so the result does too.
Weight-free: the caller passes its model function and gets back the pieces ``denoise`` takes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from t2i_core.diffusion.ddim import DDIMScheduler
from t2i_core.diffusion.guidance import ModelFn
from t2i_core.diffusion.sampling import FINAL_TIMESTEP

METHODS = ("trained", "inpaint")


@dataclass
class GivenPerson:
    """``clean`` (B, T, C): the given person's normalised clean motion; ``person``: its index (0 or 1).

    ``seeds`` and ``lengths`` (one per row), when given, make inpainting's fresh noise a function of
    each row's own seed and length, so a row does not depend on the rest of the batch.
    """

    clean: torch.Tensor
    person: int = 0
    method: str = "trained"
    seeds: list[int] | None = None
    lengths: list[int] | None = None

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"reaction method {self.method!r}; accepted: {', '.join(METHODS)}")
        if self.person not in (0, 1):
            raise ValueError(f"the given person is 0 or 1, got {self.person}")

    def _put(self, x: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
        x = x.clone()
        x[:, self.person] = value.repeat(x.shape[0] // value.shape[0], 1, 1)  # guidance doubles the rows
        return x

    def wrap(self, model_fn: ModelFn) -> ModelFn:
        """The model function ``denoise`` should call."""
        if self.method == "inpaint":
            return model_fn

        def given_clean(x, t, drop):
            timesteps = torch.stack([t, t], dim=1)
            timesteps[:, self.person] = 0
            return model_fn(self._put(x, self.clean), timesteps, drop)

        return given_clean

    def x0_transform(self, x0: torch.Tensor, t: int, i: int) -> torch.Tensor:
        return self._put(x0, self.clean)

    def _fresh_noise(self, step: int, generator: torch.Generator | None) -> torch.Tensor:
        if self.seeds is None:
            return torch.randn(self.clean.shape, generator=generator, device=self.clean.device)
        noise = torch.zeros(self.clean.shape)
        lengths = self.lengths or [self.clean.shape[1]] * len(self.seeds)
        for row, (seed, n) in enumerate(zip(self.seeds, lengths)):
            rng = torch.Generator().manual_seed(int(seed) * 1009 + step)  # one stream per row and step
            noise[row, :n] = torch.randn(n, self.clean.shape[2], generator=rng)
        return noise.to(self.clean.device)

    def _noised(self, scheduler: DDIMScheduler, t: int, step: int, generator: torch.Generator | None) -> torch.Tensor:
        """A draw of q(x_t | clean); ``step`` picks the noise stream of the loop's step."""
        steps = torch.full((self.clean.shape[0],), t, dtype=torch.long, device=self.clean.device)
        return scheduler.add_noise(self.clean, self._fresh_noise(step, generator), steps)

    def sample_transform(self, scheduler: DDIMScheduler, generator: torch.Generator | None = None):
        """For ``"inpaint"``: after each step, the given person at the step's noise level; else None."""
        if self.method != "inpaint":
            return None

        def renoise(x: torch.Tensor, t_prev: int, i: int) -> torch.Tensor:
            if t_prev == FINAL_TIMESTEP:
                return self._put(x, self.clean)
            return self._put(x, self._noised(scheduler, t_prev, i + 1, generator))

        return renoise

    def initial(self, noise: torch.Tensor, scheduler: DDIMScheduler, first_timestep: int,
                generator: torch.Generator | None = None) -> torch.Tensor:
        """The starting sample: for ``"inpaint"`` the given person noised to the first timestep."""
        if self.method != "inpaint":
            return noise
        return self._put(noise, self._noised(scheduler, first_timestep, 0, generator))
