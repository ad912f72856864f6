"""The small interfaces the InterCompose run is built against (each stage can be swapped).

Every method receives per-item seeds: an implementation must draw all of an item's randomness
from its own seed, never from a batch-wide generator, so batching, order, resumption and the
number of ranks cannot change which candidates a run makes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class Description:
    """A two-person description to compose, with where it sits in the prompt space."""

    text: str
    theme: str = ""
    tags: tuple[str, ...] = ()
    novel: bool = False  # a theme x tag combination no real caption has


@dataclass(frozen=True)
class SplitFailure:
    """A description the splitter could not turn into two prompts, and why (reported, never dropped)."""

    reason: str


@runtime_checkable
class DescriptionSource(Protocol):
    def sample(self, n: int, seed: int) -> list[Description]:
        """n descriptions, a deterministic function of (n, seed)."""


@runtime_checkable
class Splitter(Protocol):
    def split(self, text: str) -> tuple[str, str] | SplitFailure:
        """(initiator's prompt, responder's prompt), or the reason it cannot be split."""


@runtime_checkable
class Person1Source(Protocol):
    def make(self, prompts: list[str], lengths: list[int], seeds: list[int]) -> list[tuple[np.ndarray, str]]:
        """Per prompt: person 1's features (T_i, 262), un-normalised, and a source label
        ("generated:<model>" or "retrieved:<library id>")."""


@runtime_checkable
class ReactionModel(Protocol):
    def react(self, person1: list[np.ndarray], texts: list[str], seeds: list[int]) -> list[np.ndarray]:
        """Per item: the pair (2, T_i, 262), person 1 as given, person 2 reacting to it under the text."""


@runtime_checkable
class Person2Coupler(Protocol):
    def couple(self, person1: list[np.ndarray], texts: list[str], prompts2: list[str], themes: list[str],
               seeds: list[int]) -> list[np.ndarray]:
        """Per item: the pair (2, T_i, 262), person 1 as given, person 2 made from its own prompt ``prompts2[i]``
        (placed for the description's theme) and coupled to person 1 under the full text (person-2 method (b))."""
