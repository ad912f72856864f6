"""Selecting and summarising the pipeline's attention maps for display.

``AttentionMaps.word`` is (blocks, samples, 2, heads, frames, words) and ``.person`` is
(blocks, samples, 2, heads, frames, frames). A view picks one sample, and a block and a head
or their average ("average" = the mean over that axis).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

AVERAGE = "average"
PERSON_FRAMES = 100  # person-to-person maps are kept at most this many frames a side
STORED = np.float16  # how a summary keeps its maps


def pool_frames(a: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Average-pool the last two (frame) axes to at most ``size``; returns the maps and the frame centres."""
    frames = a.shape[-1]
    step = int(np.ceil(frames / size))
    if step <= 1:
        return a, np.arange(frames, dtype=np.float64)
    count = int(np.ceil(frames / step))
    padded = np.full((*a.shape[:-2], count * step, count * step), np.nan, dtype=np.float64)
    padded[..., :frames, :frames] = a
    pooled = np.nanmean(padded.reshape(*a.shape[:-2], count, step, count, step), axis=(-3, -1))
    centres = np.minimum(np.arange(count) * step + (step - 1) / 2, frames - 1)
    return pooled.astype(a.dtype), centres


@dataclass
class AttentionSummary:
    """What the views need of ``AttentionMaps``, small enough to keep per visitor.

    word:   (blocks, samples, 2, heads, frames, words), as the pipeline gives it (None for a
            sentence-conditioned model);
    person: (blocks, samples, 2, heads, P, P) pooled to at most ``PERSON_FRAMES`` frames a side
            (the model attends per token of 3 frames anyway); ``person_frames`` (P,) their centres.
    Both are kept as float16 (``STORED``; half the memory a visitor's session holds, three significant
    digits, more than a colour scale shows); ``select`` gives float32.
    """

    tokens: list[str]
    word: np.ndarray | None
    person: np.ndarray
    person_frames: np.ndarray

    @classmethod
    def from_maps(cls, maps, limit: int = PERSON_FRAMES) -> AttentionSummary:
        person, centres = pool_frames(np.asarray(maps.person, dtype=np.float32), limit)
        word = None if maps.word is None else np.asarray(maps.word, dtype=STORED)
        return cls(list(maps.tokens), word, person.astype(STORED), centres)

    @property
    def blocks(self) -> int:
        return self.person.shape[0]

    @property
    def heads(self) -> int:
        return self.person.shape[3]


def _pick(array: np.ndarray, axis: int, choice) -> np.ndarray:
    if choice is None or choice == AVERAGE:
        return array.mean(axis=axis)
    index = int(choice)
    if not 0 <= index < array.shape[axis]:
        raise ValueError(f"index {index} out of range 0..{array.shape[axis] - 1}")
    return np.take(array, index, axis=axis)


def select(maps: np.ndarray, sample: int, block=AVERAGE, head=AVERAGE) -> np.ndarray:
    """(blocks, samples, 2, heads, frames, X) -> (2, frames, X) for one sample, block and head."""
    if maps.ndim != 6:
        raise ValueError(f"attention maps must have 6 axes, got {maps.shape}")
    if not 0 <= int(sample) < maps.shape[1]:
        raise ValueError(f"sample {sample} out of range 0..{maps.shape[1] - 1}")
    picked = _pick(maps[:, int(sample)].astype(np.float32), 2, head)  # (blocks, 2, frames, X)
    return _pick(picked, 0, block)


def word_importance(word: np.ndarray) -> np.ndarray:
    """Mean attention each word receives over the frames: (2, frames, words) -> (2, words)."""
    return word.mean(axis=1)


def null_share(word: np.ndarray) -> np.ndarray:
    """Fraction of attention that went to the learned null token, per person: (2, frames, words) -> (2,)."""
    return np.clip(1.0 - word.sum(axis=-1).mean(axis=-1), 0.0, 1.0)


def token_labels(tokens: list[str]) -> list[str]:
    """Display labels of the encoder's tokens: the tokens themselves, word pieces marked as such."""
    return [t if t else "␣" for t in tokens]
