"""Small building blocks shared by the networks."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
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


def timestep_embedding(timesteps: torch.Tensor, dim: int) -> torch.Tensor:
    """(B,) diffusion timesteps -> (B, dim) cosine/sine codes over geometric frequencies."""
    half = dim // 2
    frequencies = torch.exp(-math.log(10000.0) * torch.arange(half, device=timesteps.device).float() / half)
    angles = timesteps.float()[:, None] * frequencies[None]
    return torch.cat([torch.cos(angles), torch.sin(angles)], dim=-1)


@dataclass(frozen=True)
class TokenConditions:
    """Conditioning vectors per token that take few distinct values (a prefix at timestep 0, the rest at t):
    ``values`` (K, dim), ``index`` (N, L) the value of each token, ``rows`` (K,) the sequence each value
    belongs to. A modulation is then computed K times rather than N * L times."""

    values: torch.Tensor
    index: torch.Tensor
    rows: torch.Tensor


class AdaptiveLayerNorm(nn.Module):
    """LayerNorm whose scale and shift come from the conditioning vector (zero-initialised)."""

    def __init__(self, dim: int):
        super().__init__()
        self.norm = nn.LayerNorm(dim, elementwise_affine=False)
        self.modulation = nn.Linear(dim, 2 * dim)
        nn.init.zeros_(self.modulation.weight)
        nn.init.zeros_(self.modulation.bias)

    def forward(self, x: torch.Tensor, condition: torch.Tensor | TokenConditions) -> torch.Tensor:
        """x (N, L, dim); condition (N, dim) for the whole sequence, or ``TokenConditions`` one per position."""
        if isinstance(condition, TokenConditions):
            modulation = self.modulation(condition.values)[condition.index]
        else:
            modulation = self.modulation(condition)[:, None]
        scale, shift = modulation.chunk(2, dim=-1)
        return self.norm(x) * (1 + scale) + shift


class FeedForward(nn.Module):
    def __init__(self, dim: int, hidden: int, dropout: float):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def transformer_encoder(width: int, layers: int, heads: int, ff_size: int, dropout: float) -> nn.TransformerEncoder:
    """Post-norm GELU encoder (the layout of InterGen's evaluator, so its weights load)."""
    layer = nn.TransformerEncoderLayer(width, heads, ff_size, dropout, activation="gelu", batch_first=True)
    return nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)


def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over dim 1 of (B, L, D) where mask (B, L) is True."""
    weights = mask.to(x.dtype)[..., None]
    return (x * weights).sum(1) / weights.sum(1).clamp(min=1.0)


class BiasedEncoderLayer(nn.Module):
    """Post-norm GELU encoder layer whose attention logits take an additive bias (B, H, S, S).

    Ours rather than ``nn.TransformerEncoderLayer``: its inference fast path reads a per-head
    float mask differently from its training path, so the same weights gave other embeddings.
    """

    def __init__(self, width: int, heads: int, ff_size: int, dropout: float):
        super().__init__()
        if width % heads:
            raise ValueError(f"width {width} is not a multiple of {heads} heads")
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.ff = nn.Sequential(nn.Linear(width, ff_size), nn.GELU(), nn.Dropout(dropout), nn.Linear(ff_size, width))
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.dropout = nn.Dropout(dropout)
        self.attention_dropout = dropout

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        batch, length, width = x.shape
        q, k, v = self.qkv(x).reshape(batch, length, 3, self.heads, width // self.heads).permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(q, k, v, attn_mask=bias,
                                                  dropout_p=self.attention_dropout if self.training else 0.0)
        x = self.norm1(x + self.dropout(self.out(attended.transpose(1, 2).reshape(batch, length, width))))
        return self.norm2(x + self.dropout(self.ff(x)))
