"""Timing primitives: easing curves, envelopes, reaction delays and heading tracking.

Everything works on frame counts at ``FPS`` and returns float arrays, so phase builders can
write "raise the hand over 0.4 s, hold, lower it" as one call.
"""

from __future__ import annotations

import numpy as np

from t2i_core.skeleton import FPS


def frames(seconds: float) -> int:
    """Seconds -> a whole number of frames (at least 1)."""
    return max(1, round(seconds * FPS))


def smoothstep(u: np.ndarray | float) -> np.ndarray:
    """Ease-in/ease-out on [0, 1] with zero end velocities (3u^2 - 2u^3)."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def min_jerk(u: np.ndarray | float) -> np.ndarray:
    """Minimum-jerk profile 10u^3 - 15u^4 + 6u^5: zero velocity and acceleration at both ends."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * u * (10.0 + u * (-15.0 + 6.0 * u))


def ramp(n: int, start: float, duration: float, curve=smoothstep) -> np.ndarray:
    """Weights over ``n`` frames: 0 before ``start``, eased to 1 over ``duration`` frames."""
    t = np.arange(n, dtype=np.float64)
    return curve((t - start) / max(duration, 1e-6))


def envelope(n: int, start: float, rise: float, hold: float, fall: float) -> np.ndarray:
    """0 -> 1 (eased over ``rise``) -> hold -> 0 (eased over ``fall``); times in frames."""
    return ramp(n, start, rise) * (1.0 - ramp(n, start + rise + hold, fall))


def wrap_angle(a: np.ndarray | float) -> np.ndarray:
    """Angles to (-pi, pi]."""
    return (np.asarray(a) + np.pi) % (2.0 * np.pi) - np.pi


def heading_to(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Yaw (from +Z towards +X) of the ground direction src -> dst; (..., 2) x,z arrays."""
    d = np.asarray(dst) - np.asarray(src)
    return np.arctan2(d[..., 0], d[..., 1])


def track_heading(start: float, desired: np.ndarray, delay: int, rate: float, stiffness: float = 0.25
                  ) -> np.ndarray:
    """A person turning to follow ``desired`` headings with a reaction delay and a turn-speed limit.

    ``delay`` frames of latency model the responder's reaction time; ``rate`` is the largest turn
    per frame (radians) and ``stiffness`` the fraction of the remaining error closed per frame.
    """
    n = len(desired)
    out = np.empty(n)
    h = float(start)
    for t in range(n):
        goal = desired[max(0, t - delay)] if t >= delay else start
        err = float(wrap_angle(goal - h))
        step = np.clip(err * stiffness, -rate, rate)
        h += step
        out[t] = h
    return out


def smooth(x: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian smoothing along axis 0 (frames), edges padded by repetition."""
    if sigma <= 0 or len(x) < 2:
        return np.array(x, dtype=np.float64)
    radius = int(np.ceil(3 * sigma))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    pad = [(radius, radius)] + [(0, 0)] * (np.ndim(x) - 1)
    xp = np.pad(np.asarray(x, dtype=np.float64), pad, mode="edge")
    out = np.zeros_like(np.asarray(x, dtype=np.float64))
    for k, w in enumerate(kernel):
        out += w * xp[k:k + len(x)]
    return out
