"""Inpainting along time: some frames of either person are known, the rest is generated.

MDM's editing (REFERENCE section 15) on the shared DDIM loop (``sampling.denoise``): the joint model
denoises the whole pair, and after every step the known entries are replaced by a fresh draw of
q(x_t | x_known) at the step's timestep, so the model only ever sees them at the noise level it
expects; the predicted clean sample keeps them exactly, so the result does too. A prefix (scene
continuation), both sides of a window (in-betweening) or one person inside a window (the reaction
mode, windowed) are all one ``known`` mask. It offers the same four pieces as
``given_person.GivenPerson`` (``initial``, ``wrap``, ``x0_transform``, ``sample_transform``), so
the pipeline's sampler takes either.

Two methods, as for a given person:

- ``"inpaint"`` (any two-person model, the baseline): every known entry is re-noised as above.
- ``"trained"`` (a model trained with clean prefixes, ``train_interactor --prefix-prob``): the known
  frames that open the motion for both persons (the prefix a scene continues from, the left side of a
  window) are fed to the model clean, with timestep 0, at every step, as training gave them; any
  other known entry (frames after a window, a person kept whole) is still inpainted.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from t2i_core.diffusion.ddim import DDIMScheduler
from t2i_core.diffusion.given_person import METHODS  # the same two ways as for a given person
from t2i_core.diffusion.guidance import ModelFn
from t2i_core.diffusion.sampling import FINAL_TIMESTEP

__all__ = ["METHODS", "KnownFrames", "shared_prefix"]


@dataclass
class KnownFrames:
    """``clean`` (B, P, T, C): the normalised clean motion; ``known`` (B, P, T) bool: which entries are given.

    ``seeds`` (one per row), when given, makes the fresh noise of each step a function of the row's own
    seed, so a row does not depend on the rest of the batch. ``method``: see the module's text; ``fed``
    (B, P, T) is what ``"trained"`` gives the model clean (nothing for ``"inpaint"``).
    """

    clean: torch.Tensor
    known: torch.Tensor
    seeds: list[int] | None = None
    method: str = "inpaint"

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"known-frames method {self.method!r}; accepted: {', '.join(METHODS)}")
        if self.clean.ndim != 4 or self.known.shape != self.clean.shape[:3]:
            raise ValueError(f"known must be (B, P, T) for a (B, P, T, C) motion, got {tuple(self.known.shape)} "
                             f"for {tuple(self.clean.shape)}")
        self.known = self.known.to(device=self.clean.device, dtype=torch.bool)
        self.fed = shared_prefix(self.known) if self.method == "trained" else torch.zeros_like(self.known)

    def _put(self, x: torch.Tensor, value: torch.Tensor, where: torch.Tensor | None = None) -> torch.Tensor:
        """``x`` with ``value`` in the known entries (or in ``where``, already at ``x``'s rows)."""
        rows = x.shape[0] // value.shape[0]  # guidance doubles the rows
        mask = (self.known.repeat(rows, 1, 1) if where is None else where)[..., None]
        return torch.where(mask, value.repeat(rows, 1, 1, 1).to(x.dtype), x)

    def wrap(self, model_fn: ModelFn) -> ModelFn:
        """The model function ``denoise`` should call: ``model_fn`` itself for inpainting; for
        ``"trained"``, one that gives the model the ``fed`` entries clean, at timestep 0 frame by frame."""
        if not bool(self.fed.any()):
            return model_fn  # inpainting needs no change to the model's input

        def fed_clean(x: torch.Tensor, t: torch.Tensor, drop: torch.Tensor) -> torch.Tensor:
            fed = self.fed.repeat(x.shape[0] // self.fed.shape[0], 1, 1)  # guidance doubles the rows
            timesteps = torch.where(fed, torch.zeros_like(t)[:, None, None], t[:, None, None])
            return model_fn(self._put(x, self.clean, fed), timesteps, drop)

        return fed_clean

    def x0_transform(self, x0: torch.Tensor, t: int, i: int) -> torch.Tensor:
        return self._put(x0, self.clean)

    def _fresh_noise(self, step: int, generator: torch.Generator | None) -> torch.Tensor:
        if self.seeds is None:
            return torch.randn(self.clean.shape, generator=generator, device=self.clean.device)
        rows = [torch.randn(self.clean.shape[1:], generator=torch.Generator().manual_seed(int(seed) * 1013 + step))
                for seed in self.seeds]  # one stream per row and step
        return torch.stack(rows).to(self.clean.device)

    def _noised(self, scheduler: DDIMScheduler, t: int, step: int, generator: torch.Generator | None) -> torch.Tensor:
        steps = torch.full((self.clean.shape[0],), t, dtype=torch.long, device=self.clean.device)
        return scheduler.add_noise(self.clean, self._fresh_noise(step, generator), steps)

    def sample_transform(self, scheduler: DDIMScheduler, generator: torch.Generator | None = None):
        """After each step, the known entries at the step's noise level (clean after the last)."""

        def renoise(x: torch.Tensor, t_prev: int, i: int) -> torch.Tensor:
            if t_prev == FINAL_TIMESTEP:
                return self._put(x, self.clean)
            return self._put(x, self._noised(scheduler, t_prev, i + 1, generator))

        return renoise

    def initial(self, noise: torch.Tensor, scheduler: DDIMScheduler, first_timestep: int,
                generator: torch.Generator | None = None) -> torch.Tensor:
        """The starting sample: the known entries noised to the first timestep, the rest ``noise``."""
        return self._put(noise, self._noised(scheduler, first_timestep, 0, generator))


def shared_prefix(known: torch.Tensor) -> torch.Tensor:
    """(B, P, T) bool: the frames ``[0, k)`` of each row that are known for every person, k as large as it goes."""
    all_persons = known.all(dim=1)                           # (B, T)
    prefix = all_persons.to(torch.int64).cumprod(dim=1).bool()  # True up to the first frame not known for all
    return prefix[:, None, :].expand_as(known).clone()
