"""Solo actions: what one person does alone (jump, squat, clap, spin...), beyond the 23 phases.

A solo builder appends one person's frames to a ``Scene`` from that person's cursor, through the
same controls as the interaction phases (ground track and heading, crouch/bow/lean/twist, hand
targets, raised feet, airborne height, gaze), so the same solver, IK and footstep planner animate
it. The vocabulary is shared by the single-person corpus (``training.build_solo``) and the
out-of-distribution two-person vocabulary (``ood``), and never used by the base two-person set.

Side conventions as in ``interactions``: left is body-frame +X. Heights in body points are above
the floor while standing; ``_at`` shifts them by the person's crouch and airborne height.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from t2i_core.data.procedural.interactions import SIDES, SPEED_FACTOR, WALK_SPEED, sign, weights
from t2i_core.data.procedural.scene import Scene
from t2i_core.data.procedural.timeline import FPS, envelope, frames, smoothstep

GRAVITY = 9.81
DIRECTIONS = ("forward", "backward", "left", "right")
TURN_DIRECTIONS = ("left", "right")     # left = counterclockwise seen from above (heading grows)
# Body-frame ground directions (x left, z forward).
GROUND = {"forward": (0.0, 1.0), "backward": (0.0, -1.0), "left": (1.0, 0.0), "right": (-1.0, 0.0)}


@dataclass
class SoloSpec:
    """One solo action: kind, side (of the hand or leg used), speed word and options."""

    kind: str
    side: str | None = None
    speed: str = "normal"
    options: dict = field(default_factory=dict)

    @property
    def side_index(self) -> int:
        return SIDES.index(self.side or "right")

    def to_json(self) -> dict:
        return asdict(self)


# ----------------------------------------------------------------------------- helpers

def _k(spec: SoloSpec) -> float:
    return SPEED_FACTOR[spec.speed]


def _span(sc: Scene, p: int, n: int) -> slice:
    """Hold person ``p`` in place for ``n`` frames; the frames' slice."""
    a = sc.cursor[p]
    sc.hold(p, a + n)
    return slice(a, a + n)


def _at(sc: Scene, p: int, sl: slice, local) -> np.ndarray:
    """Body-frame points (x left, y height when standing, z forward), moved with crouch and air."""
    n = sl.stop - sl.start
    local = np.array(np.broadcast_to(np.asarray(local, float), (n, 3)))
    c = sc.ctl[p]
    local[:, 1] += c.air[sl] - c.crouch[sl]
    return sc.point(p, sl, local)


def _hands(sc: Scene, p: int, sl: slice, local_by_side: dict[int, np.ndarray], w: np.ndarray,
           pole=(0.6, -1.0, -0.3)) -> None:
    for s, local in local_by_side.items():
        sc.set_hand(p, s, sl.start, _at(sc, p, sl, local), w, pole=pole)


def _hold_w(n: int, rise: int, fall: int) -> np.ndarray:
    """An envelope over exactly ``n`` frames: eased up over ``rise``, down over the last ``fall``."""
    return envelope(n, 0, rise, max(n - rise - fall - 1, 0), fall)


def _bump(u: np.ndarray) -> np.ndarray:
    """0 -> 1 -> 0 over u in [0, 1] (a sine arch), zero outside."""
    return np.where((u > 0) & (u < 1), np.sin(np.pi * np.clip(u, 0, 1)), 0.0)


def _shoulder(b) -> tuple[float, float]:
    return float(abs(b.offsets[13, 0] + b.offsets[16, 0])), b.shoulder_height


# ----------------------------------------------------------------------------- jumps and hops

def _jump_profile(n_prep: int, n_air: int, n_land: int, height: float, dip: float) -> tuple[np.ndarray, np.ndarray]:
    """Crouch and airborne height of one jump: dip, spring up, a ballistic arc, absorb the landing."""
    n = n_prep + n_air + n_land
    t = np.arange(n, dtype=float)
    crouch = dip * _bump(t / max(n_prep, 1))   # down and back up: the legs are straight at take-off
    crouch += 0.8 * dip * _bump((t - n_prep - n_air) / max(n_land, 1)) * (t >= n_prep + n_air)
    u = (t - n_prep) / n_air
    air = np.where((u > 0) & (u < 1), 4.0 * height * u * (1 - u), 0.0)
    return crouch, air


def _flight_frames(height: float) -> int:
    return max(6, round(2.0 * np.sqrt(2.0 * height / GRAVITY) * FPS))


def _jumps(sc: Scene, spec: SoloSpec, p: int, count: int, height: float, travel=(0.0, 0.0),
           arms: str = "swing") -> None:
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    n_prep, n_air, n_land = frames(0.35 * k), _flight_frames(height), frames(0.3 * k)
    per = n_prep + n_air + n_land
    a = sc.cursor[p]
    total = per * count + frames(0.2)
    for _i in range(count):
        # Ground track: still while crouching and landing, moving in the air.
        sc.wait(p, n_prep / FPS)
        if any(travel):
            u = smoothstep(np.linspace(0, 1, n_air + 2)[1:-1])
            start = sc.xz(p)
            step = sc.point(p, slice(sc.cursor[p] - 1, sc.cursor[p]), (travel[0], 0.0, travel[1]))[0, [0, 2]] - start
            sl = sc.append(p, start + step * u[:, None], np.full(n_air, sc.heading(p)))
            c.carry[sl.start:sl.stop + 1] = True
        else:
            sc.wait(p, n_air / FPS)
        sc.wait(p, n_land / FPS)
    sc.hold(p, a + total)
    sl = slice(a, a + total)
    crouch, air = _jump_profile(n_prep, n_air, n_land, height, 0.12 * b.leg)
    crouch, air = np.tile(crouch, count), np.tile(air, count)
    c.crouch[a:a + len(crouch)] += crouch
    c.air[a:a + len(air)] += air
    c.lock[sl] = True
    c.bow[a:a + len(crouch)] += 1.2 * crouch / b.leg
    if arms == "swing":
        # Arms back while dipping, up and forward in the air.
        dip = np.pad(crouch, (0, total - len(crouch)))[:total] / (0.12 * b.leg)
        lift = np.pad(air, (0, total - len(air)))[:total] / height
        sx, sh = _shoulder(b)
        for s in (0, 1):
            rest = np.array([sign(s) * (sx + 0.1), sh - 0.85 * b.arm, 0.05])
            back = np.array([sign(s) * (sx + 0.05), sh - 0.8 * b.arm, -0.3 * b.scale])
            up = np.array([sign(s) * (sx + 0.05), sh + 0.3 * b.arm, 0.35 * b.scale])
            local = rest + (back - rest) * dip[:, None] + (up - rest) * lift[:, None]
            sc.set_hand(p, s, a, _at(sc, p, sl, local), _hold_w(total, 3, 4), pole=(0.3, -1.0, -0.4))


def build_jump_in_place(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    _jumps(sc, spec, p, int(spec.options.get("count", 1)), float(spec.options.get("height", 0.22)) * b.scale)


def build_jump_direction(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    dist = float(spec.options.get("distance", 0.6)) * b.scale
    gx, gz = GROUND[spec.options.get("direction", "forward")]
    _jumps(sc, spec, p, int(spec.options.get("count", 1)), float(spec.options.get("height", 0.2)) * b.scale,
           travel=(gx * dist, gz * dist))


def build_jumping_jacks(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    count = int(spec.options.get("count", 4))
    height = 0.09 * b.scale
    n_air, n_ground = _flight_frames(height), frames(0.22 * k)
    per = 2 * (n_air + n_ground)           # one jack: jump out, land, jump in, land
    lead = frames(0.25)
    n = lead + per * count + frames(0.3)
    sl = _span(sc, p, n)
    t = np.arange(n) - lead
    half = per // 2
    u_air = (t % half) / n_air
    air = np.where((t >= 0) & (t < per * count) & (u_air < 1), 4 * height * u_air * (1 - u_air), 0.0)
    # 0 feet together / arms down, 1 feet apart / arms up; changes while in the air.
    going_out = (t // half) % 2 == 0
    out_phase = np.where(t < 0, 0.0, np.where(going_out, smoothstep(u_air), 1 - smoothstep(u_air)))
    out_phase[t >= per * count] = 0.0
    c.air[sl] += air
    c.lock[sl] = True
    c.crouch[sl] += 0.03 * b.scale * (air < 1e-6) * (t >= 0) * (t < per * count)
    spread = 0.17 * b.scale
    for f in (0, 1):
        c.foot_raise[f, sl, 0] += sign(f) * spread * out_phase
    sx, sh = _shoulder(b)
    for s in (0, 1):
        down = np.array([sign(s) * (sx + 0.12), sh - 0.9 * b.arm, 0.0])
        up = np.array([sign(s) * (sx + 0.1), sh + 0.9 * b.arm, 0.0])
        local = down + (up - down) * out_phase[:, None]
        sc.set_hand(p, s, sl.start, _at(sc, p, sl, local), _hold_w(n, lead, 4), pole=(1.0, -0.2, -0.2))


def build_hop_on_one_foot(sc: Scene, p: int, spec: SoloSpec) -> None:
    """Hop on the ``side`` foot, the other foot held up behind."""
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    stand = spec.side_index
    up = 1 - stand
    count = int(spec.options.get("count", 3))
    height = 0.08 * b.scale
    n_air, n_ground = _flight_frames(height), frames(0.2 * k)
    rise, fall = frames(0.4 * k), frames(0.4 * k)
    n = rise + count * (n_air + n_ground) + fall + 1
    sl = _span(sc, p, n)
    w = _hold_w(n, rise, fall)
    c.foot_raise[up, sl] += np.array([0.0, 0.28 * b.scale, -0.12 * b.scale]) * w[:, None]
    c.hip_shift[sl, 0] += sign(stand) * 0.06 * b.scale * w
    c.lean[sl] -= sign(stand) * 0.05 * w
    t = np.arange(n) - rise
    per = n_air + n_ground
    u = (t % per - n_ground) / n_air
    c.air[sl] += np.where((t >= 0) & (t < count * per) & (u > 0) & (u < 1), 4 * height * u * (1 - u), 0.0)
    c.lock[sl] = True
    sx, sh = _shoulder(b)
    _hands(sc, p, sl, {s: (sign(s) * (sx + 0.35 * b.scale), sh - 0.35 * b.arm, 0.1) for s in (0, 1)}, w,
           pole=(1.0, -1.0, -0.2))


# ----------------------------------------------------------------------------- turning and travelling

def _turn(sc: Scene, p: int, angle: float, seconds: float) -> slice:
    n = frames(seconds)
    h0 = sc.heading(p)
    head = h0 + angle * smoothstep(np.linspace(0, 1, n))
    return sc.append(p, np.repeat(sc.xz(p)[None], n, 0), head)


def build_spin(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    turns = float(spec.options.get("turns", 1.0))
    d = 1.0 if spec.options.get("direction", "left") == "left" else -1.0
    sl = _turn(sc, p, d * 2 * np.pi * turns, 1.7 * turns * _k(spec))
    sc.ctl[p].cadence = 1.4
    sx, sh = _shoulder(b)
    n = sl.stop - sl.start
    _hands(sc, p, sl, {s: (sign(s) * (sx + 0.75 * b.arm), sh - 0.1, 0.0) for s in (0, 1)}, _hold_w(n, 6, 6),
           pole=(0.0, -1.0, -1.0))
    sc.wait(p, 0.3)


def build_turn_around(sc: Scene, p: int, spec: SoloSpec) -> None:
    d = 1.0 if spec.options.get("direction", "left") == "left" else -1.0
    _turn(sc, p, d * np.pi, 1.1 * _k(spec))
    sc.wait(p, 0.3)


def build_walk(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    direction = spec.options.get("direction", "forward")
    dist = float(spec.options.get("distance", 2.0))
    gx, gz = GROUND[direction]
    goal = sc.point(p, slice(sc.cursor[p] - 1, sc.cursor[p]), (gx * dist, 0.0, gz * dist))[0, [0, 2]]
    speed = WALK_SPEED[spec.speed] * (0.6 if direction == "backward" else 1.0)
    sc.walk_to(p, goal, speed, facing=None if direction == "forward" else sc.heading(p))
    sc.wait(p, 0.3)
    del b


def build_run(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    dist = float(spec.options.get("distance", 4.0))
    goal = sc.point(p, slice(sc.cursor[p] - 1, sc.cursor[p]), (0.0, 0.0, dist))[0, [0, 2]]
    c = sc.ctl[p]
    c.cadence = 1.8      # the planner's steps keep up with the pelvis up to about 2.5 m/s
    c.arm_swing = 1.6
    speed = {"slowly": 1.7, "normal": 2.1, "quickly": 2.5}[spec.speed] * b.scale
    a = sc.cursor[p]
    n = sc.walk_to(p, goal, speed)
    sl = slice(a, a + n)
    w = _hold_w(n, frames(0.4), frames(0.4))
    c.bow[sl] += 0.2 * w
    c.crouch[sl] += 0.04 * b.scale * w
    sc.wait(p, 0.4)


def build_sidestep(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    steps = int(spec.options.get("count", 3))
    gx, _ = GROUND[spec.options.get("direction", "left")]
    goal = sc.point(p, slice(sc.cursor[p] - 1, sc.cursor[p]), (gx * 0.32 * b.scale * steps, 0.0, 0.0))[0, [0, 2]]
    sc.walk_to(p, goal, 0.6 / _k(spec), facing=sc.heading(p))
    sc.wait(p, 0.3)


def build_grapevine(sc: Scene, p: int, spec: SoloSpec) -> None:
    """Travel sideways with the hips twisting and the arms out, a dance step."""
    b = sc.bodies[p]
    gx, _ = GROUND[spec.options.get("direction", "left")]
    a = sc.cursor[p]
    goal = sc.point(p, slice(a - 1, a), (gx * 1.2 * b.scale, 0.0, 0.0))[0, [0, 2]]
    c = sc.ctl[p]
    c.cadence = 1.3
    n = sc.walk_to(p, goal, 0.7 / _k(spec), facing=sc.heading(p))
    sl = slice(a, a + n)
    w = _hold_w(n, 5, 5)
    t = np.arange(n)
    c.twist[sl] += 0.35 * np.sin(2 * np.pi * t / frames(0.9 * _k(spec))) * w
    c.crouch[sl] += 0.03 * b.scale * w
    sx, sh = _shoulder(b)
    _hands(sc, p, sl, {s: (sign(s) * (sx + 0.5 * b.arm), sh - 0.15, 0.15) for s in (0, 1)}, w, pole=(0.3, -1.0, -0.6))
    sc.wait(p, 0.3)


# ----------------------------------------------------------------------------- legs and posture

def build_squat(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    count = int(spec.options.get("count", 2))
    depth = float(spec.options.get("depth", 0.38)) * b.leg
    down, hold, up = frames(0.7 * k), frames(0.25), frames(0.7 * k)
    per = down + hold + up
    n = per * count + frames(0.3)
    sl = _span(sc, p, n)
    w = np.zeros(n)
    for i in range(count):
        w[i * per:(i + 1) * per] = np.maximum(w[i * per:(i + 1) * per], weights(down, hold, up - 1))
    c.crouch[sl] += depth * w
    c.bow[sl] += 0.55 * w
    c.hip_shift[sl, 1] -= 0.1 * b.scale * w
    c.lock[sl] = True
    sx, sh = _shoulder(b)
    arms = _hold_w(n, frames(0.4), frames(0.4))
    _hands(sc, p, sl, {s: (sign(s) * sx * 0.8, sh - 0.05, 0.9 * b.arm) for s in (0, 1)}, arms, pole=(0.3, -1.0, 0.0))


def build_crouch(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    down, hold, up = frames(0.7 * k), frames(float(spec.options.get("hold", 1.5))), frames(0.8 * k)
    sl = _span(sc, p, down + hold + up + 1 + frames(0.2))
    w = np.pad(weights(down, hold, up), (0, frames(0.2)))
    c.crouch[sl] += 0.42 * b.leg * w
    c.bow[sl] += 0.75 * w
    c.hip_shift[sl, 1] -= 0.12 * b.scale * w
    c.lock[sl] = True
    # Hands rest on the knees.
    _hands(sc, p, sl, {s: (sign(s) * 0.14 * b.scale, 0.5 * b.leg + 0.05, 0.3 * b.scale) for s in (0, 1)}, w,
           pole=(0.8, -0.2, -0.6))


def build_lunge(sc: Scene, p: int, spec: SoloSpec) -> None:
    """Step forward with the ``side`` leg into a lunge and back, ``count`` times."""
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    f = spec.side_index
    count = int(spec.options.get("count", 1))
    step, down, hold, up, back = frames(0.45 * k), frames(0.5 * k), frames(0.35), frames(0.5 * k), frames(0.45 * k)
    per = step + down + hold + up + back
    n = per * count + frames(0.3)
    sl = _span(sc, p, n)
    t = np.arange(n)
    reach = np.zeros(n)
    low = np.zeros(n)
    lift = np.zeros(n)
    for i in range(count):
        u = t - i * per
        reach += smoothstep(u / step) * (1 - smoothstep((u - step - down - hold - up) / back)) * (u >= 0) * (u < per)
        low += smoothstep((u - step) / down) * (1 - smoothstep((u - step - down - hold) / up)) * (u >= 0) * (u < per)
        lift += 0.07 * b.scale * (_bump(u / step) + _bump((u - step - down - hold - up) / back))
    c.foot_raise[f, sl] += np.stack([np.zeros(n), lift, 0.55 * b.scale * reach], axis=-1)
    c.foot_raise[1 - f, sl, 1] += 0.0
    c.hip_shift[sl, 1] += 0.22 * b.scale * reach
    c.crouch[sl] += 0.3 * b.leg * low
    c.bow[sl] -= 0.1 * low
    c.lock[sl] = True
    _hands(sc, p, sl, {s: (sign(s) * 0.2 * b.scale, b.stand_pelvis_height + 0.06, 0.02) for s in (0, 1)},
           _hold_w(n, 6, 6), pole=(1.0, 0.0, -0.3))


def build_kneel(sc: Scene, p: int, spec: SoloSpec) -> None:
    """Kneel down on the ``side`` knee, stay a moment, and stand up again."""
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    knee = spec.side_index
    front = 1 - knee
    down, hold, up = frames(1.0 * k), frames(float(spec.options.get("hold", 1.2))), frames(1.0 * k)
    n = down + hold + up + 1 + frames(0.3)
    sl = _span(sc, p, n)
    w = np.pad(weights(down, hold, up), (0, frames(0.3)))
    step = np.pad(weights(down // 2, hold + down - down // 2 + up // 2, up - up // 2), (0, frames(0.3)))[:n]
    t = np.arange(n)
    lift = 0.06 * b.scale * (_bump(t / (down // 2)) + _bump((t - down - hold - up // 2) / (up - up // 2)))
    c.foot_raise[front, sl] += np.stack([np.zeros(n), lift, 0.42 * b.scale * step], axis=-1)
    c.foot_raise[knee, sl] += np.stack([np.zeros(n), lift + 0.04 * b.scale * w, -0.22 * b.scale * step], axis=-1)
    kneel_height = b.shin + 0.4 * b.ankle_height + 0.025 * b.scale   # the knee just above the floor
    c.crouch[sl] += (b.stand_pelvis_height - kneel_height) * w
    c.hip_shift[sl, 1] += 0.02 * b.scale * w
    c.bow[sl] += 0.1 * w
    c.lock[sl] = True
    # The hand on the front knee.
    sc.set_hand(p, front, sl.start, _at(sc, p, sl, (sign(front) * 0.12, b.stand_pelvis_height - 0.05, 0.35 * b.scale)),
                0.8 * w, pole=(0.8, -0.2, -0.6))


def build_touch_toes(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    down, hold, up = frames(1.0 * k), frames(float(spec.options.get("hold", 0.8))), frames(1.0 * k)
    n = down + hold + up + 1 + frames(0.2)
    sl = _span(sc, p, n)
    w = np.pad(weights(down, hold, up), (0, frames(0.2)))
    c.bow[sl] += 2.0 * w
    c.hip_shift[sl, 1] -= 0.2 * b.scale * w
    c.crouch[sl] += 0.15 * b.scale * w   # knees soft, as most people do
    c.lock[sl] = True
    toes = {s: sc.point(p, sl, (sign(s) * 0.1 * b.scale, 0.1 * b.scale, 0.16 * b.scale)) for s in (0, 1)}
    for s in (0, 1):
        sc.set_hand(p, s, sl.start, toes[s], w, pole=(0.3, 0.0, 1.0))


def build_pick_up(sc: Scene, p: int, spec: SoloSpec) -> None:
    """Bend down, pick something up from the floor with the ``side`` hand, stand up holding it."""
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    s = spec.side_index
    down, grab, up, show = frames(0.9 * k), frames(0.3), frames(0.9 * k), frames(0.8)
    n = down + grab + up + show + frames(0.4)
    sl = _span(sc, p, n)
    bend = np.pad(weights(down, grab, up), (0, n - (down + grab + up + 1)))[:n]
    c.bow[sl] += 1.5 * bend
    c.crouch[sl] += 0.48 * b.leg * bend
    c.hip_shift[sl, 1] -= 0.1 * b.scale * bend
    c.lock[sl] = True
    t = np.arange(n)
    floor = sc.point(p, sl, (sign(s) * 0.12 * b.scale, 0.08, 0.38 * b.scale))
    chest = _at(sc, p, sl, (sign(s) * 0.1, b.chest_height - 0.1, 0.3 * b.scale))
    u = smoothstep((t - down - grab) / up)[:, None]
    sc.set_hand(p, s, sl.start, floor * (1 - u) + chest * u, _hold_w(n, down // 2, frames(0.4)), pole=(0.5, -1.0, -0.2))
    c.look[sl] = floor * (1 - u) + _at(sc, p, sl, (0.0, b.chest_height - 0.2, 0.4)) * u
    c.look_w[sl] = np.maximum(c.look_w[sl], 0.8 * _hold_w(n, 5, 5))


def build_stomp(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    f = spec.side_index
    count = int(spec.options.get("count", 2))
    lift, slam, rest = frames(0.45 * k), frames(0.1), frames(0.35 * k)
    per = lift + slam + rest
    n = per * count + frames(0.3)
    sl = _span(sc, p, n)
    t = np.arange(n)
    u = t % per
    height = np.where(u < lift, smoothstep(u / lift), np.where(u < lift + slam, 1 - (u - lift) / slam, 0.0))
    height[t >= per * count] = 0.0
    c.foot_raise[f, sl] += np.stack([np.zeros(n), 0.26 * b.scale * height, 0.08 * b.scale * height], axis=-1)
    c.hip_shift[sl, 0] -= sign(f) * 0.05 * b.scale * _hold_w(n, 5, 5)
    c.bow[sl] += 0.1 * height
    c.lock[sl] = True
    sx, _sh = _shoulder(b)
    _hands(sc, p, sl, {s: (sign(s) * (sx + 0.1), b.stand_pelvis_height + 0.1, 0.2) for s in (0, 1)},
           _hold_w(n, 6, 6), pole=(0.8, -1.0, -0.3))


def build_march(sc: Scene, p: int, spec: SoloSpec) -> None:
    """March (knees high, arms swinging) or jog (``jog`` option: quicker, lower, bouncing) in place."""
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    jog = bool(spec.options.get("jog", False))
    steps = int(spec.options.get("count", 6))
    per = frames((0.32 if jog else 0.55) * k)
    lead = frames(0.2)
    n = lead + steps * per + frames(0.3)
    sl = _span(sc, p, n)
    t = np.arange(n) - lead
    raise_h = (0.17 if jog else 0.26) * b.scale
    for f in (0, 1):
        own = ((t // per) % 2 == f) & (t >= 0) & (t < steps * per)
        u = (t % per) / per
        h = np.where(own, _bump(u), 0.0)
        back = -0.12 * b.scale if jog else 0.1 * b.scale     # jogging kicks the heels back
        c.foot_raise[f, sl] += np.stack([np.zeros(n), raise_h * h, back * h], axis=-1)
        c.hip_shift[sl, 0] -= sign(f) * 0.03 * b.scale * h
    c.lock[sl] = True
    if jog:
        c.crouch[sl] += 0.03 * b.scale * np.abs(np.sin(np.pi * np.clip(t, 0, None) / per)) * _hold_w(n, lead, 5)
    sx, sh = _shoulder(b)
    w = _hold_w(n, lead, 6)
    for s in (0, 1):
        # Arms swing with the opposite leg: forward while the other foot is up.
        phase = np.sin(np.pi * np.clip(t, 0, None) / per + (0 if s == 1 else np.pi)) * (t >= 0)
        elbow = 0.35 if jog else 0.1
        local = np.stack([np.full(n, sign(s) * (sx + 0.05)), sh - (0.8 - elbow) * b.arm + 0.1 * np.abs(phase),
                          0.25 * b.scale * phase + elbow * 0.4], axis=-1)
        sc.set_hand(p, s, sl.start, _at(sc, p, sl, local), w, pole=(0.2, -1.0, -1.0))


def build_balance(sc: Scene, p: int, spec: SoloSpec) -> None:
    """Stand on the ``side`` leg with the other knee raised, arms out for balance."""
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    stand = spec.side_index
    rise, hold, fall = frames(0.6 * k), frames(float(spec.options.get("hold", 2.0))), frames(0.6 * k)
    n = rise + hold + fall + 1 + frames(0.2)
    sl = _span(sc, p, n)
    w = np.pad(weights(rise, hold, fall), (0, frames(0.2)))
    c.foot_raise[1 - stand, sl] += np.array([0.0, 0.32 * b.scale, 0.18 * b.scale]) * w[:, None]
    c.hip_shift[sl, 0] += sign(stand) * 0.07 * b.scale * w
    wobble = 0.04 * np.sin(np.arange(n) / FPS * 2 * np.pi * 0.8)
    c.lean[sl] += wobble * w
    c.lock[sl] = True
    sx, sh = _shoulder(b)
    _hands(sc, p, sl, {s: (sign(s) * (sx + 0.85 * b.arm), sh - 0.1, 0.05) for s in (0, 1)}, w, pole=(0.0, -1.0, -1.0))


# ----------------------------------------------------------------------------- arms

def build_clap(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    k = _k(spec)
    count = int(spec.options.get("count", 3))
    overhead = spec.options.get("where", "in front") == "overhead"
    rise, per, fall = frames(0.4 * k), frames(0.4 * k), frames(0.4 * k)
    n = rise + count * per + fall + 1
    sl = _span(sc, p, n)
    t = np.arange(n) - rise
    opened = np.where((t >= 0) & (t < count * per), 0.5 - 0.5 * np.cos(2 * np.pi * np.clip(t, 0, None) / per), 1.0)
    _sx, _sh = _shoulder(b)
    height = b.head_height + 0.3 * b.scale if overhead else b.chest_height - 0.05
    fwd = 0.12 * b.scale if overhead else 0.38 * b.scale
    w = _hold_w(n, rise, fall)
    for s in (0, 1):
        x = sign(s) * (0.025 + 0.16 * b.scale * opened)
        local = np.stack([x, np.full(n, height), np.full(n, fwd)], axis=-1)
        sc.set_hand(p, s, sl.start, _at(sc, p, sl, local), w, pole=(1.0, -1.0 if not overhead else 0.0, -0.2))


def build_arm_circles(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    k = _k(spec)
    count = int(spec.options.get("count", 4))
    d = 1.0 if spec.options.get("direction", "forward") == "forward" else -1.0
    rise, per, fall = frames(0.5 * k), frames(0.6 * k), frames(0.5 * k)
    n = rise + count * per + fall + 1
    sl = _span(sc, p, n)
    theta = 2 * np.pi * np.clip(np.arange(n) - rise, 0, count * per) / per
    sx, sh = _shoulder(b)
    r = 0.18 * b.scale
    for s in (0, 1):
        local = np.stack([np.full(n, sign(s) * (sx + 0.85 * b.arm)), sh + r * np.cos(theta) - r * 0.0,
                          d * r * np.sin(theta)], axis=-1)
        sc.set_hand(p, s, sl.start, _at(sc, p, sl, local), _hold_w(n, rise, fall), pole=(0.0, -1.0, -1.0))


def build_stretch_up(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    rise, hold, fall = frames(0.8 * k), frames(float(spec.options.get("hold", 1.2))), frames(0.8 * k)
    n = rise + hold + fall + 1
    sl = _span(sc, p, n)
    w = weights(rise, hold, fall)
    _sx, sh = _shoulder(b)
    _hands(sc, p, sl, {s: (sign(s) * 0.12 * b.scale, sh + 0.98 * b.arm, 0.02) for s in (0, 1)}, w,
           pole=(1.0, 0.0, -0.3))
    c.bow[sl] -= 0.12 * w
    c.look[sl] = _at(sc, p, sl, (0.0, b.head_height + 1.0, 0.8))
    c.look_w[sl] = np.maximum(c.look_w[sl], 0.6 * w)


def build_side_stretch(sc: Scene, p: int, spec: SoloSpec) -> None:
    """Lean to the ``side`` with the opposite arm arched overhead."""
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    s = spec.side_index
    rise, hold, fall = frames(0.9 * k), frames(float(spec.options.get("hold", 1.0))), frames(0.9 * k)
    n = rise + hold + fall + 1
    sl = _span(sc, p, n)
    w = weights(rise, hold, fall)
    c.lean[sl] += sign(s) * 0.55 * w
    c.hip_shift[sl, 0] -= sign(s) * 0.05 * b.scale * w
    o = 1 - s
    sx, sh = _shoulder(b)
    sc.set_hand(p, o, sl.start, _at(sc, p, sl, (sign(s) * 0.1, sh + 0.85 * b.arm, 0.0)), w, pole=(1.0, 0.3, 0.0))
    sc.set_hand(p, s, sl.start, _at(sc, p, sl, (sign(s) * (sx + 0.1), b.stand_pelvis_height - 0.1, 0.0)), w,
                pole=(1.0, 0.0, -0.3))


def build_cheer(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    count = int(spec.options.get("count", 3))
    rise, per, fall = frames(0.35 * k), frames(0.45 * k), frames(0.5 * k)
    n = rise + count * per + fall + 1
    sl = _span(sc, p, n)
    t = np.clip(np.arange(n) - rise, 0, count * per)
    pump = 0.1 * b.scale * np.sin(2 * np.pi * t / per)
    sx, sh = _shoulder(b)
    w = _hold_w(n, rise, fall)
    for s in (0, 1):
        local = np.stack([np.full(n, sign(s) * (sx + 0.3 * b.arm)), sh + 0.85 * b.arm + pump - 0.1 * b.scale,
                          np.full(n, 0.1)], axis=-1)
        sc.set_hand(p, s, sl.start, _at(sc, p, sl, local), w, pole=(1.0, 0.0, -0.3))
    c.bow[sl] -= 0.15 * w
    c.crouch[sl] += 0.02 * b.scale * np.abs(np.sin(2 * np.pi * t / per)) * w


def build_fist_pump(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    k = _k(spec)
    s = spec.side_index
    count = int(spec.options.get("count", 2))
    rise, per, fall = frames(0.3 * k), frames(0.4 * k), frames(0.4 * k)
    n = rise + count * per + fall + 1
    sl = _span(sc, p, n)
    t = np.clip(np.arange(n) - rise, 0, count * per)
    pump = 0.5 + 0.5 * np.cos(2 * np.pi * t / per)   # 1 up, 0 down at the shoulder
    sx, sh = _shoulder(b)
    local = np.stack([np.full(n, sign(s) * (sx + 0.05)), sh + 0.1 + 0.55 * b.arm * pump, np.full(n, 0.18)], axis=-1)
    sc.set_hand(p, s, sl.start, _at(sc, p, sl, local), _hold_w(n, rise, fall), pole=(1.0, -1.0, 0.0))
    sc.ctl[p].twist[sl] += -sign(s) * 0.1 * _hold_w(n, rise, fall)


def build_shadow_box(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    lead = spec.side_index
    punches = int(spec.options.get("count", 4))
    settle, gap = frames(0.4), frames(0.38 * k)
    n = settle + punches * gap + frames(0.6)
    sl = _span(sc, p, n)
    t = np.arange(n)
    guard_w = _hold_w(n, frames(0.3), frames(0.3))
    c.crouch[sl] += (0.05 + 0.02 * np.sin(2 * np.pi * 1.8 * t / FPS)) * b.scale * guard_w
    c.bow[sl] += 0.12 * guard_w
    _sx, sh = _shoulder(b)
    ext = {0: np.zeros(n), 1: np.zeros(n)}
    for i in range(punches):
        s = (lead + i) % 2
        ext[s] += _bump((t - settle - i * gap) / (0.8 * gap))
    for s in (0, 1):
        e = np.clip(ext[s], 0, 1)[:, None]
        guard = np.array([sign(s) * 0.1 * b.scale, sh - 0.02, 0.24 * b.scale])
        jab = np.array([sign(s) * 0.03, sh, 0.92 * b.arm])
        sc.set_hand(p, s, sl.start, _at(sc, p, sl, guard + (jab - guard) * e), guard_w, pole=(0.8, -1.0, -0.3))
        c.twist[sl] += -sign(s) * 0.3 * e[:, 0]


def build_throw(sc: Scene, p: int, spec: SoloSpec) -> None:
    """An overhand throw with the ``side`` arm: wind up behind the head, throw forward, follow through."""
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    s = spec.side_index
    wind, throw, follow, back = frames(0.6 * k), frames(0.18), frames(0.3), frames(0.5 * k)
    n = wind + throw + follow + back + frames(0.3)
    sl = _span(sc, p, n)
    t = np.arange(n)
    u_w = smoothstep(t / wind)
    u_t = smoothstep((t - wind) / throw)
    u_f = smoothstep((t - wind - throw) / follow)
    sx, sh = _shoulder(b)
    rest = np.array([sign(s) * (sx + 0.05), sh - 0.8 * b.arm, 0.1])
    cocked = np.array([sign(s) * (sx + 0.15), sh + 0.35 * b.scale, -0.3 * b.scale])
    release = np.array([sign(s) * sx * 0.6, sh + 0.2 * b.scale, 0.75 * b.arm])
    finish = np.array([-sign(s) * 0.15, b.stand_pelvis_height + 0.1, 0.45 * b.scale])
    path = rest + (cocked - rest) * u_w[:, None]
    path = path + (release - cocked) * u_t[:, None] + (finish - release) * u_f[:, None]
    w = _hold_w(n, 3, back)
    sc.set_hand(p, s, sl.start, _at(sc, p, sl, path), w, pole=(1.0, -0.3, -0.6))
    other = np.array([-sign(s) * 0.0 + sign(1 - s) * (sx + 0.2), sh - 0.1, 0.4 * b.scale])
    sc.set_hand(p, 1 - s, sl.start, _at(sc, p, sl, other), 0.7 * w, pole=(0.5, -1.0, -0.3))
    twist = sign(s) * 0.5 * u_w - sign(s) * 0.9 * u_t
    c.twist[sl] += twist * w
    c.bow[sl] += (-0.15 * u_w + 0.45 * u_t) * w
    c.hip_shift[sl, 1] += (-0.05 * u_w + 0.12 * u_t) * b.scale * w
    c.look[sl] = _at(sc, p, sl, (0.0, b.head_height, 4.0))
    c.look_w[sl] = np.maximum(c.look_w[sl], w)


def build_catch(sc: Scene, p: int, spec: SoloSpec) -> None:
    """Reach out with both hands, catch something (high or low) and pull it to the chest."""
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    high = spec.options.get("height", "chest") == "high"
    reach_t, wait, pull, hold, fall = frames(0.4 * k), frames(0.4), frames(0.35 * k), frames(0.5), frames(0.4 * k)
    n = reach_t + wait + pull + hold + fall + 1
    sl = _span(sc, p, n)
    t = np.arange(n)
    u = smoothstep((t - reach_t - wait) / pull)[:, None]
    _sx, sh = _shoulder(b)
    y = sh + 0.35 * b.scale if high else b.chest_height - 0.05
    w = _hold_w(n, reach_t, fall)
    for s in (0, 1):
        out = np.array([sign(s) * 0.12 * b.scale, y, 0.85 * b.arm])
        chest = np.array([sign(s) * 0.08 * b.scale, b.chest_height - 0.08, 0.25 * b.scale])
        sc.set_hand(p, s, sl.start, _at(sc, p, sl, out + (chest - out) * u), w, pole=(1.0, -1.0, -0.2))
    c.bow[sl] += (0.1 - 0.15 * u[:, 0]) * w
    c.crouch[sl] += 0.03 * b.scale * _bump((t - reach_t - wait) / (pull + hold))
    c.hip_shift[sl, 1] -= 0.05 * b.scale * u[:, 0] * w


def build_salute(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    s = spec.side_index
    rise, hold, fall = frames(0.45 * k), frames(float(spec.options.get("hold", 1.0))), frames(0.45 * k)
    n = rise + hold + fall + 1
    sl = _span(sc, p, n)
    w = weights(rise, hold, fall)
    brow = (sign(s) * 0.06 * b.scale, b.head_height + 0.06 * b.scale, 0.1 * b.scale)
    sc.set_hand(p, s, sl.start, _at(sc, p, sl, brow), w, pole=(1.0, 0.2, 0.1))
    c.bow[sl] -= 0.06 * w


def build_shrug(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    count = int(spec.options.get("count", 1))
    rise, hold, fall = frames(0.35 * k), frames(0.4), frames(0.4 * k)
    per = rise + hold + fall + 1
    n = per * count + frames(0.3)
    sl = _span(sc, p, n)
    w = np.zeros(n)
    for i in range(count):
        w[i * per:(i + 1) * per] = np.maximum(w[i * per:(i + 1) * per], weights(rise, hold, fall))
    for s in (0, 1):
        c.shrug[s, sl] += 0.32 * w
    arms = _hold_w(n, rise, fall)
    _hands(sc, p, sl, {s: (sign(s) * 0.38 * b.scale, b.stand_pelvis_height + 0.12, 0.25 * b.scale) for s in (0, 1)},
           arms, pole=(1.0, -1.0, -0.3))
    c.look[sl] = _at(sc, p, sl, (0.0, b.head_height + 0.2, 2.0))
    c.look_w[sl] = np.maximum(c.look_w[sl], 0.5 * w)


def build_cross_arms(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    k = _k(spec)
    rise, hold, fall = frames(0.6 * k), frames(float(spec.options.get("hold", 1.8))), frames(0.6 * k)
    n = rise + hold + fall + 1
    sl = _span(sc, p, n)
    w = weights(rise, hold, fall)
    # Each hand tucks in at the other arm's elbow, one forearm over the other.
    _hands(sc, p, sl, {s: (-sign(s) * 0.16 * b.scale, b.chest_height - 0.12 + (0.03 if s == 0 else -0.02),
                           0.2 * b.scale + (0.03 if s == 0 else 0.0)) for s in (0, 1)}, w, pole=(0.3, -1.0, 0.2))


def build_hands_on_hips(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    k = _k(spec)
    rise, hold, fall = frames(0.5 * k), frames(float(spec.options.get("hold", 1.8))), frames(0.5 * k)
    n = rise + hold + fall + 1
    sl = _span(sc, p, n)
    w = weights(rise, hold, fall)
    hip_x = abs(float(b.offsets[1, 0])) + 0.07 * b.scale
    _hands(sc, p, sl, {s: (sign(s) * hip_x, b.stand_pelvis_height + 0.04, 0.02) for s in (0, 1)}, w,
           pole=(1.0, 0.0, -0.1))


# ----------------------------------------------------------------------------- head

def _gaze(sc: Scene, p: int, sl: slice, local: np.ndarray, w: np.ndarray) -> None:
    c = sc.ctl[p]
    c.look[sl] = _at(sc, p, sl, local)
    c.look_w[sl] = np.maximum(c.look_w[sl], w)


def build_look_around(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    first = 1.0 if spec.options.get("first", "left") == "left" else -1.0
    seg = frames(0.9 * k)
    n = 4 * seg + frames(0.3)
    sl = _span(sc, p, n)
    t = np.arange(n)
    # Centre -> one side -> the other side -> centre, each look held briefly.
    keys = np.array([0.0, first, -first, 0.0, 0.0])
    u = np.clip(t / seg, 0, 4)
    i = np.minimum(u.astype(int), 3)
    angle = 1.15 * (keys[i] + (keys[i + 1] - keys[i]) * smoothstep(np.clip((u - i) * 1.6, 0, 1)))
    local = np.stack([3.0 * np.sin(angle), np.full(n, b.head_height), 3.0 * np.cos(angle)], axis=-1)
    w = _hold_w(n, 4, 4)
    _gaze(sc, p, sl, local, w)
    c.twist[sl] += 0.35 * angle * w


def build_nod(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    k = _k(spec)
    count = int(spec.options.get("count", 2))
    per = frames(0.5 * k)
    n = count * per + frames(0.5)
    sl = _span(sc, p, n)
    t = np.clip(np.arange(n) - frames(0.1), 0, count * per)
    down = 0.5 - 0.5 * np.cos(2 * np.pi * t / per)
    local = np.stack([np.zeros(n), b.head_height - 1.4 * down, np.full(n, 2.0)], axis=-1)
    _gaze(sc, p, sl, local, _hold_w(n, 3, 3))


def build_shake_head(sc: Scene, p: int, spec: SoloSpec) -> None:
    b = sc.bodies[p]
    k = _k(spec)
    count = int(spec.options.get("count", 3))
    per = frames(0.45 * k)
    n = count * per + frames(0.5)
    sl = _span(sc, p, n)
    t = np.clip(np.arange(n) - frames(0.1), 0, count * per)
    side = np.sin(2 * np.pi * t / per)
    local = np.stack([1.5 * side, np.full(n, b.head_height), np.full(n, 2.0)], axis=-1)
    _gaze(sc, p, sl, local, _hold_w(n, 3, 3))


# ----------------------------------------------------------------------------- dance

def build_sway(sc: Scene, p: int, spec: SoloSpec) -> None:
    """Sway the hips side to side with the arms loosely raised, a simple dance."""
    b = sc.bodies[p]
    k = _k(spec)
    c = sc.ctl[p]
    count = int(spec.options.get("count", 3))
    per = frames(1.0 * k)
    n = count * per + frames(0.6)
    sl = _span(sc, p, n)
    t = np.arange(n) - frames(0.3)
    w = _hold_w(n, frames(0.3), frames(0.3))
    phase = np.sin(2 * np.pi * np.clip(t, 0, count * per) / per)
    c.hip_shift[sl, 0] += 0.07 * b.scale * phase * w
    c.lean[sl] -= 0.12 * phase * w
    c.crouch[sl] += 0.03 * b.scale * np.abs(phase) * w
    c.lock[sl] = True
    sx, sh = _shoulder(b)
    for s in (0, 1):
        local = np.stack([np.full(n, sign(s) * (sx + 0.25)), sh - 0.1 + 0.15 * b.scale * phase * sign(s),
                          np.full(n, 0.3 * b.scale)], axis=-1)
        sc.set_hand(p, s, sl.start, _at(sc, p, sl, local), w, pole=(1.0, -1.0, -0.3))


# ----------------------------------------------------------------------------- the vocabulary

def _pick(rng: np.random.Generator, values, p=None) -> str:
    return str(rng.choice(values, p=p))


def _count(lo: int, hi: int):
    return lambda rng: {"count": int(rng.integers(lo, hi + 1))}


def _hold(lo: float, hi: float):
    return lambda rng: {"hold": round(float(rng.uniform(lo, hi)), 2)}


@dataclass(frozen=True)
class SoloAction:
    name: str
    group: str                   # jump, locomotion, legs, arms, head, dance, sports, gesture
    build: Callable[[Scene, int, SoloSpec], None]
    sided: bool = False          # uses a left or right hand / leg / knee
    speeds: bool = True          # slowly / quickly variants make sense
    travels: bool = False        # moves the person a metre or more on the ground
    airborne: bool = False       # both feet leave the floor
    options: Callable[[np.random.Generator], dict] = lambda rng: {}


SOLO_ACTIONS: dict[str, SoloAction] = {a.name: a for a in (
    SoloAction("jump_in_place", "jump", build_jump_in_place, airborne=True,
               options=lambda rng: {**_count(1, 3)(rng), "height": round(float(rng.uniform(0.2, 0.3)), 3)}),
    SoloAction("jump_direction", "jump", build_jump_direction, airborne=True,
               options=lambda rng: {"direction": _pick(rng, DIRECTIONS, [0.55, 0.15, 0.15, 0.15]),
                                    "count": int(rng.choice([1, 2], p=[0.7, 0.3])),
                                    "distance": round(float(rng.uniform(0.4, 0.75)), 3),
                                    "height": round(float(rng.uniform(0.18, 0.26)), 3)}),
    SoloAction("jumping_jacks", "jump", build_jumping_jacks, airborne=True, options=_count(3, 6)),
    SoloAction("hop_on_one_foot", "jump", build_hop_on_one_foot, sided=True, airborne=True, options=_count(2, 5)),
    SoloAction("spin", "locomotion", build_spin,
               options=lambda rng: {"direction": _pick(rng, TURN_DIRECTIONS),
                                    "turns": float(rng.choice([1.0, 2.0], p=[0.8, 0.2]))}),
    SoloAction("turn_around", "locomotion", build_turn_around,
               options=lambda rng: {"direction": _pick(rng, TURN_DIRECTIONS)}),
    SoloAction("walk", "locomotion", build_walk, travels=True,
               options=lambda rng: {"direction": _pick(rng, DIRECTIONS, [0.55, 0.25, 0.1, 0.1]),
                                    "distance": round(float(rng.uniform(1.2, 2.6)), 3)}),
    SoloAction("run", "locomotion", build_run, travels=True,
               options=lambda rng: {"distance": round(float(rng.uniform(3.0, 5.0)), 3)}),
    SoloAction("sidestep", "locomotion", build_sidestep,
               options=lambda rng: {"direction": _pick(rng, ("left", "right")), **_count(2, 4)(rng)}),
    SoloAction("march_in_place", "locomotion", build_march,
               options=lambda rng: {"jog": False, **_count(4, 8)(rng)}),
    SoloAction("jog_in_place", "locomotion", build_march,
               options=lambda rng: {"jog": True, "count": int(rng.integers(6, 12))}),
    SoloAction("squat", "legs", build_squat,
               options=lambda rng: {**_count(1, 3)(rng), "depth": round(float(rng.uniform(0.3, 0.45)), 3)}),
    SoloAction("crouch", "legs", build_crouch, options=_hold(0.8, 2.0)),
    SoloAction("lunge", "legs", build_lunge, sided=True, options=_count(1, 2)),
    SoloAction("kneel", "legs", build_kneel, sided=True, options=_hold(0.8, 1.8)),
    SoloAction("touch_toes", "legs", build_touch_toes, options=_hold(0.5, 1.2)),
    SoloAction("stomp", "legs", build_stomp, sided=True, options=_count(1, 3)),
    SoloAction("balance_on_one_leg", "legs", build_balance, sided=True, options=_hold(1.2, 2.5)),
    SoloAction("pick_up", "legs", build_pick_up, sided=True),
    SoloAction("clap", "arms", build_clap,
               options=lambda rng: {"where": _pick(rng, ("in front", "overhead"), [0.65, 0.35]), **_count(2, 5)(rng)}),
    SoloAction("arm_circles", "arms", build_arm_circles,
               options=lambda rng: {"direction": _pick(rng, ("forward", "backward")), **_count(3, 5)(rng)}),
    SoloAction("stretch_up", "arms", build_stretch_up, options=_hold(0.8, 1.8)),
    SoloAction("side_stretch", "arms", build_side_stretch, sided=True, options=_hold(0.6, 1.4)),
    SoloAction("cheer", "gesture", build_cheer, options=_count(2, 4)),
    SoloAction("fist_pump", "gesture", build_fist_pump, sided=True, options=_count(1, 3)),
    SoloAction("salute", "gesture", build_salute, sided=True, options=_hold(0.7, 1.5)),
    SoloAction("shrug", "gesture", build_shrug, options=_count(1, 2)),
    SoloAction("cross_arms", "gesture", build_cross_arms, options=_hold(1.2, 2.5)),
    SoloAction("hands_on_hips", "gesture", build_hands_on_hips, options=_hold(1.2, 2.5)),
    SoloAction("look_around", "head", build_look_around,
               options=lambda rng: {"first": _pick(rng, ("left", "right"))}),
    SoloAction("nod", "head", build_nod, options=_count(2, 4)),
    SoloAction("shake_head", "head", build_shake_head, options=_count(2, 4)),
    SoloAction("shadow_box", "sports", build_shadow_box, sided=True, options=_count(3, 6)),
    SoloAction("throw", "sports", build_throw, sided=True),
    SoloAction("catch", "sports", build_catch,
               options=lambda rng: {"height": _pick(rng, ("chest", "high"), [0.6, 0.4])}),
    SoloAction("sway", "dance", build_sway, options=_count(2, 4)),
    SoloAction("grapevine", "dance", build_grapevine,
               options=lambda rng: {"direction": _pick(rng, ("left", "right"))}),
)}


def sample_solo_spec(kind: str, rng: np.random.Generator) -> SoloSpec:
    """A solo action of ``kind`` with its side, speed and options drawn from ``rng``."""
    action = SOLO_ACTIONS[kind]
    side = _pick(rng, SIDES, [0.4, 0.6]) if action.sided else None
    speed = _pick(rng, ["slowly", "normal", "quickly"], [0.2, 0.6, 0.2]) if action.speeds else "normal"
    return SoloSpec(kind=kind, side=side, speed=speed, options=action.options(rng))


def build_solo(sc: Scene, p: int, spec: SoloSpec) -> None:
    """Append person ``p``'s frames of the action ``spec``."""
    SOLO_ACTIONS[spec.kind].build(sc, p, spec)
