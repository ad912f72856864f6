"""Seeded single-person clips: sequences of solo actions, and the phases' single-person tracks.

Clip ``index`` of a corpus drawn from ``seed`` depends only on (seed, index). Three in four clips
are one person doing one to three solo actions (``solo``) in a row; one in four is one person's
own track of a two-person clip of today's 23 phases (built by ``generator`` from a separate seed
stream, ``seed + PHASE_SEED_OFFSET``, so no two-person clip of the same seed is echoed) with that
person's individual descriptions, as ``annots_individual`` holds them. So the corpus covers every
kind of movement the two-person set has and the solo vocabulary on top, as HumanML3D is broader
than InterHuman.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from t2i_core.data.procedural.body import sample_body
from t2i_core.data.procedural.generator import generate_clip
from t2i_core.data.procedural.pose import Pose, gait_for, solve
from t2i_core.data.procedural.scene import Scene
from t2i_core.data.procedural.solo import SOLO_ACTIONS, SoloSpec, build_solo, sample_solo_spec
from t2i_core.data.procedural.solo_captions import solo_captions
from t2i_core.data.procedural.timeline import FPS
from t2i_core.motion.humanml3d import HUMANML3D_FPS

SOLO_VERSION = "1.0"
MAX_FRAMES = 196 * FPS // HUMANML3D_FPS  # 9.8 s: HumanML3D's longest clip (196 frames at 20 fps)
MIN_FRAMES = 2 * FPS        # HumanML3D's shortest clips are 2 s (40 frames at 20 fps)
PHASE_SHARE = 0.25          # share of clips taken from the two-person phases
PHASE_SEED_OFFSET = 1_000_003
ACTION_COUNTS = ((1, 0.45), (2, 0.4), (3, 0.15))


@dataclass
class SoloClip:
    index: int
    positions: np.ndarray            # (T, 22, 3) Y-up metres at 30 fps
    captions: list[str]
    source: str                      # "solo" or "phase"
    actions: list[dict] = field(default_factory=list)   # kind, frame range, side, speed, options
    height: float = 0.0

    @property
    def frames(self) -> int:
        return self.positions.shape[0]


def is_phase_clip(seed: int, index: int) -> bool:
    return float(np.random.default_rng([seed, index, 3]).random()) < PHASE_SHARE


def solo_plan(seed: int, index: int) -> tuple[list[SoloSpec], np.random.Generator]:
    """The actions of a solo clip; the generator goes on to draw the body and placement."""
    rng = np.random.default_rng([seed, index, 0])
    names = sorted(SOLO_ACTIONS)
    count = int(rng.choice([c for c, _ in ACTION_COUNTS], p=[w for _, w in ACTION_COUNTS]))
    kinds: list[str] = []
    while len(kinds) < count:
        kind = str(rng.choice(names))
        if not kinds or kind != kinds[-1]:
            kinds.append(kind)
    return [sample_solo_spec(kind, rng) for kind in kinds], rng


def build_solo_scene(specs: list[SoloSpec], body, start_xz, heading: float, idle: tuple[float, float]
                     ) -> tuple[Scene, list[dict]]:
    """A scene where person 0 does ``specs`` in order (person 1 is absent: held far away)."""
    sc = Scene((body, body), np.random.default_rng(0))
    sc.place(0, np.asarray(start_xz, float), heading)
    sc.place(1, np.array([1e3, 1e3]), 0.0)
    sc.wait(0, idle[0])
    labels = []
    for spec in specs:
        start = sc.cursor[0]
        build_solo(sc, 0, spec)
        labels.append({"kind": spec.kind, "start": int(start), "end": int(sc.cursor[0]), "side": spec.side,
                       "speed": spec.speed, "options": spec.options})
    sc.wait(0, idle[1])
    return sc, labels


def solve_person(sc: Scene, p: int, length: int) -> Pose:
    """The pose of person ``p`` over ``length`` frames, alone (no partner to look at)."""
    ctl = sc.ctl[p].truncated(length)
    return solve(sc.bodies[p], ctl, gait_for(sc.bodies[p], ctl))


def generate_solo_clip(seed: int, index: int) -> SoloClip:
    """Clip ``index`` of the single-person corpus drawn from ``seed``."""
    if is_phase_clip(seed, index):
        return _phase_clip(seed, index)
    specs, rng = solo_plan(seed, index)
    body = sample_body(rng)
    start = (float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1)))
    heading = float(rng.uniform(-np.pi, np.pi))
    idle = (float(rng.uniform(0.2, 0.5)), float(rng.uniform(0.3, 0.5)))
    # Keep the longest prefix of the actions that fits in MAX_FRAMES.
    keep = len(specs)
    while True:
        sc, labels = build_solo_scene(specs[:keep], body, start, heading, idle)
        if sc.cursor[0] <= MAX_FRAMES or keep == 1:
            break
        keep -= 1
    specs = specs[:keep]
    if sc.cursor[0] < MIN_FRAMES:
        sc.hold(0, MIN_FRAMES)
    length = min(sc.cursor[0], MAX_FRAMES)
    for lab in labels:
        lab["end"] = min(lab["end"], length)
    positions = solve_person(sc, 0, length).positions
    return SoloClip(index=index, positions=positions, captions=solo_captions(specs), source="solo",
                    actions=labels, height=body.height)


def _phase_clip(seed: int, index: int) -> SoloClip:
    clip = generate_clip(seed + PHASE_SEED_OFFSET, index)
    person = int(np.random.default_rng([seed, index, 4]).integers(0, 2))
    length = min(clip.frames, MAX_FRAMES)
    actions = [{**lab, "role": "initiator" if lab["initiator"] == person + 1 else "responder",
                "end": min(lab["end"], length)} for lab in clip.phases]
    return SoloClip(index=index, positions=clip.positions[person, :length], captions=clip.person_captions[person],
                    source="phase", actions=actions, height=clip.bodies[person].height)
