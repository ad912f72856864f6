"""Person 1 and person 2 from diffusion checkpoints, through the pipeline's shared sampling loop.

* ``GeneratedPerson1``: person 1 generated for the initiator's prompt, either by the single-person
  prior (an InterActor checkpoint with ``config.persons == 1``, labelled ``generated:single``) or as
  person 1 of the joint two-person model's own generation (``generated:joint``).
* ``PipelineReaction``: person 2 for a given person 1 by ``Text2InteractPipeline.react_batch``,
  ``"trained"`` (a checkpoint trained with reaction samples) or ``"inpaint"`` (any two-person model).

* ``CoupledPerson2``: person-2 method (b): person 2 generated alone by the single-person prior on
  its own prompt, placed relative to person 1 by the real set's placement for the description's theme
  (``placement.PlacementTable``), then coupled to person 1 by the pair model (``react_batch`` with the
  placed draft noised to ``strength`` and denoised: SDEdit).

All go through ``pipeline.generate_batch`` / ``react_batch``: an item's noise comes from its own
seed, drawn at its own length, and padded frames are zeroed every step, so a candidate does not
depend on what else is in its batch. No sampling loop lives here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from t2i_core.checkpoint import read_config
from t2i_core.compose.placement import PlacementTable, place_person2
from t2i_core.diffusion.given_person import METHODS
from t2i_core.diffusion.sampling import partial_start
from t2i_core.models.registry import INTERACTOR
from t2i_core.pipeline import DEFAULT_GUIDANCE, DEFAULT_STEPS, Text2InteractPipeline, item_seed

JOINT_SOURCE = "generated:joint"
SINGLE_SOURCE = "generated:single"
# the sub-seeds of one coupled candidate: the prior's noise, the placement draw (the coupling uses the seed itself)
PRIOR_STREAM, PLACEMENT_STREAM = 1, 2


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


class CoupledPerson2:
    """Person 2 by method (b): the single-person prior on person 2's own prompt, placed by the real set's
    distribution for the theme, coupled to person 1 by the pair model (SDEdit at ``strength`` in (0, 1])."""

    def __init__(self, prior: Text2InteractPipeline, pair: Text2InteractPipeline, placements: PlacementTable,
                 method: str = "inpaint", strength: float = 0.5, guidance_scale: float = DEFAULT_GUIDANCE,
                 steps: int = DEFAULT_STEPS):
        if prior.model.config.persons != 1:
            raise ValueError(f"the prior must be a single-person checkpoint; this one has {prior.model.config.persons}")
        partial_start(int(steps), strength)  # refuses a strength outside (0, 1]
        self.prior, self.placements, self.strength = prior, placements, float(strength)
        self.pair = PipelineReaction(pair, method, guidance_scale, steps)

    def couple(self, person1: list[np.ndarray], texts: list[str], prompts2: list[str], themes: list[str],
               seeds: list[int]) -> list[np.ndarray]:
        """Per item: the pair (2, T_i, 262), person 1 as given, person 2 made alone and coupled to it under
        the full text ``texts[i]``."""
        if not person1:
            return []
        return self.couple_drafts(person1, texts, self.drafts(person1, prompts2, themes, seeds), seeds)

    def drafts(self, person1: list[np.ndarray], prompts2: list[str], themes: list[str],
               seeds: list[int]) -> list[np.ndarray]:
        """Per item: person 2 (T_i, 262) by the prior at person 1's length, placed for the theme (not coupled)."""
        lengths = [int(np.shape(p)[0]) for p in person1]
        alone = self.prior.generate_batch(prompts2, lengths, [item_seed(s, PRIOR_STREAM) for s in seeds],
                                          self.pair.guidance_scale, self.pair.steps)
        return [place_person2(np.asarray(p1, dtype=np.float32), motion[0],
                              self.placements.sample(theme, item_seed(seed, PLACEMENT_STREAM)))
                for p1, motion, theme, seed in zip(person1, alone, themes, seeds)]

    def couple_drafts(self, person1: list[np.ndarray], texts: list[str], drafts: list[np.ndarray], seeds: list[int],
                      strength: float | None = None) -> list[np.ndarray]:
        """The drafts coupled to person 1 by the pair model at ``strength`` (default: this coupler's)."""
        return self.pair.pipe.react_batch([np.asarray(p, dtype=np.float32) for p in person1], texts, seeds,
                                          self.pair.guidance_scale, self.pair.steps, method=self.pair.method,
                                          person2=drafts, strength=self.strength if strength is None else strength)
