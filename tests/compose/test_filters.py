import math

import numpy as np
import pytest

from t2i_core.compose.filters import Thresholds, status_counts, statuses


def test_status_order_first_matching_reason_wins():
    t = Thresholds(delta=0.5, r_min=1.0, r_max=2.0)
    cosine = np.array([np.nan, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.5, 0.9, 0.9])
    distance = np.array([np.nan, 0.5, 1.5, 3.0, 0.5, 3.0, 1.5, 1.5, 1.0, 2.0])
    has_motion = np.array([False] + [True] * 9)
    assert statuses(cosine, distance, has_motion, t).tolist() == [
        "unsplittable",                    # no motion comes before everything
        "low_cosine", "low_cosine", "low_cosine",  # a low cosine hides the distance reasons
        "too_close", "too_far", "kept",
        "kept",                            # cosine == delta is kept (>=)
        "kept", "kept",                    # the radii are inclusive
    ]
    no_motion_but_scores = statuses(np.array([0.9]), np.array([1.5]), np.array([False]), t)
    assert no_motion_but_scores.tolist() == ["unsplittable"]


def test_counts_list_every_status():
    counts = status_counts(["kept", "kept", "too_far"])
    assert counts == {"kept": 2, "low_cosine": 0, "too_close": 0, "too_far": 1, "unsplittable": 0}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"delta": 1.5}, r"delta must lie in \[-1, 1\]"),
    ({"delta": -1.01}, r"delta must lie in \[-1, 1\]"),
    ({"delta": float("nan")}, "delta must be a finite number"),
    ({"r_min": 2.0, "r_max": 1.0}, "r_min must not exceed r_max"),
    ({"r_min": -0.1}, "r_min must be 0 or more"),
    ({"k": 0}, "k .* must be an integer >= 1"),
    ({"delta": "high"}, "delta must be a number"),
])
def test_invalid_thresholds_say_what_is_accepted(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Thresholds(**kwargs)


def test_round_trip_and_defaults():
    t = Thresholds(delta=0.58, r_min=0.1, r_max=0.9, k=3)
    assert Thresholds.from_dict(t.to_dict()) == t
    assert Thresholds().r_max == math.inf
    with pytest.raises(ValueError, match="unknown threshold settings"):
        Thresholds.from_dict({"delta": 0.5, "radius": 1})
