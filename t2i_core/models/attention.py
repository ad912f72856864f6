"""Multi-head attention that can hand back its weights (for the app's attention maps).

The fast path uses ``scaled_dot_product_attention``; when weights are requested the same
computation is done explicitly so the maps are exactly what the model used.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int, dropout: float = 0.0, kv_dim: int | None = None):
        super().__init__()
        if dim % heads:
            raise ValueError(f"width {dim} is not divisible by {heads} heads")
        self.heads, self.head_dim = heads, dim // heads
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(kv_dim or dim, 2 * dim)
        self.out = nn.Linear(dim, dim)
        self.dropout = dropout

    def forward(self, x: torch.Tensor, context: torch.Tensor, key_mask: torch.Tensor,
                need_weights: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
        """x (B, Lq, D) attends to context (B, Lk, Dk); key_mask (B, Lk) True = attend.

        Returns the output and, if asked, weights (B, heads, Lq, Lk).
        """
        batch, length, _ = x.shape
        q = self.q(x).view(batch, length, self.heads, self.head_dim).transpose(1, 2)
        k, v = self.kv(context).view(batch, context.shape[1], 2, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        bias = torch.zeros(key_mask.shape, dtype=q.dtype, device=q.device).masked_fill(~key_mask, float("-inf"))
        bias = bias[:, None, None, :]
        if need_weights:
            weights = torch.softmax(q @ k.transpose(-1, -2) / self.head_dim**0.5 + bias, dim=-1)
            out = F.dropout(weights, self.dropout, self.training) @ v
        else:
            weights = None
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias,
                                                 dropout_p=self.dropout if self.training else 0.0)
        return self.out(out.transpose(1, 2).reshape(batch, length, -1)), weights
