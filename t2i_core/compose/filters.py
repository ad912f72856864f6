"""The two filters of InterCompose as one status per candidate (REFERENCE 8).

A candidate's status is decided in this order, the first that applies wins:
unsplittable (no motion was made) -> low_cosine (cosine < delta) -> too_close (distance < r_min)
-> too_far (distance > r_max) -> kept.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from t2i_core.compose.annulus import DEFAULT_K, check_k

KEPT, LOW_COSINE, TOO_CLOSE, TOO_FAR, UNSPLITTABLE = "kept", "low_cosine", "too_close", "too_far", "unsplittable"
STATUSES = (KEPT, LOW_COSINE, TOO_CLOSE, TOO_FAR, UNSPLITTABLE)
DEFAULT_DELTA = 0.58  # the paper's cosine threshold


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
        unknown = set(payload) - {"delta", "r_min", "r_max", "k"}
        if unknown:
            raise ValueError(f"unknown threshold settings {sorted(unknown)}; accepted: delta, r_min, r_max, k")
        return cls(**payload)


def status_codes(cosine: np.ndarray, distance: np.ndarray, has_motion: np.ndarray,
                 thresholds: Thresholds) -> np.ndarray:
    """Status per candidate as int8 indexes into STATUSES, in the order of the module docstring.

    Masks only (no strings): fast enough to re-decide 100k candidates on every slider move.
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
        codes[cosine < thresholds.delta] = STATUSES.index(LOW_COSINE)
    codes[~has_motion] = STATUSES.index(UNSPLITTABLE)
    return codes


def statuses(cosine: np.ndarray, distance: np.ndarray, has_motion: np.ndarray, thresholds: Thresholds) -> np.ndarray:
    """Status per candidate (an array of the STATUSES strings) in the order of the module docstring."""
    return np.array(STATUSES, dtype=object)[status_codes(cosine, distance, has_motion, thresholds)]


def status_counts(values) -> dict[str, int]:
    """Count per status, every status listed (zeros included), in STATUSES order."""
    values = list(values)
    return {s: values.count(s) for s in STATUSES}
