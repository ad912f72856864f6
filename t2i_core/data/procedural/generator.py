"""Seeded generation of one two-person clip: phases -> control tracks -> poses -> captions.

Clips come in contrast pairs: clip ``2g`` is group g's base clip and clip ``2g + 1`` the same
persons and phases with one thing changed - the order of two phases, the side of the hand or leg,
who initiates a later phase, or the speed - so that word-level text matters. Everything about a
clip is drawn from ``numpy.random.default_rng([seed, group, stream])``, so a clip depends only on
(seed, index) and any subset of clips can be built in any order, on any number of workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from t2i_core.data.procedural.body import Body, sample_body
from t2i_core.data.procedural.captions import clip_captions, person_captions
from t2i_core.data.procedural.interactions import PHASES, SIDES, PhaseSpec
from t2i_core.data.procedural.pose import gait_for, solve
from t2i_core.data.procedural.scene import Contact, Scene
from t2i_core.data.procedural.timeline import FPS
from t2i_core.motion.rotation import matrix_to_rot6d

GENERATOR_VERSION = "1.0"
MAX_FRAMES = 10 * FPS
MIN_FRAMES = 2 * FPS

# Unordered phase pairs that never occur together in train/val: held out for the test split.
HELD_OUT_PAIRS = frozenset(frozenset(p) for p in (
    ("wave", "hug"), ("bow", "high_five"), ("handshake", "kick"), ("push", "hand_over"),
    ("approach", "tug_of_war"), ("point", "follow"), ("hold_hands_circle", "bow"), ("punch", "help_up"),
))

# Distance (m) between the two pelvises that a phase wants before it starts: (low, high).
NEEDS = {
    "handshake": (0.6, 0.9), "hug": (0.8, 1.1), "high_five": (0.7, 1.0), "punch": (0.7, 0.95),
    "push": (0.6, 0.85), "kick": (1.1, 1.5), "grab_pull": (0.75, 1.0), "hand_over": (0.7, 1.0),
    "help_up": (0.75, 1.0), "carry": (0.95, 1.2), "hold_hands_circle": (0.7, 0.95), "mirror": (1.3, 1.8),
    "sparring": (1.1, 1.4), "tug_of_war": (1.9, 2.3), "bow": (1.6, 2.4), "wave": (1.2, 4.0),
    "point": (1.0, 3.5), "beckon": (2.2, 4.0), "approach": (2.0, 4.0), "circle": (1.2, 1.8),
    "retreat": (0.8, 2.5), "follow": (0.8, 2.5), "side_by_side": (0.6, 1.6),
}
# Distance after a phase, as a function of the distance before it.
AFTER = {
    "approach": lambda d: 1.1, "retreat": lambda d: d + 1.8, "push": lambda d: d + 0.8,
    "kick": lambda d: d + 0.4, "beckon": lambda d: 1.05, "follow": lambda d: 1.1,
    "side_by_side": lambda d: 0.75, "hug": lambda d: 0.85,
}
CONTRASTS = ("order", "side", "initiator", "speed")


@dataclass
class ClipPlan:
    specs: list[PhaseSpec]
    bodies: tuple[Body, Body]
    start_distance: float
    start_center: tuple[float, float]
    axis_angle: float                 # direction from person 0 to person 1 (heading convention)
    facing_noise: tuple[float, float]  # initial heading offsets from facing each other
    contrast: str | None = None


@dataclass
class Clip:
    index: int
    plan: ClipPlan
    positions: np.ndarray        # (2, T, 22, 3) Y-up metres
    rot6d: np.ndarray            # (2, T, 21, 6) local rotations
    stance: np.ndarray           # (2, 2, T) planted flags per person and foot
    phases: list[dict]           # labels with frame ranges
    contacts: list[Contact]
    touch_frames: list[tuple[int, int]]   # frame ranges where limbs touch the partner on purpose
    captions: list[str]
    person_captions: list[list[str]]
    bodies: tuple[Body, Body] = field(repr=False, default=None)

    @property
    def frames(self) -> int:
        return self.positions.shape[1]


def _distance_ok(kind: str, d: float) -> bool:
    hi = NEEDS[kind][1]
    return d <= hi + 0.9 and (kind != "beckon" or d >= 1.9) and (kind != "approach" or d >= 1.9)


def _sample_spec(kind: str, initiator: int, rng: np.random.Generator) -> PhaseSpec:
    pt = PHASES[kind]
    side = str(rng.choice(SIDES, p=[0.4, 0.6])) if pt.sided else None
    speed = str(rng.choice(["slowly", "normal", "quickly"], p=[0.2, 0.6, 0.2])) if pt.speeds else "normal"
    return PhaseSpec(kind=kind, initiator=initiator, side=side, speed=speed, options=pt.options(rng))


def fix_distances(kinds: list[str], start: float) -> list[str]:
    """Insert an approach where a phase would otherwise need a long uncaptioned walk-in."""
    out, d = [], start
    for kind in kinds:
        if not _distance_ok(kind, d) and out[-1:] != ["approach"]:
            out.append("approach")
            d = 1.1
        out.append(kind)
        lo, hi = NEEDS[kind]
        if kind not in ("wave", "point", "retreat", "follow", "side_by_side", "approach", "beckon"):
            d = float(np.clip(d, lo, hi))
        d = AFTER.get(kind, lambda x: x)(d)
    return out


def plan_group(seed: int, group: int) -> tuple[ClipPlan, str | None]:
    """The base plan of a contrast group and the contrast its second clip applies."""
    rng = np.random.default_rng([seed, group, 0])
    names = sorted(PHASES)
    count = int(rng.choice([1, 2, 3], p=[0.35, 0.4, 0.25]))
    for _ in range(50):
        kinds = [str(rng.choice(names))]
        while len(kinds) < count:
            k = str(rng.choice(names))
            if k != kinds[-1]:
                kinds.append(k)
        first = kinds[0]
        lo, hi = NEEDS[first]
        start = float(rng.uniform(max(lo, 0.8), min(hi, 4.0)))
        if first in ("approach", "beckon"):
            start = float(rng.uniform(2.2, 4.0))
        full = fix_distances(kinds, start)
        if len(full) <= 3 and not (full[0] == "approach" and start < 1.9):
            break
    else:
        full, start = ["approach"], 3.0
    initiators = [int(rng.integers(0, 2))]
    for _ in full[1:]:
        # Later phases: the same person acts again, or the other one takes the lead.
        initiators.append(initiators[-1] if rng.random() < 0.5 else 1 - initiators[-1])
    specs = [_sample_spec(k, i, rng) for k, i in zip(full, initiators)]
    bodies = (sample_body(rng), sample_body(rng))
    facing = (float(rng.normal(0, 0.15)), float(rng.normal(0, 0.15)))
    if rng.random() < 0.2:   # the responder starts turned away and turns around first
        res = 1 - specs[0].initiator
        noise = list(facing)
        noise[res] = float(rng.choice([-1, 1]) * rng.uniform(1.2, 3.0))
        facing = (noise[0], noise[1])
    plan = ClipPlan(specs=specs, bodies=bodies, start_distance=start,
                    start_center=(float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1))),
                    axis_angle=float(rng.uniform(-np.pi, np.pi)), facing_noise=facing)
    options = [c for c in CONTRASTS if _contrast_applies(plan, c)]
    contrast = str(rng.choice(options)) if options else None
    return plan, contrast


def _contrast_applies(plan: ClipPlan, kind: str) -> bool:
    specs = plan.specs
    core = [s for s in specs if s.kind != "approach" or s is specs[0]]
    if kind == "order":
        return len(core) >= 2 and len({s.kind for s in core}) >= 2 and core[0].kind != "approach"
    if kind == "side":
        return any(s.side for s in specs)
    if kind == "initiator":
        return len(specs) >= 2
    if kind == "speed":
        return any(PHASES[s.kind].speeds for s in specs)
    return False


def apply_contrast(plan: ClipPlan, kind: str) -> ClipPlan:
    """The group's second clip: ``plan`` with one attribute changed."""
    specs = [PhaseSpec(s.kind, s.initiator, s.side, s.speed, dict(s.options)) for s in plan.specs]
    if kind == "order":
        core = [s for s in specs if s.kind != "approach"]
        core[0], core[1] = core[1], core[0]
        # Keep who-acts-first: the swapped phases keep their initiators in place.
        core[0].initiator, core[1].initiator = core[1].initiator, core[0].initiator
        kinds = fix_distances([s.kind for s in core], plan.start_distance)
        by_kind = {s.kind: s for s in core}
        specs = []
        last = core[0].initiator
        for k in kinds:
            s = by_kind.get(k) or PhaseSpec("approach", last, None, "normal", {"stop": 1.1})
            specs.append(s)
            last = s.initiator
        specs = specs[:3]
    elif kind == "side":
        for s in specs:
            if s.side:
                s.side = SIDES[1 - SIDES.index(s.side)]
                break
    elif kind == "initiator":
        specs[-1].initiator = 1 - specs[-1].initiator
    elif kind == "speed":
        for s in reversed(specs):
            if PHASES[s.kind].speeds:
                s.speed = "quickly" if s.speed == "slowly" else "slowly"
                break
    return ClipPlan(specs=specs, bodies=plan.bodies, start_distance=plan.start_distance,
                    start_center=plan.start_center, axis_angle=plan.axis_angle,
                    facing_noise=plan.facing_noise, contrast=kind)


def _with_specs(plan: ClipPlan, specs: list[PhaseSpec], contrast: str | None) -> ClipPlan:
    return ClipPlan(specs=list(specs), bodies=plan.bodies, start_distance=plan.start_distance,
                    start_center=plan.start_center, axis_angle=plan.axis_angle,
                    facing_noise=plan.facing_noise, contrast=contrast)


def clip_plan(seed: int, index: int) -> ClipPlan:
    """The plan of clip ``index``: its group's base plan, or the contrast of it for odd indices.

    Both clips of a group are cut to the same number of phases, the most for which both fit in
    ``MAX_FRAMES``; a contrast that the cut removes is dropped (the clips become identical).
    """
    base, contrast = plan_group(seed, index // 2)
    variant = apply_contrast(base, contrast) if contrast else None
    keep = len(base.specs)
    while keep > 1:
        lengths = [scene_length(seed, index // 2, _with_specs(p, p.specs[:keep], contrast))
                   for p in (base, variant) if p is not None]
        if max(lengths) <= MAX_FRAMES:
            break
        keep -= 1
    if variant is not None and keep < len(base.specs):
        same = [(s.kind, s.initiator, s.side, s.speed) for s in base.specs[:keep]] == \
            [(s.kind, s.initiator, s.side, s.speed) for s in variant.specs[:keep]]
        if same:
            contrast = None
    chosen = variant if index % 2 == 1 and variant is not None and contrast else base
    if contrast == "order" and variant is not None and not _still_reordered(base.specs[:keep], variant.specs[:keep]):
        contrast = None  # the cut left different phases, not the same phases in another order
    return _with_specs(chosen, chosen.specs[:keep], contrast)


def _still_reordered(base: list[PhaseSpec], variant: list[PhaseSpec]) -> bool:
    """True when the two phase lists hold the same phases in a different order."""
    kinds, other = [s.kind for s in base], [s.kind for s in variant]
    return sorted(kinds) == sorted(other) and kinds != other


def scene_length(seed: int, group: int, plan: ClipPlan) -> int:
    sc, _ = build_scene(plan, np.random.default_rng([seed, group, 1]))
    return sc.cursor[0]


def build_scene(plan: ClipPlan, rng: np.random.Generator) -> tuple[Scene, list[dict]]:
    """Run the phase builders; returns the scene and phase labels with frame ranges."""
    sc = Scene(plan.bodies, rng)
    c = np.array(plan.start_center)
    axis = np.array([np.sin(plan.axis_angle), np.cos(plan.axis_angle)])
    half = plan.start_distance / 2
    sc.place(0, c - axis * half, plan.axis_angle + plan.facing_noise[0])
    sc.place(1, c + axis * half, plan.axis_angle + np.pi + plan.facing_noise[1])
    sc.wait(0, float(rng.uniform(0.2, 0.5)))
    sc.sync()
    labels = []
    for spec in plan.specs:
        start = sc.sync()
        PHASES[spec.kind].build(sc, spec)
        end = sc.sync()
        labels.append({"kind": spec.kind, "start": int(start), "end": int(end),
                       "initiator": spec.initiator + 1, "side": spec.side, "speed": spec.speed,
                       "options": spec.options})
    sc.wait(0, float(rng.uniform(0.2, 0.4)))
    sc.sync()
    return sc, labels


def generate_clip(seed: int, index: int) -> Clip:
    """The clip ``index`` of the data set generated from ``seed``."""
    return clip_from_plan(clip_plan(seed, index), seed, index)


def single_phase_plan(kind: str, seed: int = 0, **overrides) -> ClipPlan:
    """A one-phase plan of ``kind`` (persons and options drawn from ``seed``); for tests and demos.

    ``overrides`` set PhaseSpec fields (initiator, side, speed) or options.
    """
    rng = np.random.default_rng([seed, 99])
    spec = _sample_spec(kind, int(rng.integers(0, 2)), rng)
    for key, value in overrides.items():
        if key in ("initiator", "side", "speed"):
            setattr(spec, key, value)
        else:
            spec.options[key] = value
    lo, hi = NEEDS[kind]
    start = float(rng.uniform(max(lo, 0.8), min(hi, 4.0)))
    return ClipPlan(specs=[spec], bodies=(sample_body(rng), sample_body(rng)), start_distance=start,
                    start_center=(0.0, 0.0), axis_angle=float(rng.uniform(-np.pi, np.pi)),
                    facing_noise=(0.0, 0.0))


def clip_from_plan(plan: ClipPlan, seed: int, index: int) -> Clip:
    """Build, solve and caption ``plan`` with the motion random stream of (seed, index // 2)."""
    sc, labels = build_scene(plan, np.random.default_rng([seed, index // 2, 1]))
    length = sc.cursor[0]
    length = min(length, MAX_FRAMES)
    if length < MIN_FRAMES:
        sc.hold(0, MIN_FRAMES)
        sc.sync()
        length = MIN_FRAMES
    for lab in labels:
        lab["end"] = min(lab["end"], length)
    positions, rot6d, stance = solve_scene(sc, length)
    return Clip(
        index=index, plan=plan, positions=positions, rot6d=rot6d,
        stance=stance, phases=labels,
        contacts=[c for c in sc.contacts if c.frame < length], touch_frames=sc.touch_frames,
        captions=clip_captions(plan.specs), person_captions=[person_captions(plan.specs, p) for p in (0, 1)],
        bodies=plan.bodies,
    )


def solve_scene(sc: Scene, length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Both persons' first ``length`` frames: positions (2, T, 22, 3), 6D rotations (2, T, 21, 6) and
    stance flags (2, 2, T). A first pass poses each person alone; the second adds gaze and the
    hand targets that depend on the partner's pose."""
    ctl = [c.truncated(length) for c in sc.ctl]
    gaits = [gait_for(b, c) for b, c in zip(sc.bodies, ctl)]
    first = [solve(b, c, g) for b, c, g in zip(sc.bodies, ctl, gaits)]
    poses = [solve(sc.bodies[p], ctl[p], gaits[p], partner=first[1 - p].positions, own=first[p].positions)
             for p in (0, 1)]
    return (np.stack([p.positions for p in poses]), np.stack([matrix_to_rot6d(p.local) for p in poses]),
            np.stack([p.stance for p in poses]))
