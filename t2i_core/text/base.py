"""The one interface every text encoder implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import torch


@dataclass
class TextEncoding:
    tokens: torch.Tensor              # (B, L, D) word-level features
    mask: torch.Tensor                # (B, L) bool, True on real tokens (padding False)
    token_strings: list[list[str]]    # the encoder's tokens of each text (real tokens only)
    pooled: torch.Tensor              # (B, D) sentence vector
    truncated: list[bool]             # whether each text was cut to the encoder's limit

    def to(self, device: torch.device | str) -> TextEncoding:
        return TextEncoding(self.tokens.to(device), self.mask.to(device), self.token_strings,
                            self.pooled.to(device), self.truncated)

    def expand(self, count: int) -> TextEncoding:
        """One text's encoding repeated ``count`` times (views, no copies)."""
        return TextEncoding(self.tokens.expand(count, -1, -1), self.mask.expand(count, -1), self.token_strings * count,
                            self.pooled.expand(count, -1), self.truncated * count)


class TextEncoder(ABC):
    """Frozen text encoder; ``encode`` runs without gradients."""

    name: str
    dim: int
    max_tokens: int

    @abstractmethod
    def encode(self, texts: list[str]) -> TextEncoding: ...

    def __call__(self, texts: list[str]) -> TextEncoding:
        if isinstance(texts, str):
            raise TypeError("encode takes a list of strings, not a single string")
        return self.encode(list(texts))
