"""Sampling from several data roots with mixing ratios (the paper's stage 2: real + synthetic).

``MixtureSampler`` draws, for each epoch, a deterministic sequence of indices into the
concatenation of the data sets so that data set k supplies a share ``ratio_k`` of the items,
and hands each distributed rank its own interleaved slice (rank, rank + world, ...).
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch.utils.data import Sampler


class MixtureSampler(Sampler[int]):
    def __init__(self, sizes: list[int], ratios: list[float], epoch_size: int | None = None, seed: int = 0,
                 rank: int = 0, world_size: int = 1):
        if len(sizes) != len(ratios) or not sizes:
            raise ValueError("one ratio per data set is needed")
        if any(r < 0 for r in ratios) or sum(ratios) <= 0:
            raise ValueError(f"mixing ratios must be non-negative and not all zero, got {ratios}")
        if any(s == 0 for s, r in zip(sizes, ratios) if r > 0):
            raise ValueError("a data set with a positive mixing ratio has no clips")
        self.sizes, self.seed, self.rank, self.world = sizes, seed, rank, world_size
        total = sum(ratios)
        self.ratios = [r / total for r in ratios]
        self.offsets = [sum(sizes[:k]) for k in range(len(sizes))]
        epoch_size = epoch_size or sum(sizes)
        self.per_rank = epoch_size // world_size
        self.epoch, self.skip = 0, 0

    def set_epoch(self, epoch: int, skip: int = 0) -> None:
        """Select the epoch's sequence; ``skip`` drops its first items (resuming mid-epoch)."""
        self.epoch, self.skip = epoch, skip

    def __len__(self) -> int:
        return self.per_rank - self.skip

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator().manual_seed(self.seed * 100_003 + self.epoch)
        total = self.per_rank * self.world
        which = torch.multinomial(torch.tensor(self.ratios), total, replacement=True, generator=generator)
        indices = torch.empty(total, dtype=torch.long)
        for k, size in enumerate(self.sizes):
            chosen = which == k
            count = int(chosen.sum())
            if count:
                # walk through a permutation of data set k (repeated if it is drawn more than its size)
                repeats = -(-count // size)
                perm = torch.cat([torch.randperm(size, generator=generator) for _ in range(repeats)])[:count]
                indices[chosen] = perm + self.offsets[k]
        return iter(indices[self.rank::self.world].tolist()[self.skip:])
