import numpy as np
import pytest

from t2i_core.compose.annulus import RealNeighbours, default_radii, distance_percentiles


def brute_force(real, points, k, leave_one_out=False):
    distances = np.linalg.norm(points[:, None] - real[None], axis=-1)
    if leave_one_out:
        np.fill_diagonal(distances, np.inf)  # the point itself, not its duplicates
    return np.sort(distances, axis=1)[:, :k].mean(axis=1)


def test_distance_is_the_mean_over_the_k_nearest_real_embeddings():
    rng = np.random.default_rng(0)
    real, points = rng.normal(size=(40, 8)), rng.normal(size=(12, 8))
    for k in (1, 5, 7):
        assert np.allclose(RealNeighbours(real, k).distance(points), brute_force(real, points, k))


def test_real_distances_leave_each_point_out_and_keep_its_duplicates():
    rng = np.random.default_rng(1)
    real = rng.normal(size=(30, 6))
    real[7] = real[3]  # an exact duplicate is a real neighbour at distance 0
    neighbours = RealNeighbours(real, 5)
    expected = brute_force(real, real, 5, leave_one_out=True)
    assert np.allclose(neighbours.real_distances(), expected)
    assert neighbours.real_distances()[3] < brute_force(np.delete(real, [3, 7], 0), real[[3]], 5)[0]


def test_default_radii_are_percentiles_of_the_real_distances():
    rng = np.random.default_rng(2)
    real = rng.normal(size=(50, 4))
    distances = RealNeighbours(real, 5).real_distances()
    r_min, r_max = default_radii(distances, (5, 95))
    assert r_min == pytest.approx(np.percentile(distances, 5)) and r_max == pytest.approx(np.percentile(distances, 95))
    assert r_min < np.median(distances) < r_max
    assert distance_percentiles(distances)["p50"] == pytest.approx(np.median(distances))


@pytest.mark.parametrize("k", [0, -1, 2.5, True])
def test_k_must_be_a_positive_integer(k):
    with pytest.raises(ValueError, match="k .* must be an integer >= 1"):
        RealNeighbours(np.zeros((10, 2)), k)


def test_too_few_real_embeddings_is_a_clear_error():
    with pytest.raises(ValueError, match="more than k = 5 real embeddings"):
        RealNeighbours(np.zeros((5, 3)), 5)
    with pytest.raises(ValueError, match="percentiles"):
        default_radii(np.ones(10), (90, 10))
