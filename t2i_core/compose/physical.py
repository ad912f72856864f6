"""The physical filter's measures of a candidate pair, and limits taken from the real data.

Each candidate gets three numbers from ``t2i_core.metrics`` on its joints: inter-person penetration
(m the torsos overlap, mean over frames), jitter (mean joint acceleration, m/s^2) and the foot
skating ratio. A limit is a high percentile of the same measure over the real clips (the real data
shows how much of each a plausible pair has), so the filter rejects what is worse than nearly all of
the real data.
"""

from __future__ import annotations

import numpy as np

from t2i_core.compose.annulus import distance_percentiles
from t2i_core.compose.filters import PHYSICAL_LIMITS
from t2i_core.metrics import foot_skating_ratio, inter_person_penetration, jitter
from t2i_core.motion.features import features_to_joints

MEASURES = {"penetration": inter_person_penetration, "jitter": jitter, "foot_skating": foot_skating_ratio}
assert tuple(MEASURES) == tuple(PHYSICAL_LIMITS)  # one name per measure, the filter's
DEFAULT_PHYSICAL_PERCENTILE = 99.0
REAL_PHYSICAL_CLIPS = 1000  # real clips measured for the limits (a seeded sample of larger sets)
LIMIT_PERCENTILES = (50, 90, 95, 99, 99.5)


def physical_measures(pairs: list[np.ndarray]) -> dict[str, np.ndarray]:
    """Pair features [(2, T, 262)] -> {measure: (N,) float32}."""
    joints = [features_to_joints(np.asarray(p, dtype=np.float64)) for p in pairs]
    return {name: np.array([fn(j) for j in joints], dtype=np.float32) for name, fn in MEASURES.items()}


def check_percentile(percentile: float) -> float:
    percentile = float(percentile)
    if not 0.0 < percentile <= 100.0:
        raise ValueError(f"the physical percentile must lie in (0, 100], got {percentile:g}")
    return percentile


def physical_limits(real: dict[str, np.ndarray], percentile: float) -> dict[str, float]:
    """{threshold name (``PHYSICAL_LIMITS``): the ``percentile`` of the real measure}."""
    percentile = check_percentile(percentile)
    return {PHYSICAL_LIMITS[name]: float(np.percentile(np.asarray(values, dtype=np.float64), percentile))
            for name, values in real.items()}


def real_physical_percentiles(real: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """{measure: {"p50": ..., "p99": ...}} of the real clips (for compose.json and ``filter --physical-percentile``)."""
    return {name: distance_percentiles(values, LIMIT_PERCENTILES) for name, values in real.items()}


def limits_from_percentiles(stored: dict[str, dict[str, float]], percentile: float) -> dict[str, float]:
    """The limits at one of the stored percentiles (``LIMIT_PERCENTILES``) of a finished run's real data."""
    key = f"p{check_percentile(percentile):g}"
    missing = [name for name in MEASURES if key not in stored.get(name, {})]
    if missing:
        have = ", ".join(f"{q:g}" for q in LIMIT_PERCENTILES)
        raise ValueError(f"the output stores no real {key} of {', '.join(missing)}; stored percentiles: {have} "
                         "(or give the limits themselves: --max-penetration, --max-jitter, --max-foot-skating)")
    return {PHYSICAL_LIMITS[name]: float(stored[name][key]) for name in MEASURES}
