"""Gait: footsteps that follow a pelvis ground trajectory, and trajectory builders.

A phase only says where a person's pelvis goes on the ground and which way they face
(``root_xz``, ``heading``). ``plan_steps`` turns that into alternating footsteps: each foot stays
planted (exactly still) until the place it should occupy - its spot beside the pelvis a short
time ahead - drifts too far, then swings there along an arc while the other foot stays down.
Walking, backing up, side steps, turning in place and small balance steps all come out of the
same rule, so a phase never animates legs directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from t2i_core.data.procedural.timeline import FPS, frames, min_jerk, smoothstep, wrap_angle

TOE_OUT = 0.08          # radians each foot turns outwards
ANGLE_WEIGHT = 0.25     # metres of step error per radian of foot-heading error


@dataclass
class Gait:
    """Per-foot (index 0 left, 1 right) ankle ground positions, headings, lift and stance flags."""

    ankle_xz: np.ndarray     # (2, T, 2)
    foot_heading: np.ndarray  # (2, T)
    lift: np.ndarray         # (2, T) ankle height above its planted height
    swing: np.ndarray        # (2, T) swing progress in [0, 1], 0 when planted
    stance: np.ndarray       # (2, T) bool: planted


def ideal_feet(root_xz: np.ndarray, heading: np.ndarray, half_width: float, back: float
               ) -> tuple[np.ndarray, np.ndarray]:
    """Where each foot belongs under the pelvis: positions (2, T, 2) and headings (2, T)."""
    c, s = np.cos(heading), np.sin(heading)
    pos = np.empty((2, len(heading), 2))
    head = np.empty((2, len(heading)))
    for foot, side in ((0, 1.0), (1, -1.0)):
        lx, lz = side * half_width, back
        # Body frame (x = left, z = forward) -> world: yaw rotation about +Y.
        pos[foot, :, 0] = root_xz[:, 0] + c * lx + s * lz
        pos[foot, :, 1] = root_xz[:, 1] - s * lx + c * lz
        head[foot] = heading + side * TOE_OUT
    return pos, head


def plan_steps(root_xz: np.ndarray, heading: np.ndarray, half_width: float, back: float, scale: float,
               lock: np.ndarray | None = None, cadence: float = 1.0, carry: np.ndarray | None = None) -> Gait:
    """Alternating footsteps for a pelvis trajectory; see the module docstring.

    ``lock`` (T,) marks frames where no new step may start (e.g. while a leg kicks);
    ``cadence`` > 1 shortens swings (quick movements); ``carry`` (T,) marks airborne frames in
    which both footprints move rigidly with the pelvis (its ground shift and turn), so a jump
    lands where the pelvis went instead of stepping there afterwards.
    """
    n = len(heading)
    ideal, ideal_h = ideal_feet(root_xz, heading, half_width, back)
    speed = np.zeros(n)
    speed[1:] = np.linalg.norm(np.diff(root_xz, axis=0), axis=-1) * FPS
    lock = np.zeros(n, bool) if lock is None else lock

    ankle = np.empty((2, n, 2))
    foot_h = np.empty((2, n))
    lift = np.zeros((2, n))
    swing_u = np.zeros((2, n))
    stance = np.ones((2, n), bool)

    plant = [ideal[f, 0].copy() for f in (0, 1)]
    plant_h = [float(ideal_h[f, 0]) for f in (0, 1)]
    swinging = None   # (foot, t0, t1, from_xz, to_xz, from_h, to_h, height)
    last_foot, last_land = 1, -100
    threshold = 0.10 * scale
    settle = 0.035 * scale
    double_support = frames(0.1)
    if carry is not None:
        # The first carried frame at or after each frame: steps never anticipate airborne travel.
        starts = np.flatnonzero(carry)
        next_carry = starts[np.minimum(np.searchsorted(starts, np.arange(n)), len(starts) - 1)]
        next_carry = np.where(next_carry >= np.arange(n), next_carry, n)
    for t in range(n):
        if carry is not None and carry[t] and t > 0:
            turn = float(heading[t] - heading[t - 1])
            c_t, s_t = np.cos(turn), np.sin(turn)
            for f in (0, 1):
                rel = plant[f] - root_xz[t - 1]
                plant[f] = root_xz[t] + np.array([c_t * rel[0] + s_t * rel[1], -s_t * rel[0] + c_t * rel[1]])
                plant_h[f] += turn
            last_land = t
        if swinging is None and not lock[t] and t - last_land >= double_support and (carry is None or not carry[t]):
            v = float(np.max(speed[t:t + 8])) if t < n else 0.0
            dur = round(float(np.clip(0.47 - 0.06 * v, 0.36, 0.46) * FPS / cadence))
            lead = round(0.5 * dur + double_support)
            ahead = min(t + dur + lead, n - 1)
            if carry is not None:
                ahead = max(t, min(ahead, int(next_carry[t]) - 1))
            errors = []
            for f in (0, 1):
                d = float(np.linalg.norm(ideal[f, ahead] - plant[f]))
                a = abs(float(wrap_angle(ideal_h[f, ahead] - plant_h[f])))
                errors.append(d + ANGLE_WEIGHT * max(0.0, a - 0.15))
            moving = v > 0.05 or float(np.max(np.abs(np.diff(heading[t:ahead + 1])), initial=0.0)) > 0.01
            limit = threshold if moving else settle
            idle_ok = moving or t - last_land > frames(0.25)
            other = 1 - last_foot
            foot = None
            if errors[other] > 0.5 * limit and idle_ok:
                foot = other
            elif max(errors) > limit and idle_ok:
                foot = int(np.argmax(errors))
            if foot is not None and t + dur < n + dur // 2:
                dist = float(np.linalg.norm(ideal[foot, ahead] - plant[foot]))
                height = float(np.clip(0.04 + 0.12 * dist, 0.04, 0.11)) * scale
                swinging = (foot, t, t + dur, plant[foot].copy(), ideal[foot, ahead].copy(),
                            plant_h[foot], plant_h[foot] + float(wrap_angle(ideal_h[foot, ahead] - plant_h[foot])),
                            height)
        for f in (0, 1):
            ankle[f, t] = plant[f]
            foot_h[f, t] = plant_h[f]
        if swinging is not None:
            f, t0, t1, p0, p1, h0, h1, height = swinging
            u = (t - t0) / (t1 - t0)
            w = float(smoothstep(u))
            ankle[f, t] = p0 + (p1 - p0) * w
            foot_h[f, t] = h0 + (h1 - h0) * w
            lift[f, t] = height * np.sin(np.pi * u) ** 1.5 if u < 1 else 0.0
            swing_u[f, t] = u
            stance[f, t] = u >= 1.0
            if t >= t1:
                plant[f], plant_h[f] = p1.copy(), h1
                ankle[f, t], foot_h[f, t] = p1, h1
                swinging, last_foot, last_land = None, f, t
    return Gait(ankle_xz=ankle, foot_heading=foot_h, lift=lift, swing=swing_u, stance=stance)


# ---------------------------------------------------------------- trajectories

def walk_path(start: np.ndarray, goal: np.ndarray, speed: float) -> tuple[np.ndarray, int]:
    """Ground positions (n, 2) from ``start`` to ``goal``: eased start, cruise at ``speed``, eased stop.

    The speed ramps up and down over up to 0.6 s each (smoothstep), so short moves are a single
    smooth bump and long walks cruise at ``speed``.
    """
    start, goal = np.asarray(start, float), np.asarray(goal, float)
    dist = float(np.linalg.norm(goal - start))
    speed = max(speed, 1e-3)
    ramp_s = min(0.6, np.sqrt(dist / speed))
    n = max(frames(dist / speed + ramp_s), 3)
    t = np.arange(n) / FPS
    total = (n - 1) / FPS
    vel = smoothstep(t / ramp_s) * smoothstep((total - t) / ramp_s)
    s = np.concatenate([[0.0], np.cumsum((vel[1:] + vel[:-1]) / 2)])
    s /= max(s[-1], 1e-9)
    return start + (goal - start) * s[:, None], n


def travel_heading(path: np.ndarray, start_heading: float, end_heading: float, turn_frames: int
                   ) -> np.ndarray:
    """Headings along ``path`` that face the direction of travel, blending in from
    ``start_heading`` and out to ``end_heading`` over ``turn_frames`` at each end."""
    n = len(path)
    direction = np.diff(path, axis=0, append=path[-1:] + (path[-1:] - path[-2:-1]))
    travel = np.arctan2(direction[:, 0], direction[:, 1])
    travel = start_heading + np.unwrap(np.concatenate([[0.0], wrap_angle(travel - start_heading)]))[1:]
    t = np.arange(n)
    w_in = smoothstep(t / max(turn_frames, 1))
    w_out = smoothstep((t - (n - 1 - turn_frames)) / max(turn_frames, 1))
    head = start_heading + (travel - start_heading) * w_in
    end = travel[-1] + wrap_angle(end_heading - travel[-1])
    return head + (end - head) * w_out


def arc_path(center: np.ndarray, radius: float, angle0: float, sweep: float, n: int) -> np.ndarray:
    """Ground positions (n, 2) on a circle, angles measured like headings (from +Z to +X)."""
    a = angle0 + sweep * min_jerk(np.linspace(0.0, 1.0, n))
    return np.asarray(center, float) + radius * np.stack([np.sin(a), np.cos(a)], axis=-1)
