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


def test_person_and_physical_filters_in_order_and_off_by_default():
    from t2i_core.compose.filters import ALL_STATUSES, STATUSES, status_codes

    cosine = np.array([0.9, 0.9, 0.9, 0.1, 0.9, 0.9])
    distance = np.array([0.5, 0.5, 0.5, 0.5, 0.05, 0.5])
    has = np.array([True, True, True, True, True, False])
    person = np.array([[0.5, 0.5], [0.5, -0.2], [0.5, 0.5], [-0.5, 0.5], [0.5, 0.5], [np.nan, np.nan]])
    physical = {"penetration": np.array([0.0, 0.2, 0.2, 0.2, 0.2, 0.0]), "jitter": np.zeros(6),
                "foot_skating": np.zeros(6)}
    base = Thresholds(delta=0.5, r_min=0.1, r_max=1.0, k=3)
    assert statuses(cosine, distance, has, base).tolist() == statuses(cosine, distance, has, base, person,
                                                                       physical).tolist()
    on = Thresholds(delta=0.5, r_min=0.1, r_max=1.0, k=3, person_delta=0.0, max_penetration=0.1)
    assert statuses(cosine, distance, has, on, person, physical).tolist() == [
        "kept", "low_person_cosine", "implausible", "low_cosine", "implausible", "unsplittable"]
    assert ALL_STATUSES[:5] == STATUSES  # the paper's five keep their codes
    assert status_codes(cosine, distance, has, on, person, physical).max() == ALL_STATUSES.index("implausible")
    with pytest.raises(ValueError, match="no per-person cosines"):
        statuses(cosine, distance, has, on, None, physical)
    with pytest.raises(ValueError, match="no physical measures"):
        statuses(cosine, distance, has, on, person, None)
    assert status_counts(["kept", "implausible"]) == {"kept": 1, "low_cosine": 0, "too_close": 0, "too_far": 0,
                                                      "unsplittable": 0, "implausible": 1}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"person_delta": 1.5}, r"person_delta must lie in \[-1, 1\]"),
    ({"max_jitter": -1.0}, "max_jitter must be 0 or more"),
    ({"max_penetration": float("nan")}, "max_penetration must be a finite number"),
])
def test_bad_person_and_physical_thresholds(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Thresholds(**kwargs)


def test_thresholds_from_an_older_file_have_the_new_filters_off():
    old = Thresholds.from_dict({"delta": 0.5, "r_min": 0.1, "r_max": 1.0, "k": 3})
    assert old.person_delta is None and not old.physical_filter and not old.person_filter
    with pytest.raises(ValueError, match="accepted: delta, r_min, r_max, k, person_delta, max_penetration"):
        Thresholds.from_dict({"delta": 0.5, "gamma": 1})
