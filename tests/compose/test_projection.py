import numpy as np

from t2i_core.compose.projection import SMALL_SET, fit_projection


def test_umap_projection_is_seeded_and_shapes_follow_the_inputs():
    rng = np.random.default_rng(0)
    real, synthetic = rng.normal(size=(25, 8)), rng.normal(size=(15, 8)) + 2
    first = fit_projection(real, synthetic, seed=3)
    again = fit_projection(real, synthetic, seed=3)
    assert first[2] == "umap" and first[0].shape == (25, 2) and first[1].shape == (15, 2)
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert np.all(np.isfinite(first[0])) and first[0].dtype == np.float32


def test_small_sets_fall_back_gracefully():
    rng = np.random.default_rng(1)
    real, synthetic, method = fit_projection(rng.normal(size=(6, 5)), rng.normal(size=(4, 5)))
    assert method == "pca" and real.shape == (6, 2) and synthetic.shape == (4, 2)
    assert SMALL_SET > 6 + 4 and np.all(np.isfinite(real))
    real, synthetic, method = fit_projection(np.ones((1, 5)), np.zeros((0, 5)))
    assert method == "origin" and real.shape == (1, 2) and synthetic.shape == (0, 2)
