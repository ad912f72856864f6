"""Person 1 and person 2 from diffusion checkpoints, through the pipeline's shared sampling loop.

* ``GeneratedPerson1``: person 1 generated for the initiator's prompt, either by the single-person
  prior (an InterActor checkpoint with ``config.persons == 1``, labelled ``generated:single``) or as
  person 1 of the joint two-person model's own generation (``generated:joint``).
* ``PipelineReaction``: person 2 for a given person 1 by ``Text2InteractPipeline.react_batch``,
  ``"trained"`` (a checkpoint trained with reaction samples) or ``"inpaint"`` (any two-person model).

Both go through ``pipeline.generate_batch`` / ``react_batch``: an item's noise comes from its own
seed, drawn at its own length, and padded frames are zeroed every step, so a candidate does not
depend on what else is in its batch. No sampling loop lives here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from t2i_core.checkpoint import read_config
from t2i_core.diffusion.given_person import METHODS
from t2i_core.models.registry import INTERACTOR
from t2i_core.pipeline import DEFAULT_GUIDANCE, DEFAULT_STEPS, Text2InteractPipeline

JOINT_SOURCE = "generated:joint"
SINGLE_SOURCE = "generated:single"


def trained_with_reactions(checkpoint: str | Path) -> bool:
    """Whether the checkpoint's training gave one person clean (``training.reaction_prob`` > 0 in config.json)."""
    training = read_config(checkpoint, INTERACTOR.name).get("training") or {}
    return float(training.get("reaction_prob") or 0.0) > 0.0


def default_reaction_method(checkpoint: str | Path) -> str:
    """``"trained"`` for a checkpoint trained with reaction samples, else ``"inpaint"``."""
    return "trained" if trained_with_reactions(checkpoint) else "inpaint"


class GeneratedPerson1:
    """Person 1 from a checkpoint: the single-person prior, or person 1 of the joint model's pair."""

    def __init__(self, pipe: Text2InteractPipeline, guidance_scale: float = DEFAULT_GUIDANCE,
                 steps: int = DEFAULT_STEPS, source: str | None = None):
        self.pipe, self.guidance_scale, self.steps = pipe, float(guidance_scale), int(steps)
        single = pipe.model.config.persons == 1
        self.source = source or (SINGLE_SOURCE if single else JOINT_SOURCE)

    def make(self, prompts: list[str], lengths: list[int], seeds: list[int]) -> list[tuple[np.ndarray, str]]:
        if not prompts:
            return []
        motions = self.pipe.generate_batch(prompts, lengths, seeds, self.guidance_scale, self.steps)
        return [(motion[0], self.source) for motion in motions]


class PipelineReaction:
    """Person 2 reacting to a given person 1 (``react_batch`` with ``method`` "trained" or "inpaint")."""

    def __init__(self, pipe: Text2InteractPipeline, method: str = "inpaint", guidance_scale: float = DEFAULT_GUIDANCE,
                 steps: int = DEFAULT_STEPS):
        if method not in METHODS:
            raise ValueError(f"reaction method {method!r}; accepted: {', '.join(METHODS)}")
        if pipe.model.config.persons != 2:
            raise ValueError("the reaction model must be a two-person checkpoint; this one has one person")
        self.pipe, self.method = pipe, method
        self.guidance_scale, self.steps = float(guidance_scale), int(steps)

    def react(self, person1: list[np.ndarray], texts: list[str], seeds: list[int]) -> list[np.ndarray]:
        if not person1:
            return []
        return self.pipe.react_batch([np.asarray(p, dtype=np.float32) for p in person1], texts, seeds,
                                     self.guidance_scale, self.steps, method=self.method)
