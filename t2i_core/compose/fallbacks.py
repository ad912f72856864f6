"""Simple, real description source and splitter drawn from a real InterHuman-layout folder.

They make the run usable (and testable) before the prompt-space sampler (``descriptions.py``)
and the rule-based splitter (``splitter.py``) are wired in: the descriptions are the folder's
own captions, split by the folder's own per-person captions (``annots_individual``). They
compose variations of real scenes, not new ones (``novel`` is always False).
"""

from __future__ import annotations

import numpy as np

from t2i_core.compose.interfaces import Description, SplitFailure

REAL_CAPTION_THEME = "real-caption"


class RealCaptionDescriptions:
    """Descriptions sampled (with replacement) from real captions; item i depends on (seed, i) only."""

    def __init__(self, captions: list[str]):
        self.captions = sorted(dict.fromkeys(c for c in captions if c.strip()))
        if not self.captions:
            raise ValueError("no captions to sample descriptions from")

    def sample(self, n: int, seed: int) -> list[Description]:
        picks = [int(np.random.default_rng([seed, i]).integers(len(self.captions))) for i in range(n)]
        return [Description(self.captions[p], REAL_CAPTION_THEME) for p in picks]


class IndividualCaptionSplitter:
    """Splits a real caption into the first per-person caption of each person of its clip."""

    def __init__(self, pairs: dict[str, tuple[str, str]]):
        self.pairs = dict(pairs)

    def split(self, text: str) -> tuple[str, str] | SplitFailure:
        found = self.pairs.get(text)
        if found is None:
            return SplitFailure("no per-person captions (annots_individual) for this description")
        return found
