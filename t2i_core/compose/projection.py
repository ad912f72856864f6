"""The 2-D map of real and synthetic filter embeddings, fitted once per run and stored.

One UMAP (umap-learn, seeded: ``random_state`` makes it single-threaded and repeatable) is fitted on
real and synthetic points together, so both live in the same coordinates and no page ever fits
UMAP while a user waits. UMAP needs a neighbourhood to work with: below SMALL_SET points the
projection is the first two principal components instead (exact, deterministic), and with fewer
than 3 points every point sits at the origin.
"""

from __future__ import annotations

import numpy as np

SMALL_SET = 20
DEFAULT_NEIGHBOURS = 15
DEFAULT_MIN_DIST = 0.1


def fit_projection(real: np.ndarray, synthetic: np.ndarray, seed: int = 0, n_neighbors: int = DEFAULT_NEIGHBOURS,
                   min_dist: float = DEFAULT_MIN_DIST) -> tuple[np.ndarray, np.ndarray, str]:
    """(M, D) real and (N, D) synthetic -> (M, 2), (N, 2) float32 and the method used ("umap", "pca", "origin")."""
    real, synthetic = np.asarray(real, dtype=np.float32), np.asarray(synthetic, dtype=np.float32)
    dim = real.shape[-1] if real.ndim == 2 else synthetic.shape[-1]
    points = np.concatenate([real.reshape(len(real), dim), synthetic.reshape(len(synthetic), dim)])
    count = len(points)
    if count < 3:
        coords, method = np.zeros((count, 2), dtype=np.float32), "origin"
    elif count < SMALL_SET:
        from sklearn.decomposition import PCA

        components = min(2, count - 1, points.shape[1])
        reduced = PCA(n_components=components, random_state=seed).fit_transform(points)
        coords = np.zeros((count, 2), dtype=np.float32)
        coords[:, :components] = reduced
        method = "pca"
    else:
        import umap  # imported here: it takes seconds (numba)

        reducer = umap.UMAP(n_components=2, n_neighbors=min(n_neighbors, count - 1), min_dist=min_dist,
                            random_state=seed, n_jobs=1)
        coords, method = reducer.fit_transform(points).astype(np.float32), "umap"
    return coords[: len(real)], coords[len(real):], method
