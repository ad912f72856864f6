"""Small building blocks shared by the networks."""

from __future__ import annotations

import math

import torch
from torch import nn


class SinusoidalPositions(nn.Module):
    """Adds fixed sine/cosine position codes to (B, L, D) sequences (not stored in checkpoints)."""

    def __init__(self, dim: int, max_len: int = 2000, dropout: float = 0.0):
        super().__init__()
        position = torch.arange(max_len).float()[:, None]
        frequencies = torch.exp(torch.arange(0, dim, 2).float() * (-math.log(10000.0) / dim))
        table = torch.zeros(max_len, dim)
        table[:, 0::2] = torch.sin(position * frequencies)
        table[:, 1::2] = torch.cos(position * frequencies)[:, : dim // 2]
        self.register_buffer("table", table, persistent=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] > self.table.shape[0]:
            raise ValueError(f"sequence of {x.shape[1]} exceeds the {self.table.shape[0]} encoded positions")
        return self.dropout(x + self.table[: x.shape[1]])


def transformer_encoder(width: int, layers: int, heads: int, ff_size: int, dropout: float) -> nn.TransformerEncoder:
    """Post-norm GELU encoder (the layout of InterGen's evaluator, so its weights load)."""
    layer = nn.TransformerEncoderLayer(width, heads, ff_size, dropout, activation="gelu", batch_first=True)
    return nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over dim 1 of (B, L, D) where mask (B, L) is True."""
    weights = mask.to(x.dtype)[..., None]
    return (x * weights).sum(1) / weights.sum(1).clamp(min=1.0)
