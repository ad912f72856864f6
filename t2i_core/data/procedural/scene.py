"""The two-person scene phase builders write into: control tracks, cursors, contacts, labels.

Each person has a cursor (frames written so far). A phase usually writes the initiator's ground
track first and then lets the responder react to it (``face_partner`` reads the partner's track),
and ends with ``sync`` so both cursors meet. Posture, hand and gaze tracks are written by absolute
frame ranges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from t2i_core.data.procedural.body import Body
from t2i_core.data.procedural.locomotion import travel_heading, walk_path
from t2i_core.data.procedural.pose import Controls
from t2i_core.data.procedural.timeline import frames, heading_to, smoothstep, track_heading, wrap_angle

CAPACITY = 1200   # frames preallocated per clip (clips are cut to at most 300)


@dataclass
class Contact:
    """At ``frame`` joint ``joint`` of person ``person`` must be within ``max_dist`` metres of the
    mean of joints ``other_joints`` of the other person."""

    frame: int
    person: int
    joint: int
    other_joints: tuple[int, ...]
    max_dist: float
    label: str


class Scene:
    def __init__(self, bodies: tuple[Body, Body], rng: np.random.Generator):
        self.bodies = bodies
        self.rng = rng
        self.ctl = (Controls(CAPACITY), Controls(CAPACITY))
        self.cursor = [0, 0]
        self.contacts: list[Contact] = []
        self.touch_frames: list[tuple[int, int]] = []   # ranges where limbs touch on purpose

    # ------------------------------------------------------------ ground tracks
    def place(self, p: int, xz, heading: float) -> None:
        """Initial state of person ``p`` (written as frame 0)."""
        self.ctl[p].root_xz[0] = xz
        self.ctl[p].heading[0] = heading
        self.cursor[p] = 1

    def xz(self, p: int) -> np.ndarray:
        return self.ctl[p].root_xz[self.cursor[p] - 1].copy()

    def heading(self, p: int) -> float:
        return float(self.ctl[p].heading[self.cursor[p] - 1])

    def distance(self) -> float:
        return float(np.linalg.norm(self.xz(0) - self.xz(1)))

    def append(self, p: int, xz: np.ndarray, heading: np.ndarray) -> slice:
        a = self.cursor[p]
        b = min(a + len(heading), CAPACITY)
        self.ctl[p].root_xz[a:b] = xz[: b - a]
        self.ctl[p].heading[a:b] = heading[: b - a]
        self.cursor[p] = b
        return slice(a, b)

    def hold(self, p: int, until: int) -> None:
        n = until - self.cursor[p]
        if n > 0:
            self.append(p, np.repeat(self.xz(p)[None], n, 0), np.full(n, self.heading(p)))

    def wait(self, p: int, seconds: float) -> None:
        self.hold(p, self.cursor[p] + frames(seconds))

    def sync(self) -> int:
        """Hold whoever is behind; returns the common cursor."""
        t = max(self.cursor)
        for p in (0, 1):
            self.hold(p, t)
        return t

    def face_partner(self, p: int, until: int, delay: float = 0.2, offset: float = 0.0, rate: float = 0.12
                     ) -> None:
        """Person ``p`` stays in place and turns (with a reaction delay) to face the partner's
        track up to frame ``until``; ``offset`` turns away from the partner by that angle."""
        a = self.cursor[p]
        if until <= a:
            return
        q = 1 - p
        partner = self.ctl[q].root_xz[a:until]
        here = self.xz(p)
        desired = heading_to(here[None], partner) + offset
        h0 = self.heading(p)
        desired = h0 + wrap_angle(desired - h0)
        head = track_heading(h0, desired, frames(delay), rate)
        self.append(p, np.repeat(here[None], until - a, 0), head)

    def turn_to(self, p: int, target_heading: float, seconds: float | None = None) -> None:
        h0 = self.heading(p)
        delta = float(wrap_angle(target_heading - h0))
        if seconds is None:
            seconds = 0.35 + abs(delta) / 2.6
        n = frames(seconds)
        head = h0 + delta * smoothstep(np.linspace(0, 1, n))
        self.append(p, np.repeat(self.xz(p)[None], n, 0), head)

    def walk_to(self, p: int, goal, speed: float, end_heading: float | None = None,
                facing: float | None = None) -> int:
        """Walk to ``goal``; heading follows the path unless ``facing`` fixes it (backing up,
        side steps). Returns the number of frames written."""
        start = self.xz(p)
        goal = np.asarray(goal, float)
        if np.linalg.norm(goal - start) < 0.02:
            return 0
        path, n = walk_path(start, goal, speed)
        h0 = self.heading(p)
        if facing is not None:
            target = h0 + wrap_angle(facing - h0)
            head = h0 + (target - h0) * smoothstep(np.linspace(0, 1, n) * 3)
        else:
            end = h0 if end_heading is None else end_heading
            head = travel_heading(path, h0, end, max(3, min(n // 3, frames(0.5))))
        self.append(p, path, head)
        return n

    # ------------------------------------------------------------ body-relative points
    def point(self, p: int, frames_: slice | np.ndarray, local) -> np.ndarray:
        """World points (n, 3) given in p's ground frame: x left, y height above floor, z forward."""
        idx = np.arange(CAPACITY)[frames_]
        h = self.ctl[p].heading[idx]
        root = self.ctl[p].root_xz[idx]
        local = np.broadcast_to(np.asarray(local, float), (len(idx), 3))
        c, s = np.cos(h), np.sin(h)
        out = np.empty((len(idx), 3))
        out[:, 0] = root[:, 0] + c * local[:, 0] + s * local[:, 2]
        out[:, 2] = root[:, 1] - s * local[:, 0] + c * local[:, 2]
        out[:, 1] = local[:, 1]
        return out

    def between(self, frames_: slice, frac: float, height) -> np.ndarray:
        """Points on the segment from person 0's pelvis (frac 0) to person 1's, at ``height``."""
        a = self.ctl[0].root_xz[frames_]
        b = self.ctl[1].root_xz[frames_]
        mid = a + (b - a) * frac
        out = np.empty((len(mid), 3))
        out[:, [0, 2]] = mid
        out[:, 1] = height
        return out

    def set_hand(self, p: int, side: int, a: int, target: np.ndarray, weight: np.ndarray,
                 pole=(0.0, -0.3, -1.0)) -> None:
        """Write a hand target over frames a..a+len(weight); pole in body frame (x made outward)."""
        b = a + len(weight)
        c = self.ctl[p]
        w = np.asarray(weight, float)
        c.hand[side, a:b] = target
        c.hand_w[side, a:b] = np.maximum(c.hand_w[side, a:b], w)
        sign = 1.0 if side == 0 else -1.0
        c.pole[side, a:b] = np.array([pole[0] * sign, pole[1], pole[2]])

    def hand_fn(self, p: int, side: int, a: int, weight: np.ndarray, fn, pole=(0.0, -0.3, -1.0)) -> None:
        """A hand target from solved poses: fn(partner (n, 22, 3), own (n, 22, 3)) -> (n, 3)."""
        b = a + len(weight)
        self.set_hand(p, side, a, np.zeros((b - a, 3)), weight, pole)
        self.ctl[p].hand_fns.append((side, a, b, fn))

    def meet(self, a: int, side_a: int, b: int, side_b: int, start_a: int, w_a: np.ndarray, start_b: int,
             w_b: np.ndarray, height, offset=None, gap: float = 0.02, pole=(0.5, -1.0, -0.3)) -> None:
        """Hands of persons a and b meet at one point both can reach (see ``meeting_point``).

        ``height`` (scalar or per-frame array from ``start_a``) is the preferred height;
        ``offset`` (n, 3) from ``start_a`` moves the point (shaking); the wrists stay ``gap``
        metres either side of it along the line between the shoulders.
        """
        n = max(start_a + len(w_a), start_b + len(w_b)) - start_a
        h = np.broadcast_to(np.asarray(height, float), (n,)).copy()
        off = np.zeros((n, 3)) if offset is None else np.asarray(offset, float)[:n]
        for p, side, other, start, w in ((a, side_a, side_b, start_a, w_a), (b, side_b, side_a, start_b, w_b)):
            sh_own, sh_other = (17, 16)[side == 0], (17, 16)[other == 0]
            k = start - start_a

            def fn(partner, own, sh_own=sh_own, sh_other=sh_other, k=k, p=p):
                m = len(partner)
                pt = meeting_point(own, partner, sh_own, sh_other, h[k:k + m], arm=(self.bodies[p].arm,
                                   self.bodies[1 - p].arm), order=(p == a))
                axis = normalize_rows(partner[:, sh_other] - own[:, sh_own])
                return pt + off[k:k + m] - gap * axis

            self.hand_fn(p, side, start, w, fn, pole=pole)


def normalize_rows(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def meeting_point(own: np.ndarray, partner: np.ndarray, sh_own: int, sh_other: int, height: np.ndarray,
                  arm: tuple[float, float], order: bool = True, margin: float = 0.9) -> np.ndarray:
    """A point between two shoulders at about ``height`` that both arms reach (margin x length).

    Starts at the shoulders' midpoint at ``height`` and alternately projects onto the two reach
    balls; the result is the same whichever person computes it (``order`` says which one this is).
    """
    s1, s2 = (own[:, sh_own], partner[:, sh_other]) if order else (partner[:, sh_other], own[:, sh_own])
    r1, r2 = (margin * arm[0], margin * arm[1]) if order else (margin * arm[1], margin * arm[0])
    m = (s1 + s2) / 2
    m[:, 1] = height
    for _ in range(12):
        for s, r in ((s1, r1), (s2, r2)):
            d = m - s
            dist = np.linalg.norm(d, axis=-1, keepdims=True)
            m = np.where(dist > r, s + d * (r / np.maximum(dist, 1e-9)), m)
    return m
