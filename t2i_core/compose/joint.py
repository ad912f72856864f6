"""Person 1 and person 2 from the joint InterActor model (the defaults until dedicated models land).

* ``JointPerson1``: person 1 of the joint model's own generation for the initiator's prompt
  (labelled ``generated:joint``).
* ``InpaintingReaction``: the reaction p(x2 | x1, text) by inpainting (REFERENCE 11): at every
  DDIM step person 1's sample is replaced by a fresh draw of q(x1_t | x1), so the model denoises
  person 2 next to a correctly noised person 1; the result carries person 1 exactly as given.

Every item's noise comes from its own seed (``torch.Generator().manual_seed(seed)``), drawn for
its own length only, so a candidate does not depend on what else is in its batch.
"""

from __future__ import annotations

import numpy as np
import torch

from t2i_core.diffusion.ddim import DDIMScheduler
from t2i_core.diffusion.guidance import guided_x0, tile_batch
from t2i_core.pipeline import DEFAULT_GUIDANCE, DEFAULT_STEPS, Text2InteractPipeline

JOINT_SOURCE = "generated:joint"


def denoise(model_fn, noise: torch.Tensor, scheduler: DDIMScheduler, steps: int, guidance_scale: float,
            sample_transform=None) -> torch.Tensor:
    """DDIM with classifier-free guidance; ``sample_transform(x, t)`` edits x_t before the model sees it.

    The shared core's ``t2i_core.diffusion.sampling.denoise`` takes the same arguments: when it
    lands this function is replaced by it (the one place the compose code samples).
    """
    scheduler.set_timesteps(int(steps))
    x = noise
    for t in scheduler.timesteps:
        if sample_transform is not None:
            x = sample_transform(x, int(t))
        x0 = guided_x0(model_fn, x, int(t), guidance_scale)
        x = scheduler.step(x0, int(t), x).prev_sample
    return x


class JointSampler:
    """The joint model, batched over items of different lengths (padding masked)."""

    def __init__(self, pipe: Text2InteractPipeline, guidance_scale: float = DEFAULT_GUIDANCE,
                 steps: int = DEFAULT_STEPS):
        self.pipe, self.guidance_scale, self.steps = pipe, float(guidance_scale), int(steps)
        self.dim = pipe.model.config.feature_dim

    def _model_fn(self, texts: list[str], frame_mask: torch.Tensor):
        encoding = self.pipe.text_encoder(list(texts)).to(self.pipe.device)

        def model_fn(x, t, drop):
            rows = x.shape[0]
            return self.pipe.model(x, t, tile_batch(encoding.tokens, rows), tile_batch(encoding.mask, rows),
                                   tile_batch(encoding.pooled, rows), tile_batch(frame_mask, rows), drop)
        return model_fn

    def _frame_mask(self, lengths: list[int]) -> torch.Tensor:
        return torch.arange(max(lengths))[None] < torch.tensor(lengths)[:, None]

    def normalise(self, features: np.ndarray) -> torch.Tensor:
        return (torch.as_tensor(np.asarray(features), dtype=torch.float32) - self.pipe.mean.cpu()) / self.pipe.std.cpu()

    def sample(self, texts: list[str], lengths: list[int], generators: list[torch.Generator],
               sample_transform=None) -> list[np.ndarray]:
        """One pair (2, T_i, 262) per text, un-normalised; initial noise drawn from each item's generator."""
        longest = max(lengths)
        noise = torch.zeros(len(texts), 2, longest, self.dim)
        for i, (n, g) in enumerate(zip(lengths, generators)):
            noise[i, :, :n] = torch.randn(2, n, self.dim, generator=g)
        frame_mask = self._frame_mask(lengths).to(self.pipe.device)
        valid = frame_mask[:, None, :, None].to(noise.dtype)

        def transform(x: torch.Tensor, t: int) -> torch.Tensor:
            # Frames past an item's length share a motion token with its last frames (frames_per_token):
            # zero them, as the model pads an item alone, so the batch does not leak into the item.
            if sample_transform is not None:
                x = sample_transform(x, t)
            return x * valid

        with torch.no_grad():
            x = denoise(self._model_fn(texts, frame_mask), noise.to(self.pipe.device), self.pipe.scheduler,
                        self.steps, self.guidance_scale, transform)
            features = (x * self.pipe.std + self.pipe.mean).cpu().numpy()
        return [features[i, :, :n] for i, n in enumerate(lengths)]


class JointPerson1:
    """Person 1 from the joint model's own generation for the initiator's prompt."""

    def __init__(self, sampler: JointSampler):
        self.sampler = sampler

    def make(self, prompts: list[str], lengths: list[int], seeds: list[int]) -> list[tuple[np.ndarray, str]]:
        if not prompts:
            return []
        generators = [torch.Generator().manual_seed(int(s)) for s in seeds]
        pairs = self.sampler.sample(prompts, lengths, generators)
        return [(pair[0], JOINT_SOURCE) for pair in pairs]


class InpaintingReaction:
    """Person 2 by inpainting with the joint model: person 1 is re-noised from its clean motion every step."""

    def __init__(self, sampler: JointSampler):
        self.sampler = sampler

    def react(self, person1: list[np.ndarray], texts: list[str], seeds: list[int]) -> list[np.ndarray]:
        if not person1:
            return []
        lengths = [int(p.shape[0]) for p in person1]
        generators = [torch.Generator().manual_seed(int(s)) for s in seeds]
        device = self.sampler.pipe.device
        clean = torch.zeros(len(person1), max(lengths), self.sampler.dim)
        for i, p in enumerate(person1):
            clean[i, : lengths[i]] = self.sampler.normalise(p)
        clean = clean.to(device)
        scheduler = self.sampler.pipe.scheduler

        def replace_person1(x: torch.Tensor, t: int) -> torch.Tensor:
            eps = torch.zeros_like(clean, device="cpu")
            for i, (n, g) in enumerate(zip(lengths, generators)):  # after the initial noise, in step order
                eps[i, :n] = torch.randn(n, self.sampler.dim, generator=g)
            steps = torch.full((len(person1),), t, dtype=torch.long)
            x = x.clone()
            x[:, 0] = scheduler.add_noise(clean, eps.to(device), steps)
            return x

        pairs = self.sampler.sample(texts, lengths, generators, replace_person1)
        for pair, given in zip(pairs, person1):
            pair[0] = given  # exactly the given motion, not its normalise/de-normalise round trip
        return pairs
