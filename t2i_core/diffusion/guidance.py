"""Classifier-free guidance (REFERENCE 5): out = s * out(cond) + (1 - s) * out(uncond), s = 3.5.

The model is passed as a function ``model_fn(x, t, drop) -> x0`` where ``drop`` is a bool (N,)
marking the rows to run *without* the condition, which is exactly the ``drop_text`` argument
InterActor takes for training-time condition dropout. Guidance stacks the conditional and the
unconditional copies into one batch of 2B rows (first half kept, second half dropped) and calls
the model once. The caller's closure repeats its own condition tensors (text tokens, masks) to
the rows it receives, e.g. with ``tile_batch``::

    def model_fn(x, t, drop):
        n = x.shape[0]
        return model(x, t, tile_batch(words, n), tile_batch(word_mask, n), tile_batch(pooled, n),
                     tile_batch(frame_mask, n), drop_text=drop)

    x0 = guided_x0(model_fn, x, t, scale=3.5)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

DEFAULT_GUIDANCE_SCALE = 3.5  # InterGen's s
CONDITION_DROP_PROB = 0.1  # training-time probability of dropping the text (REFERENCE 5)

ModelFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def tile_batch(value: torch.Tensor, rows: int) -> torch.Tensor:
    """Repeat ``value`` along dim 0 to ``rows`` rows (a whole multiple of its batch)."""
    if rows % value.shape[0]:
        raise ValueError(f"cannot tile a batch of {value.shape[0]} to {rows} rows")
    return value.repeat(rows // value.shape[0], *([1] * (value.ndim - 1)))


def guided_x0(model_fn: ModelFn, x: torch.Tensor, t: torch.Tensor | int, scale: float = DEFAULT_GUIDANCE_SCALE):
    """Guided x0 for the batch ``x`` (B, ...) at timestep(s) ``t`` (int, 0-d or (B,)).

    scale = 1 is the plain conditional prediction and scale = 0 the plain unconditional one;
    both skip the other pass (half the compute). Any other scale >= 0 runs one 2B batch.
    """
    try:
        scale = float(scale)
    except (TypeError, ValueError):
        raise ValueError(f"guidance scale must be a number, got {scale!r}") from None
    if not (math.isfinite(scale) and scale >= 0):
        raise ValueError(f"guidance scale must be a finite number >= 0, got {scale}")
    batch = x.shape[0]
    t = torch.as_tensor(t, device=x.device)
    if t.ndim == 0:
        t = t.expand(batch)
    if t.shape != (batch,):
        raise ValueError(f"t must be a scalar or ({batch},), got {tuple(t.shape)}")
    if scale in (0.0, 1.0):
        drop = torch.full((batch,), scale == 0.0, dtype=torch.bool, device=x.device)
        return model_fn(x, t, drop)

    drop = torch.arange(2 * batch, device=x.device) >= batch  # rows [B, 2B) are unconditional
    out = model_fn(torch.cat([x, x]), torch.cat([t, t]), drop)
    if out.shape[0] != 2 * batch:
        raise ValueError(f"model_fn returned {out.shape[0]} rows for {2 * batch} inputs")
    cond, uncond = out.chunk(2)
    return scale * cond + (1.0 - scale) * uncond


def drop_condition_mask(
    batch_size: int,
    p: float = CONDITION_DROP_PROB,
    generator: torch.Generator | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Bool (B,): True where the training sample's condition is dropped, each with probability p."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"drop probability must lie in [0, 1], got {p}")
    if device is None:
        device = generator.device if generator is not None else "cpu"
    return torch.rand(batch_size, generator=generator, device=device) < p
