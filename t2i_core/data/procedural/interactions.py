"""The interaction vocabulary: each phase type is an initiator's action and a responder's reaction.

A phase builder receives the scene (both persons' tracks so far) and a ``PhaseSpec`` (who
initiates, which side, how fast, variant options) and appends that phase's frames. Builders
first bring the pair to the distance the action needs (``prelude``: the initiator walks or steps;
a walk over 1 m is captioned as such), then write ground tracks, then hand/foot/posture tracks.
Contacts the action must reach are recorded for the tests.

Side conventions: a person's left is their body-frame +X. Facing each other, one person's right
hand is across from the other's left hand, so mirrored gestures (high five, holding hands) pair
opposite sides and handshakes pair the same side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from t2i_core.data.procedural.scene import Contact, Scene, meeting_point
from t2i_core.data.procedural.timeline import FPS, envelope, frames, heading_to, ramp, smoothstep, wrap_angle

SPEED_FACTOR = {"slowly": 1.5, "normal": 1.0, "quickly": 0.62}   # multiplies action durations
WALK_SPEED = {"slowly": 0.75, "normal": 1.15, "quickly": 1.6}       # peak walking speed, m/s
SIDES = ("left", "right")
WRIST = (20, 21)
ELBOW = (18, 19)
HEAD, CHEST, PELVIS = 15, 9, 0


@dataclass
class PhaseSpec:
    """One phase of a clip: type, initiating person (0/1), side, speed word and options."""

    kind: str
    initiator: int
    side: str | None = None
    speed: str = "normal"
    options: dict = field(default_factory=dict)

    @property
    def responder(self) -> int:
        return 1 - self.initiator

    @property
    def side_index(self) -> int:
        return SIDES.index(self.side or "right")

    def to_json(self) -> dict:
        return asdict(self)


def sign(side_index: int) -> float:
    """Body-frame x sign of a side: left +1, right -1."""
    return 1.0 if side_index == 0 else -1.0


def weights(rise: int, hold: int, fall: int) -> np.ndarray:
    """A 0 -> 1 -> 0 eased envelope of rise + hold + fall + 1 frames."""
    return envelope(rise + hold + fall + 1, 0, rise, hold, fall)


def partner_axes(pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal forward and left unit vectors (n, 3) of a solved person (n, 22, 3)."""
    across = pos[:, 2] - pos[:, 1]
    across[:, 1] = 0.0
    left = -across / np.linalg.norm(across, axis=-1, keepdims=True)
    fwd = np.cross(left, [0.0, 1.0, 0.0])
    return fwd, left


def shoulder_x(body) -> float:
    return float(abs(body.offsets[13, 0] + body.offsets[16, 0]))


def reach(body, height: float, lateral: float, frac: float = 0.9) -> float:
    """Forward distance from the pelvis at which a wrist can reach a point at ``height`` that is
    ``lateral`` metres sideways from the shoulder."""
    vertical = body.shoulder_height - height
    return float(np.sqrt(max((frac * body.arm) ** 2 - lateral**2 - vertical**2, 0.01)))


def meet_distance(sc: Scene, height: float, lateral: tuple[float, float], lean: float = 0.0) -> float:
    """Pelvis distance at which both persons' wrists meet at ``height`` (plus forward lean)."""
    return sum(reach(b, height, lat) for b, lat in zip(sc.bodies, lateral)) + lean


def prelude(sc: Scene, spec: PhaseSpec, dist: float | None, speed: float = 1.0) -> int:
    """Bring the pair to ``dist`` (the initiator walks or steps) facing each other; sync."""
    ini, res = spec.initiator, spec.responder
    sc.sync()
    here, there = sc.xz(ini), sc.xz(res)
    d = sc.distance()
    if dist is not None and abs(d - dist) > 0.08:
        goal = there + (here - there) / max(d, 1e-6) * dist
        if d > dist:
            sc.walk_to(ini, goal, speed if d - dist > 0.5 else 0.6, end_heading=float(heading_to(goal, there)))
        else:
            sc.walk_to(ini, goal, 0.6, facing=float(heading_to(here, there)))
    want = float(heading_to(sc.xz(ini), there))
    if abs(wrap_angle(want - sc.heading(ini))) > 0.15:
        sc.turn_to(ini, want)
    sc.face_partner(res, sc.cursor[ini], delay=0.3)
    want = float(heading_to(sc.xz(res), sc.xz(ini)))
    if abs(wrap_angle(want - sc.heading(res))) > 0.15:
        sc.turn_to(res, want)
    return sc.sync()


def hold_both(sc: Scene, until: int) -> None:
    for p in (0, 1):
        sc.hold(p, until)


def reaction(sc: Scene) -> int:
    """A responder's reaction delay in frames (0.15-0.4 s)."""
    return frames(float(sc.rng.uniform(0.15, 0.4)))


# ----------------------------------------------------------------------------- greeting

def build_handshake(sc: Scene, spec: PhaseSpec) -> None:
    k = SPEED_FACTOR[spec.speed]
    ini, res, s = spec.initiator, spec.responder, spec.side_index
    height = 0.6 * min(b.height for b in sc.bodies)
    dist = max(0.62, meet_distance(sc, height, tuple(0.8 * shoulder_x(b) for b in sc.bodies), lean=0.1))
    t0 = prelude(sc, spec, dist)
    rise, delay = frames(0.55 * k), reaction(sc)
    shake = frames(float(sc.rng.uniform(0.8, 1.3)) * k)
    fall = frames(0.45 * k)
    t_meet = t0 + delay + rise
    end = t_meet + shake + fall + frames(0.3)
    hold_both(sc, end + 1)
    t = np.arange(end + 1 - t0)
    bob = np.zeros((len(t), 3))
    bob[:, 1] = 0.035 * spec.options.get("amp", 1.0) * np.sin(
        2 * np.pi * 2.5 * np.clip(t - (t_meet - t0), 0, shake) / FPS)
    w_i = weights(rise + delay, shake, fall)
    w_r = weights(rise, shake, fall)
    sc.meet(ini, s, res, s, t0, w_i, t0 + delay, w_r, height, offset=bob, pole=(0.5, -1.0, -0.3))
    for p, start, w in ((ini, t0, w_i), (res, t0 + delay, w_r)):
        sc.ctl[p].bow[start:start + len(w)] += 0.12 * w
    sc.contacts.append(Contact(t_meet + shake // 2, ini, WRIST[s], (WRIST[s],), 0.05, "handshake"))
    sc.touch_frames.append((t0, end))


def build_wave(sc: Scene, spec: PhaseSpec) -> None:
    k = SPEED_FACTOR[spec.speed]
    ini, res = spec.initiator, spec.responder
    d = sc.distance() if sc.cursor[0] > 1 else 2.0
    t0 = prelude(sc, spec, None if d >= 1.2 else 1.5)
    amp = spec.options.get("amp", 1.0)
    waves = [(ini, spec.side_index, t0)]
    if spec.options.get("wave_back", True):
        waves.append((res, SIDES.index(spec.options.get("responder_side", "right")),
                      t0 + frames(0.6 * k) + reaction(sc)))
    rise, hold, fall = frames(0.45 * k), frames(float(sc.rng.uniform(1.0, 1.6)) * k), frames(0.45 * k)
    end = waves[-1][2] + rise + hold + fall + frames(0.3)
    hold_both(sc, end + 1)
    for p, s, start in waves:
        b = sc.bodies[p]
        n = rise + hold + fall + 1
        sl = slice(start, start + n)
        t = np.arange(n)
        x = sign(s) * (0.32 + 0.09 * amp * np.sin(2 * np.pi * 2.2 * t / FPS / k)) * b.scale
        local = np.stack([x, np.full(n, b.head_height + 0.12 * b.scale), np.full(n, 0.12)], axis=-1)
        sc.set_hand(p, s, start, sc.point(p, sl, local), weights(rise, hold, fall), pole=(1.0, -1.0, -0.2))


def build_bow(sc: Scene, spec: PhaseSpec) -> None:
    k = SPEED_FACTOR[spec.speed]
    ini, res = spec.initiator, spec.responder
    depth = spec.options.get("depth", 0.7)
    t0 = prelude(sc, spec, float(np.clip(sc.distance(), 1.6, 2.4)) if sc.cursor[0] > 1 else 1.8)
    down, hold, up = frames(0.7 * k), frames(0.5 * k), frames(0.8 * k)
    bows = [(ini, t0, depth)]
    if spec.options.get("bow_back", True):
        bows.append((res, t0 + frames(0.5 * k) + reaction(sc), depth * float(sc.rng.uniform(0.7, 1.0))))
    end = bows[-1][1] + down + hold + up + frames(0.3)
    hold_both(sc, end + 1)
    for p, start, dep in bows:
        w = weights(down, hold, up)
        c = sc.ctl[p]
        c.bow[start:start + len(w)] += dep * w
        c.gaze_partner[start:start + len(w)] *= 1 - 0.8 * w
        c.hip_shift[start:start + len(w), 1] -= 0.08 * dep * w


def build_hug(sc: Scene, spec: PhaseSpec) -> None:
    k = SPEED_FACTOR[spec.speed]
    ini, res = spec.initiator, spec.responder
    t0 = prelude(sc, spec, 0.95)
    close = 0.29 + 0.03 * max(b.scale for b in sc.bodies)
    there, here = sc.xz(res), sc.xz(ini)
    d = sc.distance()
    goal = there + (here - there) / d * close
    open_start = t0
    n_in = sc.walk_to(ini, goal, 0.6 * (1.4 / k if k < 1 else 1.0 / k))
    t_close = t0 + n_in
    hold = frames(float(sc.rng.uniform(1.2, 2.2)) * k)
    sc.hold(ini, t_close + hold)
    n_out = sc.walk_to(ini, there + (here - there) / d * 0.85, 0.6, facing=float(heading_to(goal, there)))
    end = t_close + hold + n_out
    sc.hold(res, end + 1)
    sc.hold(ini, end + 1)
    sc.touch_frames.append((t0, end))
    delay = reaction(sc)
    for p, start, high in ((ini, open_start, True), (res, open_start + delay + n_in // 2, False)):
        b = sc.bodies[p]
        rise = max(t_close + frames(0.15) - start, 4)
        fall = frames(0.5 * k)
        n = rise + (t_close + hold - start - rise) + fall + 1
        # The taller person's arms go around the upper back, the other's lower.
        lvl = 0.05 if high == (sc.bodies[p].height >= sc.bodies[1 - p].height) else -0.12
        w = weights(rise, n - rise - fall - 1, fall)
        wrap = smoothstep((np.arange(n) - 0.45 * rise) / (0.55 * rise))
        sl = slice(start, start + n)
        for s in (0, 1):
            open_pts = sc.point(p, sl, (sign(s) * 0.45 * b.scale, b.shoulder_height - 0.1 * b.scale, 0.35))

            def fn(partner, own, open_pts=open_pts, s=s, lvl=lvl, wrap=wrap):
                fwd, left = partner_axes(partner)
                # This person's left hand goes to the partner's right side and vice versa.
                tgt = partner[:, CHEST] - 0.14 * fwd - sign(s) * 0.09 * left
                tgt[:, 1] += lvl
                return open_pts * (1 - wrap[:, None]) + tgt * wrap[:, None]

            sc.hand_fn(p, s, start, w, fn, pole=(1.0, -0.4, 0.1))
        c = sc.ctl[p]
        c.look[sl] = sc.point(p, sl, (0.6, b.head_height, 0.4))
        c.look_w[sl] = np.maximum(c.look_w[sl], w)
        c.bow[sl] += 0.08 * w
        c.lean[sl] += 0.05 * w * np.sin(np.arange(n) / FPS * 2 * np.pi * 0.6)
    sc.contacts.append(Contact(t_close + hold // 2, ini, WRIST[0], (CHEST,), 0.3, "hug"))
    sc.contacts.append(Contact(t_close + hold // 2, ini, WRIST[1], (CHEST,), 0.3, "hug"))


def build_high_five(sc: Scene, spec: PhaseSpec) -> None:
    k = SPEED_FACTOR[spec.speed]
    ini, res, s = spec.initiator, spec.responder, spec.side_index
    bi = sc.bodies[ini]
    height = min(b.shoulder_height for b in sc.bodies) + 0.2
    lateral = 0.12 * bi.scale
    dist = meet_distance(sc, height, (shoulder_x(bi) - lateral, shoulder_x(sc.bodies[res]) - lateral), 0.04)
    t0 = prelude(sc, spec, float(np.clip(dist, 0.55, 0.7)))
    rise, delay = frames(0.5 * k), reaction(sc)
    t_hit = t0 + delay + rise
    fall = frames(0.45 * k)
    end = t_hit + frames(0.12) + fall + frames(0.3)
    hold_both(sc, end + 1)
    w_i = weights(rise + delay, frames(0.12), fall)
    w_r = weights(rise, frames(0.12), fall)
    sc.meet(ini, s, res, 1 - s, t0, w_i, t0 + delay, w_r, height, pole=(1.0, -1.0, 0.0))
    sc.contacts.append(Contact(t_hit, ini, WRIST[s], (WRIST[1 - s],), 0.05, "high five"))
    sc.touch_frames.append((t0, end))


# ----------------------------------------------------------------------------- conflict

def guard(sc: Scene, p: int, a: int, n: int, w: np.ndarray) -> None:
    """Both fists up in front of the chin over frames a..a+n."""
    b = sc.bodies[p]
    sl = slice(a, a + n)
    for s in (0, 1):
        pt = sc.point(p, sl, (sign(s) * 0.1 * b.scale, b.shoulder_height - 0.02, 0.24 * b.scale))
        sc.set_hand(p, s, a, pt, w, pole=(0.6, -1.0, -0.2))


def build_punch(sc: Scene, spec: PhaseSpec) -> None:
    k = SPEED_FACTOR[spec.speed]
    ini, res, s = spec.initiator, spec.responder, spec.side_index
    bi, br = sc.bodies[ini], sc.bodies[res]
    aim = spec.options.get("target", "head")
    outcome = spec.options.get("outcome", "block")
    t0 = prelude(sc, spec, 0.42 + 0.55 * bi.arm)
    ready, strike, stay, back = frames(0.5 * k), frames(0.22 * k), frames(0.12), frames(0.35 * k)
    t_hit = t0 + ready + strike
    bs = 1 - s   # the punch arrives on the responder's opposite side
    recoil = 0
    if outcome == "hit":
        sc.hold(ini, t_hit + stay + back + frames(0.5))
        sc.hold(res, t_hit)
        here, there = sc.xz(res), sc.xz(ini)
        away = (here - there) / np.linalg.norm(here - there)
        recoil = sc.walk_to(res, here + away * 0.35, 1.0, facing=sc.heading(res))
    end = max(t_hit + stay + back + frames(0.5), t_hit + recoil)
    hold_both(sc, end + 1)
    # Initiator: guard, then the punch (fist to its target), then back to guard.
    n = end + 1 - t0
    gw = weights(frames(0.3), n - frames(0.3) - frames(0.4) - 1, frames(0.4))
    guard(sc, ini, t0, n, gw)
    c = sc.ctl[ini]
    pw = weights(ready + strike - frames(0.15), stay, back)[: len(gw)]
    start = t0 + frames(0.15)
    sl = slice(start, start + len(pw))
    u = np.clip((np.arange(len(pw)) - (ready - frames(0.15))) / strike, 0, 1)
    chamber = sc.point(ini, sl, (sign(s) * 0.12 * bi.scale, bi.shoulder_height - 0.05, 0.12))
    joints = (ELBOW[bs], WRIST[bs]) if outcome == "block" else ((HEAD,) if aim == "head" else (CHEST,))
    surface = 0.16 if outcome != "block" else 0.07

    def fn(partner, own, chamber=chamber, u=u, joints=joints, surface=surface):
        tgt = partner[:, list(joints)].mean(axis=1)
        fwd, _ = partner_axes(partner)
        tgt = tgt + fwd * surface
        return chamber + (tgt - chamber) * smoothstep(u)[:, None]

    sc.hand_fn(ini, s, start, np.maximum(pw, gw[start - t0:start - t0 + len(pw)]), fn, pole=(0.8, -1.0, -0.3))
    twist = smoothstep(u) * (1 - ramp(len(pw), ready + strike + stay, back))
    c.twist[sl] += -sign(s) * 0.45 * twist
    c.hip_shift[sl, 1] += 0.1 * twist
    # Responder: block with the forearm across the face/body, or get hit and recoil.
    if outcome == "block":
        bw = weights(frames(0.25 * k * 0.8), ready + strike - frames(0.3 * k) + stay + frames(0.2), frames(0.4))
        bstart = t0 + frames(0.3 * k)
        bl = slice(bstart, bstart + len(bw))
        height = br.head_height - 0.05 if aim == "head" else br.chest_height
        pt = sc.point(res, bl, (sign(bs) * 0.02, height, 0.3 * br.scale))
        sc.set_hand(res, bs, bstart, pt, bw, pole=(1.0, -0.3, -0.2))
        sc.ctl[res].gaze_partner[bl] = 1.0
        sc.contacts.append(Contact(t_hit + 1, ini, WRIST[s], joints, 0.15, "punch blocked"))
    else:
        rw = weights(frames(0.12), frames(0.2), frames(0.6))
        rl = slice(t_hit, t_hit + len(rw))
        sc.ctl[res].bow[rl] -= 0.3 * rw
        sc.ctl[res].twist[rl] += sign(s) * 0.25 * rw
        limit = 0.25 if aim == "head" else 0.3
        sc.contacts.append(Contact(t_hit + 1, ini, WRIST[s], joints, limit, "punch lands"))
    sc.touch_frames.append((t_hit - strike, t_hit + stay + 2))


def build_push(sc: Scene, spec: PhaseSpec) -> None:
    k = SPEED_FACTOR[spec.speed]
    ini, res = spec.initiator, spec.responder
    bi = sc.bodies[ini]
    t0 = prelude(sc, spec, 0.45 + 0.1 * bi.scale)
    reach_t = frames(0.45 * k)
    t_hit = t0 + reach_t
    sc.hold(ini, t_hit)
    sc.hold(res, t_hit + 2)
    here, there = sc.xz(ini), sc.xz(res)
    d = sc.distance()
    fwd = (there - here) / d
    shove = float(spec.options.get("amp", 1.0)) * float(sc.rng.uniform(0.5, 0.8))
    sc.walk_to(ini, here + fwd * 0.25, 0.9, facing=sc.heading(ini))
    sc.ctl[res].cadence = 1.3
    n_back = sc.walk_to(res, there + fwd * shove, 1.6 / k, facing=sc.heading(res))
    end = t_hit + 2 + n_back + frames(0.4)
    hold_both(sc, end + 1)
    contact = frames(0.3 * k)
    w = weights(reach_t, contact, frames(0.4))
    for s in (0, 1):
        sc.hand_fn(ini, s, t0, w, lambda pt, own, s=s: pt[:, CHEST] + 0.15 * partner_axes(pt)[0]
                   - sign(s) * 0.12 * partner_axes(pt)[1] + np.array([0.0, -0.05, 0.0]), pole=(0.5, -1.0, -0.5))
        sc.contacts.append(Contact(t_hit + 1, ini, WRIST[s], (CHEST,), 0.28, "push"))
    sc.ctl[ini].bow[t0:t0 + len(w)] += 0.2 * w
    rw = weights(frames(0.15), frames(0.3), frames(0.7))
    sl = slice(t_hit, t_hit + len(rw))
    sc.ctl[res].bow[sl] += 0.35 * rw * np.cos(np.linspace(0, np.pi, len(rw)))
    for s in (0, 1):
        br = sc.bodies[res]
        flail = sc.point(res, sl, (sign(s) * 0.4 * br.scale, br.chest_height - 0.15, 0.1))
        sc.set_hand(res, s, t_hit, flail, 0.7 * rw, pole=(1.0, -0.5, -0.3))
    sc.touch_frames.append((t0 + reach_t - 3, t_hit + contact + 3))


def build_kick(sc: Scene, spec: PhaseSpec) -> None:
    k = SPEED_FACTOR[spec.speed]
    ini, res, s = spec.initiator, spec.responder, spec.side_index
    bi = sc.bodies[ini]
    dodge = spec.options.get("dodge", "back")
    t0 = prelude(sc, spec, 1.2 + 0.1 * bi.scale)
    settle, chamber, extend, back, down = (frames(0.3), frames(0.3 * k), frames(0.18 * k), frames(0.3 * k),
                                           frames(0.3 * k))
    n = settle + chamber + extend + frames(0.1) + back + down
    t_ext = t0 + settle + chamber + extend
    sc.hold(ini, t0 + n + frames(0.4))
    # The responder dodges as the leg comes up.
    sc.hold(res, t0 + settle + chamber // 2 + reaction(sc) // 2)
    here, there = sc.xz(res), sc.xz(ini)
    away = (here - there) / np.linalg.norm(here - there)
    left = np.array([away[1], -away[0]]) * -1.0   # the responder's left when facing the kicker
    step = {"back": away * 0.5, "left": left * 0.45 + away * 0.1, "right": -left * 0.45 + away * 0.1}[dodge]
    sc.walk_to(res, here + step, 1.4, facing=sc.heading(res))
    end = max(sc.cursor) + frames(0.3)
    hold_both(sc, end + 1)
    c = sc.ctl[ini]
    c.lock[t0:t0 + n] = True
    foot_w = weights(chamber, extend + frames(0.1) + back, down)
    a = t0 + settle
    sl = slice(a, a + len(foot_w))
    u = np.arange(len(foot_w))
    knee_up = sc.point(ini, sl, (sign(s) * 0.12 * bi.scale, 0.5 * bi.leg, 0.2 * bi.scale))
    out = sc.point(ini, sl, (sign(s) * 0.06 * bi.scale, 0.72 * bi.leg, 0.62 * bi.leg))
    e = smoothstep((u - chamber) / extend) * (1 - smoothstep((u - chamber - extend - frames(0.1)) / back))
    c.foot[s, sl] = knee_up + (out - knee_up) * e[:, None]
    c.foot_w[s, sl] = foot_w
    c.bow[sl] -= 0.25 * foot_w
    c.hip_shift[sl, 0] -= sign(s) * 0.05 * foot_w
    guard(sc, ini, t0, n, weights(frames(0.3), n - frames(0.7) - 1, frames(0.4)))
    lean = weights(extend, frames(0.2), frames(0.4))
    rl = slice(t_ext - extend, t_ext - extend + len(lean))
    sc.ctl[res].bow[rl] -= (0.25 if dodge == "back" else 0.1) * lean
    if dodge != "back":
        sc.ctl[res].lean[rl] += (0.3 if dodge == "left" else -0.3) * lean


def build_grab_pull(sc: Scene, spec: PhaseSpec) -> None:
    k = SPEED_FACTOR[spec.speed]
    ini, res, s = spec.initiator, spec.responder, spec.side_index
    br = sc.bodies[res]
    rs = 1 - s   # the wrist across from the grabbing hand
    t0 = prelude(sc, spec, 0.72 + 0.05 * br.scale)
    grab = frames(0.5 * k)
    t_grab = t0 + grab
    sc.hold(ini, t_grab + frames(0.2))
    sc.hold(res, t_grab + frames(0.2) + reaction(sc))
    here, there = sc.xz(ini), sc.xz(res)
    d = sc.distance()
    back = (here - there) / d
    pull = float(sc.rng.uniform(0.5, 0.8)) * spec.options.get("amp", 1.0)
    n_i = sc.walk_to(ini, here + back * pull, 0.9 / k, facing=sc.heading(ini))
    sc.ctl[res].cadence = 1.2
    sc.walk_to(res, there + back * (pull - 0.05), 1.0 / k, facing=sc.heading(res))
    end = max(sc.cursor) + frames(0.3)
    hold_both(sc, end + 1)
    t_release = t_grab + frames(0.2) + n_i
    # The responder's arm is drawn towards the puller; the initiator's hand holds that wrist.
    n = end + 1 - t0
    rw = weights(grab + frames(0.3), t_release - t0 - grab - frames(0.3), frames(0.4))[:n]
    iw = weights(grab, t_release - t_grab, frames(0.4))[:n]
    height = min(b.chest_height for b in sc.bodies) - 0.3
    sc.meet(ini, s, res, rs, t0, iw, t0, rw, height, gap=0.025, pole=(0.5, -1.0, -0.4))
    sc.ctl[ini].bow[t0:t0 + len(iw)] -= 0.15 * iw
    sc.contacts.append(Contact(t_grab + frames(0.3), ini, WRIST[s], (WRIST[rs],), 0.06, "grab"))
    sc.touch_frames.append((t_grab - 2, t_release + 2))


# ----------------------------------------------------------------------------- cooperation

def build_hand_over(sc: Scene, spec: PhaseSpec) -> None:
    k = SPEED_FACTOR[spec.speed]
    ini, res, s = spec.initiator, spec.responder, spec.side_index
    rs = 1 - s
    bi, br = sc.bodies[ini], sc.bodies[res]
    height = 0.58 * min(bi.height, br.height)
    dist = max(0.65, meet_distance(sc, height, (0.7 * shoulder_x(bi), 0.7 * shoulder_x(br)), 0.1))
    t0 = prelude(sc, spec, dist)
    hold_in, extend, delay = frames(0.5), frames(0.6 * k), reaction(sc)
    t_meet = t0 + hold_in + extend
    t_give = t_meet + frames(0.4)
    bring = frames(0.6 * k)
    end = t_give + bring + frames(0.5 * k) + frames(0.3)
    hold_both(sc, end + 1)
    n = end + 1 - t0
    t = np.arange(n)
    sh = {ini: (17, 16)[s == 0], res: (17, 16)[rs == 0]}
    arms = (sc.bodies[0].arm, sc.bodies[1].arm)

    def meeting(p, own, partner, a, m):
        h = np.full(m, height)
        pair = (arms[p], arms[1 - p])
        return meeting_point(own, partner, sh[p], sh[1 - p], h, pair, order=p == ini)

    def held(own, lift):
        fwd, _ = partner_axes(own)
        return own[:, CHEST] + 0.3 * fwd - (0.2 - lift) * np.array([0.0, 1.0, 0.0])

    # Initiator: holds the object in front of the chest, extends it, lets go.
    u = smoothstep((t - hold_in) / extend)
    wi = weights(frames(0.3), t_give - t0 - frames(0.3), frames(0.5))

    def fn_i(partner, own):
        m = len(partner)
        mp = meeting(ini, own, partner, t0, m)
        return held(own, 0.0) + (mp - held(own, 0.0)) * u[:m, None]

    sc.hand_fn(ini, s, t0, wi, fn_i, pole=(0.6, -1.0, -0.3))
    # Responder: reaches for it, takes it and brings it to its chest.
    r0 = t0 + hold_in + delay
    wr = weights(t_meet - r0, t_give + bring - t_meet, frames(0.5 * k))
    ur = smoothstep((t - (t_give - t0)) / bring)[r0 - t0:r0 - t0 + len(wr)]

    def fn_r(partner, own):
        m = len(partner)
        mp = meeting(res, own, partner, r0, m)
        return mp + (held(own, 0.05) - mp) * ur[:m, None]

    sc.hand_fn(res, rs, r0, wr, fn_r, pole=(0.6, -1.0, -0.3))
    sc.contacts.append(Contact(t_give - 2, ini, WRIST[s], (WRIST[rs],), 0.08, "hand over"))
    sc.touch_frames.append((t0, end))


def build_help_up(sc: Scene, spec: PhaseSpec) -> None:
    k = SPEED_FACTOR[spec.speed]
    ini, res, s = spec.initiator, spec.responder, spec.side_index
    rs = 1 - s
    bi, br = sc.bodies[ini], sc.bodies[res]
    t0 = prelude(sc, spec, 0.68 + 0.05 * bi.scale)
    crouch = 0.42 * br.leg
    down, reach_t, pull, after = frames(0.9), frames(0.6 * k), frames(0.9 * k), frames(0.4)
    t_meet = t0 + down + reach_t
    end = t_meet + frames(0.2) + pull + after + frames(0.3)
    hold_both(sc, end + 1)
    n = end + 1 - t0
    sl = slice(t0, end + 1)
    t = np.arange(n)
    # Responder squats (already down if the clip starts with it), rises with the pull.
    rise = smoothstep((t - (t_meet - t0 + frames(0.2))) / pull)
    sq = (smoothstep(t / down) if t0 > 2 else np.ones(n)) * (1 - rise)
    cr = sc.ctl[res]
    cr.crouch[sl] += crouch * sq
    cr.bow[sl] += 0.55 * sq
    cr.hip_shift[sl, 1] -= 0.12 * sq
    low = br.shoulder_height - crouch - 0.1
    high = 0.58 * min(bi.height, br.height)
    height = low + (high - low) * rise
    wi = weights(down + reach_t, frames(0.2) + pull, frames(0.4))
    wr = weights(reach_t - frames(0.1), frames(0.3) + pull, frames(0.4))
    a = t0 + down + frames(0.1)
    sc.meet(ini, s, res, rs, t0, wi, a, wr, height[: max(len(wi), a - t0 + len(wr))], pole=(0.4, -1.0, -0.4))
    sc.ctl[ini].bow[t0:t0 + len(wi)] += 0.35 * wi * (1 - rise[:len(wi)]) - 0.1 * wi * rise[:len(wi)]
    sc.contacts.append(Contact(t_meet + frames(0.2), ini, WRIST[s], (WRIST[rs],), 0.06, "help up"))
    sc.touch_frames.append((t0, end))


def build_carry(sc: Scene, spec: PhaseSpec) -> None:
    k = SPEED_FACTOR[spec.speed]
    ini, res = spec.initiator, spec.responder
    bi, br = sc.bodies[ini], sc.bodies[res]
    t0 = prelude(sc, spec, 1.0 + 0.05 * (bi.scale + br.scale))
    bend, lift = frames(0.8), frames(0.7 * k)
    t_walk = t0 + bend + lift
    hold_both(sc, t_walk)
    here, there = sc.xz(ini), sc.xz(res)
    d = sc.distance()
    axis = (there - here) / d
    lateral = np.array([axis[1], -axis[0]])
    dist = float(sc.rng.uniform(1.2, 2.2))
    direction = spec.options.get("direction", "backward")
    move = {"backward": -axis, "forward": axis, "sideways": lateral}[direction] * dist
    speed = WALK_SPEED[spec.speed] * 0.6
    n = sc.walk_to(ini, here + move, speed, facing=sc.heading(ini))
    hold_both(sc, t_walk)
    path_i = sc.ctl[ini].root_xz[t_walk:t_walk + n]
    sc.append(res, there + (path_i - here), np.full(n, sc.heading(res)))
    t_put = t_walk + n
    end = t_put + bend + frames(0.5)
    hold_both(sc, end + 1)
    sl = slice(t0, end + 1)
    m = end + 1 - t0
    t = np.arange(m)
    low_h = 0.35 * min(bi.height, br.height)
    carry_h = 0.5 * min(bi.height, br.height)
    up = smoothstep((t - bend) / lift) * (1 - smoothstep((t - (t_put - t0)) / bend))
    box_h = low_h + (carry_h - low_h) * up
    center = sc.between(sl, 0.5, 0.0)
    center[:, 1] = box_h
    for p, body in ((ini, bi), (res, br)):
        c = sc.ctl[p]
        c.crouch[sl] += 0.2 * body.leg * (1 - up) * smoothstep(t / bend)
        c.bow[sl] += 0.45 * (1 - up) * smoothstep(t / bend) + 0.1 * up
        for s in (0, 1):
            side_pt = sc.point(p, sl, (sign(s) * 0.2, 0.0, 0.0)) - sc.point(p, sl, (0.0, 0.0, 0.0))
            toward = sc.point(p, sl, (0.0, 0.0, 1.0)) - sc.point(p, sl, (0.0, 0.0, 0.0))
            tgt = center + side_pt - toward * 0.2
            w = weights(bend, m - 2 * bend - frames(0.5) - 1 + bend // 2, bend // 2 + frames(0.5))[:m]
            sc.set_hand(p, s, t0, tgt[:len(w)], w, pole=(1.0, -0.6, -0.3))


# ----------------------------------------------------------------------------- dance

def build_hold_hands_circle(sc: Scene, spec: PhaseSpec) -> None:
    k = SPEED_FACTOR[spec.speed]
    ini, res = spec.initiator, spec.responder
    height = 0.56 * min(b.height for b in sc.bodies)
    dist = max(0.78, meet_distance(sc, height, tuple(0.5 * shoulder_x(b) for b in sc.bodies), 0.05))
    t0 = prelude(sc, spec, dist)
    join = frames(0.6)
    hold_both(sc, t0 + join)
    turns = float(spec.options.get("turns", 0.5))
    direction = spec.options.get("direction", "clockwise")
    sweep = 2 * np.pi * turns * (1 if direction == "counterclockwise" else -1)
    a, b = sc.xz(0), sc.xz(1)
    center = (a + b) / 2
    radius = np.linalg.norm(a - b) / 2
    n = frames(2.2 * turns / 0.5 * k)
    from t2i_core.data.procedural.locomotion import arc_path
    for p in (0, 1):
        here = sc.xz(p)
        ang = float(np.arctan2(here[0] - center[0], here[1] - center[1]))
        path = arc_path(center, radius, ang, sweep, n)
        heading = np.arctan2(center[0] - path[:, 0], center[1] - path[:, 1])
        h0 = sc.heading(p)
        heading = h0 + np.unwrap(wrap_angle(heading - h0))
        sc.ctl[p].cadence = 1.15
        sc.append(p, path, heading)
    end = t0 + join + n + frames(0.6)
    hold_both(sc, end + 1)
    w = weights(join, n, frames(0.5))[: end + 1 - t0]
    for s in (0, 1):
        sc.meet(ini, s, res, 1 - s, t0, w, t0, w, height, pole=(0.6, -1.0, -0.3))
    sc.touch_frames.append((t0, end))
    sc.contacts.append(Contact(t0 + join + n // 2, ini, WRIST[0], (WRIST[1],), 0.05, "hold hands"))
    sc.contacts.append(Contact(t0 + join + n // 2, ini, WRIST[1], (WRIST[0],), 0.05, "hold hands"))


MIRROR_MOVES = ("raise the left arm", "raise the right arm", "raise both arms", "spread the arms")


def build_mirror(sc: Scene, spec: PhaseSpec) -> None:
    k = SPEED_FACTOR[spec.speed]
    ini, res = spec.initiator, spec.responder
    t0 = prelude(sc, spec, float(np.clip(sc.distance(), 1.3, 1.8)) if sc.cursor[0] > 1 else 1.5)
    moves = spec.options.get("moves", ["raise the left arm", "raise both arms"])
    delay = frames(float(sc.rng.uniform(0.3, 0.5)))
    dur = frames(1.1 * k)
    end = t0 + delay + dur * len(moves) + frames(0.4)
    hold_both(sc, end + 1)
    for p, start, mirrored in ((ini, t0, False), (res, t0 + delay, True)):
        b = sc.bodies[p]
        for i, move in enumerate(moves):
            a = start + i * dur
            sides = {"raise the left arm": (0,), "raise the right arm": (1,)}.get(move, (0, 1))
            if mirrored:
                sides = tuple(1 - x for x in sides)
            w = weights(dur // 3, dur // 3, dur - 2 * (dur // 3) - 1)
            sl = slice(a, a + len(w))
            for s in sides:
                if move == "spread the arms":
                    local = (sign(s) * 0.75 * b.scale, b.shoulder_height + 0.05, 0.1)
                else:
                    local = (sign(s) * 0.25 * b.scale, b.head_height + 0.35 * b.scale, 0.1)
                sc.set_hand(p, s, a, sc.point(p, sl, local), w, pole=(1.0, -0.5, -0.5))


# ----------------------------------------------------------------------------- sports

def build_sparring(sc: Scene, spec: PhaseSpec) -> None:
    k = SPEED_FACTOR[spec.speed]
    ini, res = spec.initiator, spec.responder
    t0 = prelude(sc, spec, 1.15 + 0.1 * max(b.scale for b in sc.bodies))
    jabs = int(spec.options.get("jabs", 3))
    gap = frames(0.45 * k)
    settle = frames(0.4)
    end = t0 + settle + 2 * jabs * gap + frames(0.8)
    hold_both(sc, end + 1)
    n = end + 1 - t0
    sl = slice(t0, end + 1)
    t = np.arange(n)
    for p in (0, 1):
        gw = weights(frames(0.3), n - frames(0.6) - 1, frames(0.3))
        guard(sc, p, t0, n, gw)
        c = sc.ctl[p]
        c.crouch[sl] += (0.05 + 0.025 * np.sin(2 * np.pi * 1.8 * t / FPS + p)) * gw
        c.bow[sl] += 0.12 * gw
    # The initiator throws first; the two alternate, each jab stopping short of the face.
    for i in range(2 * jabs):
        p = ini if i % 2 == 0 else res
        b = sc.bodies[p]
        s = (i // 2) % 2 if spec.side is None else (spec.side_index + i // 2) % 2
        a = t0 + settle + i * gap
        w = weights(frames(0.15 * k), frames(0.05), frames(0.2 * k))
        jl = slice(a, a + len(w))
        stop = min(0.9 * b.arm, sc.distance() - 0.45)
        pt = sc.point(p, jl, (sign(s) * 0.05, b.shoulder_height, stop))
        sc.set_hand(p, s, a, pt, w, pole=(0.8, -1.0, -0.3))
        sc.ctl[p].twist[jl] += -sign(s) * 0.3 * w


def build_tug_of_war(sc: Scene, spec: PhaseSpec) -> None:
    k = SPEED_FACTOR[spec.speed]
    ini, res = spec.initiator, spec.responder
    t0 = prelude(sc, spec, float(sc.rng.uniform(1.9, 2.3)))
    grip, strain = frames(0.6), frames(float(sc.rng.uniform(0.8, 1.4)))
    t_pull = t0 + grip + strain
    hold_both(sc, t_pull)
    here, there = sc.xz(ini), sc.xz(res)
    back = (here - there) / sc.distance()
    dist = float(sc.rng.uniform(0.6, 1.0))
    for p in (ini, res):
        sc.ctl[p].cadence = 0.9
    sc.walk_to(ini, here + back * dist, 0.7 / k, facing=sc.heading(ini))
    sc.hold(res, t_pull + frames(0.15))
    sc.walk_to(res, there + back * dist, 0.7 / k, facing=sc.heading(res))
    end = max(sc.cursor) + frames(0.5)
    hold_both(sc, end + 1)
    n = end + 1 - t0
    sl = slice(t0, end + 1)
    t = np.arange(n)
    w = weights(grip, n - grip - frames(0.5) - 1, frames(0.5))
    for p in (ini, res):
        b = sc.bodies[p]
        c = sc.ctl[p]
        winner = p == ini
        lean = -0.35 * w * (1.0 if winner else 1 - 0.6 * smoothstep((t - (t_pull - t0)) / frames(0.4)))
        c.bow[sl] += lean
        c.crouch[sl] += 0.07 * b.leg * w
        c.hip_shift[sl, 1] -= 0.06 * w
        rope_h = 0.5 * b.height
        for s, z in ((0, 0.3), (1, 0.5)) if p == ini else ((1, 0.3), (0, 0.5)):
            sc.set_hand(p, s, t0, sc.point(p, sl, (sign(s) * 0.02, rope_h, z * b.scale)), w,
                        pole=(1.0, -1.0, -0.2))


# ----------------------------------------------------------------------------- communication

def build_point(sc: Scene, spec: PhaseSpec) -> None:
    k = SPEED_FACTOR[spec.speed]
    ini, res, s = spec.initiator, spec.responder, spec.side_index
    bi = sc.bodies[ini]
    t0 = prelude(sc, spec, None if sc.distance() >= 1.0 else 1.3)
    where = spec.options.get("direction", "left" if s == 0 else "right")
    rise, hold, fall = frames(0.5 * k), frames(float(sc.rng.uniform(1.0, 1.6))), frames(0.5 * k)
    end = t0 + rise + hold + fall + frames(0.3)
    hold_both(sc, end + 1)
    n = rise + hold + fall + 1
    sl = slice(t0, t0 + n)
    angle = {"left": 1.2, "right": -1.2}[where]
    direction = np.array([np.sin(angle), 0.15, np.cos(angle)])
    shoulder = np.array([sign(s) * shoulder_x(bi), bi.shoulder_height, 0.0])
    local = shoulder + 0.97 * bi.arm * direction / np.linalg.norm(direction)
    sc.set_hand(ini, s, t0, sc.point(ini, sl, local), weights(rise, hold, fall), pole=(0.2, -1.0, -0.5))
    far = sc.point(ini, sl, (np.sin(angle) * 5.0, 1.0, np.cos(angle) * 5.0))
    for p, start in ((ini, t0), (res, t0 + rise + reaction(sc))):
        m = t0 + n - start
        w = weights(frames(0.3), m - frames(0.6) - 1, frames(0.3))
        c = sc.ctl[p]
        c.look[start:start + m] = far[start - t0:]
        c.look_w[start:start + m] = np.maximum(c.look_w[start:start + m], w)
        c.twist[start:start + m] += angle * 0.25 * w * (1 if p == ini else -1) * (p != ini)


def build_beckon(sc: Scene, spec: PhaseSpec) -> None:
    k = SPEED_FACTOR[spec.speed]
    ini, res, s = spec.initiator, spec.responder, spec.side_index
    bi = sc.bodies[ini]
    t0 = prelude(sc, spec, None)
    rise, curls = frames(0.4 * k), frames(1.2 * k)
    t_go = t0 + rise + frames(0.5) + reaction(sc)
    sc.hold(ini, t0 + rise + curls + frames(0.5))
    sc.hold(res, t_go)
    here, there = sc.xz(res), sc.xz(ini)
    d = sc.distance()
    stop = float(sc.rng.uniform(0.9, 1.2))
    if d > stop + 0.3:
        sc.walk_to(res, there + (here - there) / d * stop, WALK_SPEED[spec.options.get("come", "normal")],
                   end_heading=float(heading_to(there + (here - there) / d * stop, there)))
    end = max(sc.cursor) + frames(0.3)
    hold_both(sc, end + 1)
    n = rise + curls + frames(0.4) + 1
    sl = slice(t0, t0 + n)
    t = np.arange(n)
    curl = 0.5 + 0.5 * np.cos(2 * np.pi * 1.6 * np.clip(t - rise, 0, None) / FPS / k)
    near = np.array([sign(s) * 0.22 * bi.scale, bi.chest_height + 0.05, 0.2])
    far = np.array([sign(s) * 0.25 * bi.scale, bi.chest_height, 0.45 * bi.scale])
    local = near + (far - near) * curl[:, None]
    sc.set_hand(ini, s, t0, sc.point(ini, sl, local), weights(rise, curls, frames(0.4)), pole=(0.5, -1.0, -0.5))


def build_approach(sc: Scene, spec: PhaseSpec) -> None:
    ini, res = spec.initiator, spec.responder
    sc.sync()
    d = sc.distance()
    stop = float(spec.options.get("stop", 1.1))
    if d < stop + 0.8:   # too close already: back off first (uncaptioned adjustment)
        here, there = sc.xz(ini), sc.xz(res)
        sc.walk_to(ini, there + (here - there) / d * (stop + 1.2), 0.8, facing=float(heading_to(here, there)))
        sc.face_partner(res, sc.cursor[ini])
    here, there = sc.xz(ini), sc.xz(res)
    d = np.linalg.norm(here - there)
    goal = there + (here - there) / d * stop
    sc.walk_to(ini, goal, WALK_SPEED[spec.speed], end_heading=float(heading_to(goal, there)))
    sc.face_partner(res, sc.cursor[ini], delay=0.3)
    sc.wait(ini, 0.3)
    sc.sync()


def build_retreat(sc: Scene, spec: PhaseSpec) -> None:
    ini, res = spec.initiator, spec.responder
    sc.sync()
    here, there = sc.xz(ini), sc.xz(res)
    d = sc.distance()
    away = (here - there) / max(d, 1e-6)
    style = spec.options.get("style", "turn away")
    if style == "backward":
        dist = float(sc.rng.uniform(1.0, 1.6))
        sc.walk_to(ini, here + away * dist, WALK_SPEED[spec.speed] * 0.6, facing=float(heading_to(here, there)))
    else:
        dist = float(sc.rng.uniform(1.3, 2.2))
        bend = np.array([away[1], -away[0]]) * float(sc.rng.uniform(-0.4, 0.4))
        sc.walk_to(ini, here + (away + bend) * dist, WALK_SPEED[spec.speed])
    sc.face_partner(res, sc.cursor[ini], delay=0.3)
    sc.wait(ini, 0.3)
    sc.sync()


def build_circle(sc: Scene, spec: PhaseSpec) -> None:
    from t2i_core.data.procedural.locomotion import arc_path, travel_heading
    ini, res = spec.initiator, spec.responder
    t0 = prelude(sc, spec, float(np.clip(sc.distance(), 1.2, 1.8)) if sc.cursor[0] > 1 else 1.5)
    center = sc.xz(res)
    here = sc.xz(ini)
    radius = float(np.linalg.norm(here - center))
    turns = float(spec.options.get("turns", 0.5))
    direction = spec.options.get("direction", "clockwise")
    sweep = 2 * np.pi * turns * (1 if direction == "counterclockwise" else -1)
    ang = float(np.arctan2(here[0] - center[0], here[1] - center[1]))
    n = frames(1.875 * abs(sweep) * radius / WALK_SPEED[spec.speed] + 0.3)
    path = arc_path(center, radius, ang, sweep, n)
    end_h = float(heading_to(path[-1], center))
    sc.append(ini, path, travel_heading(path, sc.heading(ini), end_h, frames(0.5)))
    sc.face_partner(res, sc.cursor[ini], delay=0.25, rate=0.1)
    sc.wait(ini, 0.4)
    sc.face_partner(res, sc.cursor[ini], delay=0.0)
    del t0
    sc.sync()


def build_follow(sc: Scene, spec: PhaseSpec) -> None:
    ini, res = spec.initiator, spec.responder
    sc.sync()
    here, there = sc.xz(ini), sc.xz(res)
    d = sc.distance()
    away = (here - there) / max(d, 1e-6)
    turn = float(sc.rng.uniform(-0.8, 0.8))
    c, s = np.cos(turn), np.sin(turn)
    direction = np.array([c * away[0] + s * away[1], -s * away[0] + c * away[1]])
    dist = float(sc.rng.uniform(1.6, 2.5))
    speed = WALK_SPEED[spec.speed]
    t_start = sc.cursor[ini]
    n = sc.walk_to(ini, here + direction * dist, speed)
    gap = float(sc.rng.uniform(0.9, 1.3))
    sc.hold(res, t_start + frames(0.6))
    sc.walk_to(res, here + direction * (dist - gap), speed * 1.05)
    del n
    sc.sync()


def build_side_by_side(sc: Scene, spec: PhaseSpec) -> None:
    ini, res = spec.initiator, spec.responder
    sc.sync()
    here, there = sc.xz(ini), sc.xz(res)
    d = sc.distance()
    axis = (there - here) / max(d, 1e-6)
    # Walk direction: perpendicular to the line between them; the responder ends up on the
    # initiator's ``side``.
    side = spec.options.get("partner_side", "right")
    perp = np.array([axis[1], -axis[0]])   # rotating the axis clockwise: with axis to the right, walk forward
    fwd = perp if side == "right" else -perp
    if d > 1.0 or d < 0.6:
        goal = here + axis * 0.75
        sc.walk_to(res, goal, 0.8, end_heading=float(np.arctan2(fwd[0], fwd[1])))
        there = goal
    h = float(np.arctan2(fwd[0], fwd[1]))
    sc.turn_to(ini, h, 0.6)
    dist = float(sc.rng.uniform(1.6, 2.6))
    speed = WALK_SPEED[spec.speed]
    t_ini = sc.cursor[ini]
    sc.walk_to(ini, here + fwd * dist, speed)
    sc.hold(res, max(sc.cursor[res], t_ini - frames(0.1)))
    if abs(wrap_angle(h - sc.heading(res))) > 0.1:
        sc.turn_to(res, h, 0.5)
    sc.walk_to(res, there + fwd * dist, speed)
    sc.sync()


@dataclass(frozen=True)
class PhaseType:
    name: str
    theme: str
    build: Callable[[Scene, PhaseSpec], None]
    sided: bool = False          # uses a left or right hand/leg chosen per clip
    speeds: bool = True          # "slowly"/"quickly" variants make sense
    locomotion: bool = False     # a walking phase (changes the distance between the two)
    options: Callable[[np.random.Generator], dict] = lambda rng: {}


def _amp(rng):
    return {"amp": round(float(rng.uniform(0.8, 1.2)), 3)}


PHASES: dict[str, PhaseType] = {p.name: p for p in (
    PhaseType("approach", "communication", build_approach, locomotion=True,
              options=lambda rng: {"stop": round(float(rng.uniform(0.9, 1.3)), 3)}),
    PhaseType("retreat", "communication", build_retreat, locomotion=True,
              options=lambda rng: {"style": str(rng.choice(["turn away", "backward"]))}),
    PhaseType("circle", "communication", build_circle, locomotion=True,
              options=lambda rng: {"direction": str(rng.choice(["clockwise", "counterclockwise"])),
                                   "turns": float(rng.choice([0.5, 0.75], p=[0.7, 0.3]))}),
    PhaseType("follow", "communication", build_follow, locomotion=True),
    PhaseType("side_by_side", "communication", build_side_by_side, locomotion=True,
              options=lambda rng: {"partner_side": str(rng.choice(["left", "right"]))}),
    PhaseType("handshake", "greeting", build_handshake, sided=True, options=_amp),
    PhaseType("wave", "greeting", build_wave, sided=True,
              options=lambda rng: {**_amp(rng), "wave_back": bool(rng.random() < 0.7),
                                   "responder_side": str(rng.choice(SIDES, p=[0.3, 0.7]))}),
    PhaseType("bow", "greeting", build_bow,
              options=lambda rng: {"depth": round(float(rng.uniform(0.5, 0.95)), 3),
                                   "bow_back": bool(rng.random() < 0.75)}),
    PhaseType("hug", "greeting", build_hug),
    PhaseType("high_five", "greeting", build_high_five, sided=True),
    PhaseType("punch", "conflict", build_punch, sided=True,
              options=lambda rng: {"target": str(rng.choice(["head", "torso"])),
                                   "outcome": str(rng.choice(["block", "hit"]))}),
    PhaseType("push", "conflict", build_push, options=_amp),
    PhaseType("kick", "conflict", build_kick, sided=True,
              options=lambda rng: {"dodge": str(rng.choice(["back", "left", "right"]))}),
    PhaseType("grab_pull", "conflict", build_grab_pull, sided=True, options=_amp),
    PhaseType("hand_over", "cooperation", build_hand_over, sided=True),
    PhaseType("help_up", "cooperation", build_help_up, sided=True),
    PhaseType("carry", "cooperation", build_carry,
              options=lambda rng: {"direction": str(rng.choice(["backward", "forward", "sideways"]))}),
    PhaseType("hold_hands_circle", "dance", build_hold_hands_circle,
              options=lambda rng: {"direction": str(rng.choice(["clockwise", "counterclockwise"])),
                                   "turns": float(rng.choice([0.5, 0.75, 1.0]))}),
    PhaseType("mirror", "dance", build_mirror,
              options=lambda rng: {"moves": [str(m) for m in rng.choice(MIRROR_MOVES, size=2, replace=False)]}),
    PhaseType("sparring", "sports", build_sparring, sided=True,
              options=lambda rng: {"jabs": int(rng.integers(2, 4))}),
    PhaseType("tug_of_war", "sports", build_tug_of_war),
    PhaseType("point", "communication", build_point, sided=True,
              options=lambda rng: {"direction": str(rng.choice(["left", "right"]))}),
    PhaseType("beckon", "communication", build_beckon, sided=True),
)}
