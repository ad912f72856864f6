"""The filters of InterCompose as one status per candidate (REFERENCE 8, and ours).

A candidate's status is decided in this order, the first that applies wins:
unsplittable (no motion was made) -> low_cosine (cosine < delta) -> low_person_cosine (either
person's own prompt scores below person_delta with that person's motion under a single-person
evaluator) -> implausible (inter-person penetration, jitter or foot skating above its limit, limits
taken from the real data) -> too_close (distance < r_min) -> too_far (distance > r_max) -> kept.

The per-person and physical filters are off unless their thresholds are set (None), so outputs made
before they existed keep their statuses. ``STATUSES`` are the paper's filters' five, in the order of
the status codes; ``EXTRA_STATUSES`` come after them (codes 5 and 6) and occur only when those
filters are on; ``ALL_STATUSES`` is both.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from t2i_core.compose.annulus import DEFAULT_K, check_k

KEPT, LOW_COSINE, TOO_CLOSE, TOO_FAR, UNSPLITTABLE = "kept", "low_cosine", "too_close", "too_far", "unsplittable"
LOW_PERSON_COSINE, IMPLAUSIBLE = "low_person_cosine", "implausible"
STATUSES = (KEPT, LOW_COSINE, TOO_CLOSE, TOO_FAR, UNSPLITTABLE)
EXTRA_STATUSES = (LOW_PERSON_COSINE, IMPLAUSIBLE)
ALL_STATUSES = STATUSES + EXTRA_STATUSES
DEFAULT_DELTA = 0.58  # the paper's cosine threshold
# The physical measures (candidates.parquet columns) and the threshold that caps each.
PHYSICAL_LIMITS = {"penetration": "max_penetration", "jitter": "max_jitter", "foot_skating": "max_foot_skating"}
OPTIONAL_THRESHOLDS = ("person_delta", *PHYSICAL_LIMITS.values())


def _number(name: str, value) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    return value


@dataclass(frozen=True)
class Thresholds:
    """The filter settings that produce a kept set (OUT/thresholds.json)."""

    delta: float = DEFAULT_DELTA  # keep when cosine(text, motion) >= delta; cosines lie in [-1, 1]
    r_min: float = 0.0            # keep when r_min <= distance to the real set
    r_max: float = math.inf       # ... <= r_max
    k: int = DEFAULT_K            # nearest real embeddings the distance averages over (fixed by the run)
    person_delta: float | None = None      # keep when both persons' own cosines >= it; None: filter off
    max_penetration: float | None = None   # keep when inter-person penetration (m) <= it; None: off
    max_jitter: float | None = None        # ... jitter (mean joint acceleration, m/s^2) <= it
    max_foot_skating: float | None = None  # ... foot skating ratio <= it

    def __post_init__(self):
        delta = _number("delta", self.delta)
        if not -1.0 <= delta <= 1.0:
            raise ValueError(f"delta must lie in [-1, 1] (it is compared with a cosine), got {delta}")
        r_min = _number("r_min", self.r_min)
        r_max = float(self.r_max) if self.r_max == math.inf else _number("r_max", self.r_max)
        if r_min < 0:
            raise ValueError(f"r_min must be 0 or more (it is a distance), got {r_min}")
        if r_min > r_max:
            raise ValueError(f"r_min must not exceed r_max, got r_min {r_min} > r_max {r_max}")
        object.__setattr__(self, "delta", delta)
        object.__setattr__(self, "r_min", r_min)
        object.__setattr__(self, "r_max", r_max)
        object.__setattr__(self, "k", check_k(self.k))
        if self.person_delta is not None:
            person_delta = _number("person_delta", self.person_delta)
            if not -1.0 <= person_delta <= 1.0:
                raise ValueError(f"person_delta must lie in [-1, 1] (it is compared with a cosine), got {person_delta}")
            object.__setattr__(self, "person_delta", person_delta)
        for name in PHYSICAL_LIMITS.values():
            value = getattr(self, name)
            if value is not None:
                value = _number(name, value)
                if value < 0:
                    raise ValueError(f"{name} must be 0 or more (the measure is never negative), got {value}")
                object.__setattr__(self, name, value)

    @property
    def person_filter(self) -> bool:
        return self.person_delta is not None

    @property
    def physical_filter(self) -> bool:
        return any(getattr(self, name) is not None for name in PHYSICAL_LIMITS.values())

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> dict:
        """The JSON form (thresholds.json, exports, reports): JSON has no infinity, so null is no outer radius."""
        payload = self.to_dict()
        if math.isinf(payload["r_max"]):
            payload["r_max"] = None
        return payload

    @classmethod
    def from_json(cls, payload: dict) -> Thresholds:
        """The inverse of ``to_json``."""
        payload = dict(payload)
        if payload.get("r_max") is None:
            payload["r_max"] = math.inf
        return cls.from_dict(payload)

    @classmethod
    def from_dict(cls, payload: dict) -> Thresholds:
        accepted = ("delta", "r_min", "r_max", "k", *OPTIONAL_THRESHOLDS)
        unknown = set(payload) - set(accepted)
        if unknown:
            raise ValueError(f"unknown threshold settings {sorted(unknown)}; accepted: {', '.join(accepted)}")
        return cls(**payload)


def status_codes(cosine: np.ndarray, distance: np.ndarray, has_motion: np.ndarray,
                 thresholds: Thresholds, person_cosine: np.ndarray | None = None,
                 physical: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Status per candidate as int8 indexes into ALL_STATUSES, in the order of the module docstring.

    ``person_cosine`` (N, 2): each person's own cosine; ``physical``: measure name (``PHYSICAL_LIMITS``)
    -> (N,). Each is needed only when its filter is on. Masks only (no strings): fast enough to
    re-decide 100k candidates on every slider move.
    """
    cosine, distance = np.asarray(cosine, dtype=np.float64), np.asarray(distance, dtype=np.float64)
    has_motion = np.asarray(has_motion, dtype=bool)
    if not cosine.shape == distance.shape == has_motion.shape:
        raise ValueError(f"cosine {cosine.shape}, distance {distance.shape} and has_motion {has_motion.shape} differ")
    codes = np.full(cosine.shape, STATUSES.index(KEPT), dtype=np.int8)
    # Assigned from the last rule to the first, so the first rule that applies wins; NaN compares False.
    with np.errstate(invalid="ignore"):
        codes[distance > thresholds.r_max] = STATUSES.index(TOO_FAR)
        codes[distance < thresholds.r_min] = STATUSES.index(TOO_CLOSE)
        if thresholds.physical_filter:
            if physical is None:
                raise ValueError("the physical filter is on but there are no physical measures (penetration, jitter, "
                                 "foot_skating): an output made before they were measured; compose it again")
            over = np.zeros(cosine.shape, dtype=bool)
            for measure, name in PHYSICAL_LIMITS.items():
                limit = getattr(thresholds, name)
                if limit is not None:
                    over |= np.asarray(physical[measure], dtype=np.float64) > limit
            codes[over] = ALL_STATUSES.index(IMPLAUSIBLE)
        if thresholds.person_filter:
            if person_cosine is None:
                raise ValueError("the per-person filter is on but there are no per-person cosines: compose with a "
                                 "single-person evaluator (--person-evaluator)")
            low = (np.asarray(person_cosine, dtype=np.float64) < thresholds.person_delta).any(axis=-1)
            codes[low] = ALL_STATUSES.index(LOW_PERSON_COSINE)
        codes[cosine < thresholds.delta] = STATUSES.index(LOW_COSINE)
    codes[~has_motion] = STATUSES.index(UNSPLITTABLE)
    return codes


def statuses(cosine: np.ndarray, distance: np.ndarray, has_motion: np.ndarray, thresholds: Thresholds,
             person_cosine: np.ndarray | None = None, physical: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Status per candidate (an array of the ALL_STATUSES strings) in the order of the module docstring."""
    codes = status_codes(cosine, distance, has_motion, thresholds, person_cosine, physical)
    return np.array(ALL_STATUSES, dtype=object)[codes]


def status_counts(values) -> dict[str, int]:
    """Count per status, in ALL_STATUSES order: the five of STATUSES always (zeros included), the extra ones
    when they occur."""
    values = list(values)
    counts = {s: values.count(s) for s in ALL_STATUSES}
    return {s: n for s, n in counts.items() if s in STATUSES or n}
