import math

import numpy as np
import pytest

from t2i_core.compose.placement import (
    MIN_THEME_CLIPS,
    PlacementError,
    PlacementTable,
    RelativePlacement,
    measure_placement,
    place_person2,
)
from t2i_core.compose.run import load_real_set
from t2i_core.compose.space import label_caption
from t2i_core.motion.features import POSITIONS, VELOCITIES, process_pair, recanonicalize
from tests.fixtures import random_raw_pair


def pair(seed: int) -> np.ndarray:
    return process_pair(*random_raw_pair(seed, frames=40))[0].astype(np.float32)


def test_a_person_placed_where_it_was_measured_is_back_where_it_was():
    """Person 2 taken out of its pair (re-canonicalised alone) and placed by the pair's own measure."""
    for seed in range(4):
        original = pair(seed)
        alone = recanonicalize(original[1:2].astype(np.float64))[0]
        placed = place_person2(original[0], alone, measure_placement(original))
        assert np.allclose(placed[:, POSITIONS], original[1, :, POSITIONS], atol=1e-4)
        assert np.allclose(placed[:, VELOCITIES], original[1, :, VELOCITIES], atol=1e-4)
        assert np.array_equal(placed[:, 132:], alone[:, 132:].astype(np.float32))  # rotations, contacts


def test_measures_follow_their_definitions():
    first = pair(0)
    standing = recanonicalize(first[:1].astype(np.float64))[0].astype(np.float32)  # at the origin facing +Z
    for distance, bearing, facing in ((1.2, 0.0, math.pi), (0.8, math.pi / 2, -math.pi / 2), (2.0, -2.5, 0.3)):
        want = RelativePlacement(distance, bearing, facing)
        placed = place_person2(standing, standing, want)
        got = measure_placement(np.stack([standing, placed]))
        assert got.distance == pytest.approx(distance, abs=1e-5)
        assert got.bearing == pytest.approx(bearing, abs=1e-5)
        assert got.facing == pytest.approx(facing, abs=1e-5)
    # straight ahead, turned round: in front of person 1 (+Z) and facing it
    face_to_face = place_person2(standing, standing, RelativePlacement(1.0, 0.0, math.pi))
    assert face_to_face[0, 2] - standing[0, 2] == pytest.approx(1.0, abs=1e-5)


def table_of(themes_and_distances) -> PlacementTable:
    themes = [t for t, _ in themes_and_distances]
    distance = np.array([d for _, d in themes_and_distances], dtype=np.float64)
    return PlacementTable(np.array(themes), distance, np.zeros_like(distance), np.full_like(distance, math.pi))


def test_a_theme_draws_from_its_own_clips_and_a_rare_one_from_all():
    rows = [("hug", 0.3 + 0.01 * i) for i in range(MIN_THEME_CLIPS)] + [("dance", 1.5 + 0.01 * i) for i in range(6)]
    rows += [("rare", 9.0)] * (MIN_THEME_CLIPS - 1)
    table = table_of(rows)
    hugs = {table.sample("hug", seed).distance for seed in range(60)}
    dances = {table.sample("dance", seed).distance for seed in range(60)}
    rare = {table.sample("rare", seed).distance for seed in range(200)}
    assert hugs <= {d for t, d in rows if t == "hug"} and len(hugs) > 1  # sampled, not a constant
    assert dances <= {d for t, d in rows if t == "dance"}
    assert min(rare) < 1.0 < max(rare)  # fewer than MIN_THEME_CLIPS: all clips
    assert table.sample("nothing like it", 3) == table.sample("nothing like it", 3)  # a function of the seed
    summary = table.summary()
    assert summary["hug"]["clips"] == MIN_THEME_CLIPS and summary["hug"]["own_clips"]
    assert not summary["rare"]["own_clips"] and summary["all"]["clips"] == len(rows)
    assert summary["hug"]["distance_p50"] == pytest.approx(0.32) and summary["hug"]["face_to_face"] == 1.0


def test_the_digest_names_the_table():
    a = table_of([("hug", 0.3), ("dance", 1.5)])
    assert a.digest() == table_of([("hug", 0.3), ("dance", 1.5)]).digest()
    assert a.digest() != table_of([("hug", 0.3), ("dance", 1.6)]).digest()
    assert a.digest() != table_of([("hug", 0.3), ("hugs", 1.5)]).digest()


def test_the_table_of_a_real_folder_measures_every_clip(real_folder, tmp_path):
    real = load_real_set(real_folder, cache_dir=tmp_path / "cache")
    table = PlacementTable.from_real(real, label_caption)
    assert len(table.themes) == len(real.ids)
    first = measure_placement(real.features(0, None))
    assert (table.distance[0], table.bearing[0], table.facing[0]) == pytest.approx(
        (first.distance, first.bearing, first.facing))
    assert np.all(table.distance > 0) and np.all(np.abs(table.facing) <= math.pi)
    with pytest.raises(PlacementError, match="no real clips"):
        PlacementTable.from_pairs([], [])
