"""The annular filter's distance: how far a synthetic embedding lies from the real ones.

d(f(x), E_real) is the mean Euclidean distance from f(x) to its k nearest real embeddings
(k = 5 by default). The paper does not publish how the distance to a set is defined; we take the
k-NN mean because
* against the single nearest neighbour, one near-duplicate real clip (InterHuman has mirrored and
  re-captioned takes) does not decide the distance alone;
* against the distance to the centroid, it stays local: a sample can sit between two real
  clusters, far from every real clip, while being close to the overall mean.

Default radii come from the same statistic over the real set itself, leave-one-out: each real
point's mean distance to its k nearest *other* real points. r_min = its 5th percentile (closer
than 95 % of real clips are to their own neighbours: a near-copy) and r_max = its 95th (farther
than 95 % of real clips: an outlier). Embeddings are the evaluator's unit vectors, unscaled.
"""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors

DEFAULT_K = 5
DEFAULT_RADIUS_PERCENTILES = (5.0, 95.0)
REPORTED_PERCENTILES = (1, 5, 25, 50, 75, 95, 99)


def check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k (the number of nearest real embeddings) must be an integer >= 1, got {k!r}")
    return int(k)


class RealNeighbours:
    """The real embeddings indexed for k-nearest-neighbour queries (scikit-learn)."""

    def __init__(self, real: np.ndarray, k: int = DEFAULT_K):
        self.k = check_k(k)
        real = np.asarray(real, dtype=np.float64)
        if real.ndim != 2:
            raise ValueError(f"real embeddings must be (M, D), got shape {real.shape}")
        if real.shape[0] <= self.k:
            raise ValueError(f"the annulus needs more than k = {self.k} real embeddings (leave-one-out radii), "
                             f"got {real.shape[0]}; use a larger real set or a smaller k")
        self.real = real
        self.index = NearestNeighbors(n_neighbors=self.k + 1).fit(real)

    def distance(self, points: np.ndarray) -> np.ndarray:
        """(N, D) -> (N,) mean distance to the k nearest real embeddings."""
        points = np.asarray(points, dtype=np.float64)
        if points.shape[0] == 0:
            return np.zeros(0)
        if points.ndim != 2 or points.shape[1] != self.real.shape[1]:
            raise ValueError(f"points must be (N, {self.real.shape[1]}), got shape {points.shape}")
        distances, _ = self.index.kneighbors(points, n_neighbors=self.k)
        return distances.mean(axis=1)

    def real_distances(self) -> np.ndarray:
        """(M,) leave-one-out: each real point's mean distance to its k nearest other real points."""
        distances, _ = self.index.kneighbors(self.real, n_neighbors=self.k + 1)
        # Column 0 is a zero-distance neighbour: the point itself, or an exact duplicate of it,
        # which is the same distance either way; drop exactly one of them.
        return distances[:, 1:].mean(axis=1)


def check_percentiles(low: float, high: float) -> tuple[float, float]:
    if not 0.0 <= float(low) <= float(high) <= 100.0:
        raise ValueError(f"radius percentiles must satisfy 0 <= low <= high <= 100, got {low} and {high}")
    return float(low), float(high)


def default_radii(real_distances: np.ndarray, percentiles=DEFAULT_RADIUS_PERCENTILES) -> tuple[float, float]:
    """(r_min, r_max) as the given percentiles of the leave-one-out real-to-real distances."""
    low, high = check_percentiles(*percentiles)
    r_min, r_max = np.percentile(np.asarray(real_distances, dtype=np.float64), [low, high])
    return float(r_min), float(r_max)


def distance_percentiles(values: np.ndarray, percentiles=REPORTED_PERCENTILES) -> dict[str, float]:
    """{"p5": ..., ...} of a distance (or cosine) sample, for compose.json and the run's report."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return {}
    return {f"p{q:g}": float(v) for q, v in zip(percentiles, np.percentile(values, percentiles))}
