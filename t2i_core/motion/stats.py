"""Normalisation statistics: one mean/std vector (262,) shared by both persons.

Computed over every frame of both persons of every training clip *and* its mirrored copy, so
left/right statistics are symmetric. Sums are accumulated in float64 in sorted clip order,
which makes the result independent of the order the folder lists files in.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from t2i_core.motion.features import FEATURE_DIM
from t2i_core.motion.mirror import mirror_features

# Floor for the standard deviation so that a (near-)constant channel does not blow up.
STD_FLOOR = 1e-4


def feature_stats(clips: Iterable[np.ndarray], include_mirrored: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std (262,) float32 over clips shaped (2, T, 262)."""
    total = np.zeros(FEATURE_DIM)
    total_sq = np.zeros(FEATURE_DIM)
    count = 0
    for clip in clips:
        clip = np.asarray(clip, dtype=np.float64)
        versions = (clip, mirror_features(clip)) if include_mirrored else (clip,)
        for version in versions:
            frames = version.reshape(-1, FEATURE_DIM)
            total += frames.sum(axis=0)
            total_sq += np.square(frames).sum(axis=0)
            count += frames.shape[0]
    if count == 0:
        raise ValueError("no frames to compute statistics from")
    mean = total / count
    var = np.maximum(total_sq / count - mean**2, 0.0)
    std = np.maximum(np.sqrt(var), STD_FLOOR)
    return mean.astype(np.float32), std.astype(np.float32)
