"""The out-of-distribution two-person vocabulary: two persons doing solo actions in relation.

Each clip has one relation (``RELATIONS``) between the persons' solo actions (``solo``):
    in_turn    one acts, then the other does something else ("one person jumps, then the other claps")
    at_once    both act at the same time, different actions ("one squats while the other stretches")
    together   both do the same action at the same time ("both do jumping jacks")
    copy       one acts, the other watches and then does the same ("... and the other copies them")
    response   an answer that fits: a throw is caught, a salute returned, a cheer met with a fist bump
    mixed      one of today's phases before or after one of the relations above ("they shake hands,
               then both jump")
Clip ``index`` depends only on (seed, index). The base two-person set never uses this module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from t2i_core.data.procedural.body import Body, sample_body
from t2i_core.data.procedural.captions import LATER_FIRST, NAMES, clause, solo_clause
from t2i_core.data.procedural.generator import MAX_FRAMES, MIN_FRAMES, NEEDS, Clip, solve_scene
from t2i_core.data.procedural.interactions import (
    PHASES,
    SIDES,
    WRIST,
    PhaseSpec,
    meet_distance,
    prelude,
    reaction,
    shoulder_x,
    weights,
)
from t2i_core.data.procedural.scene import Contact, Scene
from t2i_core.data.procedural.solo import SOLO_ACTIONS, SoloSpec, build_solo, sample_solo_spec
from t2i_core.data.procedural.solo_captions import phrase
from t2i_core.data.procedural.timeline import frames, heading_to

OOD_VERSION = "1.0"
RELATIONS = ("in_turn", "at_once", "together", "copy", "response", "mixed")
RELATION_WEIGHTS = (0.2, 0.2, 0.2, 0.15, 0.1, 0.15)
# Solo actions that fit two persons facing each other a couple of metres apart (no long travel).
PAIR_ACTIONS = tuple(sorted(k for k, a in SOLO_ACTIONS.items() if not a.travels))
RESPONSES = {"throw": "catch", "salute": "salute", "cheer": "fist_bump"}
MIXED_PHASES = ("handshake", "high_five", "hug", "wave", "bow", "point")
START_DISTANCE = (1.8, 2.6)
SPACE = 1.7   # pelvis distance re-established before solo actions after a close phase


@dataclass
class OodPlan:
    """One clip: its relation, the steps in order, and the persons."""

    relation: str
    steps: list[dict]   # {"relation", "actor": p, "a": SoloSpec, "b": SoloSpec or None} or {"phase": PhaseSpec}
    bodies: tuple[Body, Body]
    start_distance: float
    start_center: tuple[float, float]
    axis_angle: float
    contrast: str | None = None   # the writer's schema: OOD clips have no contrast twins


# ----------------------------------------------------------------------------- planning

def _pair_spec(kind: str, rng: np.random.Generator) -> SoloSpec:
    spec = sample_solo_spec(kind, rng)
    if kind == "jump_direction" and spec.options["direction"] == "forward":
        spec.options["direction"] = str(rng.choice(["backward", "left", "right"]))   # not into the partner
    return spec


def _step(relation: str, actor: int, rng: np.random.Generator) -> dict:
    if relation == "response":
        kind = str(rng.choice(sorted(RESPONSES)))
        a = _pair_spec(kind, rng)
        answer = RESPONSES[kind]
        b = _pair_spec(answer, rng) if answer in SOLO_ACTIONS else None
        return {"relation": relation, "actor": actor, "a": a, "b": b, "answer": answer}
    kind = str(rng.choice(PAIR_ACTIONS))
    a = _pair_spec(kind, rng)
    if relation in ("together", "copy"):
        b = SoloSpec(a.kind, a.side, a.speed, dict(a.options))
    else:
        other = str(rng.choice([k for k in PAIR_ACTIONS if k != kind]))
        b = _pair_spec(other, rng)
    return {"relation": relation, "actor": actor, "a": a, "b": b}


def ood_plan(seed: int, index: int, attempt: int = 0) -> OodPlan:
    # The relation does not depend on the attempt, so redrawing a plan that is too long keeps the mix.
    # (Stream keys differ in more than trailing zeros, which a SeedSequence ignores.)
    relation = str(np.random.default_rng([seed, index, 12]).choice(RELATIONS, p=RELATION_WEIGHTS))
    rng = np.random.default_rng([seed, index, 10, attempt])
    actor = int(rng.integers(0, 2))
    if relation == "mixed":
        inner = str(rng.choice(["together", "at_once", "in_turn", "copy"], p=[0.4, 0.3, 0.15, 0.15]))
        kind = str(rng.choice(MIXED_PHASES))
        pt = PHASES[kind]
        phase = PhaseSpec(kind=kind, initiator=actor, side=str(rng.choice(SIDES, p=[0.4, 0.6])) if pt.sided else None,
                          speed="normal", options=pt.options(rng))
        solo_step = _step(inner, int(rng.integers(0, 2)), rng)
        steps = [{"phase": phase}, solo_step] if rng.random() < 0.6 else [solo_step, {"phase": phase}]
    else:
        steps = [_step(relation, actor, rng)]
    bodies = (sample_body(rng), sample_body(rng))
    first = steps[0].get("phase")
    if first is not None and first.kind != "approach":
        lo, hi = NEEDS[first.kind]
        start = float(rng.uniform(max(lo, 0.8), min(hi, 2.6)))
    else:
        start = float(rng.uniform(*START_DISTANCE))
    return OodPlan(relation=relation, steps=steps, bodies=bodies, start_distance=start,
                   start_center=(float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1))),
                   axis_angle=float(rng.uniform(-np.pi, np.pi)))


# ----------------------------------------------------------------------------- building

def build_fist_bump(sc: Scene, spec: PhaseSpec) -> None:
    """Both persons step close and bump fists (the initiator's ``side`` fist against the other's opposite)."""
    ini, res, s = spec.initiator, spec.responder, spec.side_index
    height = min(b.chest_height for b in sc.bodies)
    dist = meet_distance(sc, height, tuple(shoulder_x(b) - 0.08 for b in sc.bodies), 0.05)
    t0 = prelude(sc, spec, float(np.clip(dist, 0.6, 0.85)), speed=0.9)
    rise, delay = frames(0.45), reaction(sc)
    t_hit = t0 + delay + rise
    fall = frames(0.45)
    end = t_hit + frames(0.1) + fall + frames(0.3)
    for p in (0, 1):
        sc.hold(p, end + 1)
    sc.meet(ini, s, res, 1 - s, t0, weights(rise + delay, frames(0.1), fall), t0 + delay,
            weights(rise, frames(0.1), fall), height, gap=0.05, pole=(0.8, -1.0, -0.3))
    sc.contacts.append(Contact(t_hit, ini, WRIST[s], (WRIST[1 - s],), 0.14, "fist bump"))
    sc.touch_frames.append((t0, end))


def _space_out(sc: Scene) -> None:
    """After a close phase, the second person steps back so that both have room (uncaptioned)."""
    sc.sync()
    if sc.distance() >= SPACE - 0.1:
        return
    here, there = sc.xz(1), sc.xz(0)
    away = (here - there) / max(sc.distance(), 1e-6)
    sc.walk_to(1, there + away * SPACE, 0.7, facing=float(heading_to(here, there)))
    sc.face_partner(0, sc.cursor[1], delay=0.2)
    sc.sync()


def _act(sc: Scene, p: int, spec: SoloSpec, labels: list[dict], relation: str) -> None:
    start = sc.cursor[p]
    build_solo(sc, p, spec)
    labels.append({"kind": spec.kind, "start": int(start), "end": int(sc.cursor[p]), "person": p + 1,
                   "relation": relation, "side": spec.side, "speed": spec.speed, "options": spec.options})


def _watch(sc: Scene, p: int, until: int) -> None:
    sc.face_partner(p, until, delay=0.25)


def build_step(sc: Scene, step: dict, labels: list[dict]) -> None:
    if "phase" in step:
        spec = step["phase"]
        start = sc.sync()
        (build_fist_bump if spec.kind == "fist_bump" else PHASES[spec.kind].build)(sc, spec)
        labels.append({"kind": spec.kind, "start": int(start), "end": int(sc.sync()), "person": spec.initiator + 1,
                       "relation": "phase", "side": spec.side, "speed": spec.speed, "options": spec.options})
        return
    _space_out(sc)
    relation, p = step["relation"], step["actor"]
    q = 1 - p
    if relation in ("at_once", "together"):
        _act(sc, p, step["a"], labels, relation)
        _act(sc, q, step["b"], labels, relation)
        for who in (p, q):
            _watch(sc, who, max(sc.cursor))
        sc.sync()
        return
    _act(sc, p, step["a"], labels, relation)
    if relation == "response" and step["answer"] == "catch":
        # The catcher reaches out while the throw comes; the thrower holds the follow-through.
        _watch(sc, q, labels[-1]["start"] + frames(0.35))
    else:
        _watch(sc, q, sc.cursor[p] + reaction(sc))
    if relation == "response" and step["answer"] == "fist_bump":
        spec = PhaseSpec("fist_bump", initiator=q, side=str(sc.rng.choice(SIDES)))
        build_step(sc, {"phase": spec}, labels)
        labels[-1]["relation"] = relation
        return
    _act(sc, q, step["b"], labels, relation)
    _watch(sc, p, sc.cursor[q])
    sc.sync()


def build_ood_scene(plan: OodPlan, rng: np.random.Generator) -> tuple[Scene, list[dict], list[dict]]:
    """Build the plan; returns the scene, the action labels and the steps as built (with any
    approach inserted before a close phase, which the captions then tell)."""
    sc = Scene(plan.bodies, rng)
    c = np.array(plan.start_center)
    axis = np.array([np.sin(plan.axis_angle), np.cos(plan.axis_angle)])
    half = plan.start_distance / 2
    sc.place(0, c - axis * half, plan.axis_angle)
    sc.place(1, c + axis * half, plan.axis_angle + np.pi)
    sc.wait(0, float(rng.uniform(0.2, 0.5)))
    sc.sync()
    labels: list[dict] = []
    built: list[dict] = []
    for i, step in enumerate(plan.steps):
        phase = step.get("phase")
        if phase is not None and i > 0 and NEEDS[phase.kind][1] < 1.5:
            approach = {"phase": PhaseSpec("approach", phase.initiator, None, "normal", {"stop": 1.1})}
            build_step(sc, approach, labels)
            built.append(approach)
        build_step(sc, step, labels)
        built.append(step)
    sc.wait(0, float(rng.uniform(0.2, 0.4)))
    sc.sync()
    return sc, labels, built


# ----------------------------------------------------------------------------- captions

def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _step_clause(step: dict, x: str, y: str, k: int, pronoun_y: str) -> str:
    """The step as a clause with ``x`` the actor and ``y`` the other; paraphrase ``k``."""
    relation = step["relation"]
    a = phrase(step["a"], k)
    if relation == "in_turn":
        b = phrase(step["b"], k)
        return (f"{x} {a}, then {y} {b}", f"{x} {a}, and after that {y} {b}", f"{x} {a}; afterwards {y} {b}")[k]
    if relation == "at_once":
        b = phrase(step["b"], k)
        return (f"{x} {a} while {y} {b}", f"{x} {a} and at the same time {y} {b}", f"while {x} {a}, {y} {b}")[k]
    if relation == "together":
        return (f"both people act together, and each {a}", f"at the same time, each of the two people {a}",
                f"the two of them move in unison: each {a}")[k]
    if relation == "copy":
        return (f"{x} {a}, and {y} copies them", f"{x} {a}; {y} watches and then does the same",
                f"{x} {a}, and then {y} does the same")[k]
    answer = step["answer"]
    if answer == "catch":
        b = phrase(step["b"], k)
        return (f"{x} {a} to {y}, who {b}", f"{x} {a}, and {y} {b}", f"{x} {a} toward {y}; {y} {b}")[k]
    if answer == "salute":
        side = step["b"].side or "right"
        return (f"{x} {a}, and {y} salutes back with the {side} hand",
                f"{x} {a}; {y} returns the salute with the {side} hand",
                f"{x} {a} and {y} answers with a {side}-handed salute")[k]
    return (f"{x} {a}, and {y} answers with a fist bump", f"{x} {a}; then {y} and {pronoun_y} bump fists",
            f"{x} {a} and {y} comes over to bump fists with them")[k]


def clip_captions(steps: list[dict]) -> list[str]:
    """Three captions of the steps as built, in the two-person set's style: roles named by who acts
    first in the clip."""
    named = [s for s in steps if s.get("relation") != "together"]   # "together" names nobody
    first = (named[0]["phase"].initiator if "phase" in named[0] else named[0]["actor"]) if named else 0
    out = []
    for k in range(3):
        clauses = []
        mentioned = False
        for step in steps:
            names = {first: LATER_FIRST[k] if mentioned else NAMES[k][0], 1 - first: NAMES[k][1]}
            mentioned = mentioned or step.get("relation") != "together"
            if "phase" in step:
                spec = step["phase"]
                clauses.append(clause(spec, names[spec.initiator], names[spec.responder], k))
            else:
                p = step["actor"]
                clauses.append(_step_clause(step, names[p], names[1 - p], k, names[p]))
        if len(clauses) == 1:
            out.append(_cap(clauses[0]))
        else:
            joiner = (", then ", ". Then ", ". After that, ")[k]
            body = joiner.join(clauses)
            out.append(_cap(("First, " + body) if k == 1 else body))
    return out


def person_captions(labels: list[dict], person: int) -> list[str]:
    """Three descriptions of what ``person`` (0/1) does, in time order."""
    parts: list[tuple[int, str]] = []
    for lab in labels:
        if lab["relation"] == "phase" or lab["kind"] == "fist_bump":
            spec = PhaseSpec(lab["kind"], lab["person"] - 1, lab["side"], lab["speed"], lab["options"])
            text = ("bumps fists with someone" if lab["kind"] == "fist_bump"
                    else solo_clause(spec, 0 if spec.initiator == person else 1))
            parts.append((lab["start"], text))
        elif lab["person"] - 1 == person:
            spec = SoloSpec(lab["kind"], lab["side"], lab["speed"], lab["options"])
            parts.append((lab["start"], spec))
    subjects = ("a person", "the person", "someone")
    out = []
    for k in range(3):
        texts = [phrase(t, k) if isinstance(t, SoloSpec) else t for _, t in sorted(parts, key=lambda x: x[0])]
        if not texts:
            texts = ["stands and watches someone"]
        out.append(_cap(f"{subjects[k]} " + (", then " if k != 1 else ", and then ").join(texts)))
    return out


# ----------------------------------------------------------------------------- clips

def mark_initiators(labels: list[dict], length: int) -> None:
    """Cut labels to ``length`` frames and give ``initiator`` (the manifest's acting person) to the
    labels during which only that person acts. Where both act at once (at once, together, a catch
    under way) no label gets one, so readers of the manifest's phases (``data.roles``) leave the
    clip unlabelled instead of naming one actor.
    """
    for lab in labels:
        lab["end"] = min(lab["end"], length)
    for lab in labels:
        overlaps = any(o is not lab and o["person"] != lab["person"] and o["start"] < lab["end"]
                       and lab["start"] < o["end"] for o in labels)
        if not overlaps:
            lab["initiator"] = lab["person"]


def generate_ood_clip(seed: int, index: int) -> Clip:
    """Clip ``index`` of the OOD set from ``seed``; a plan that runs over 10 s is redrawn."""
    for attempt in range(30):
        plan = ood_plan(seed, index, attempt)
        sc, labels, built = build_ood_scene(plan, np.random.default_rng([seed, index, 11, attempt]))
        if sc.cursor[0] <= MAX_FRAMES:
            break
    length = min(sc.cursor[0], MAX_FRAMES)
    if length < MIN_FRAMES:
        sc.hold(0, MIN_FRAMES)
        sc.sync()
        length = MIN_FRAMES
    positions, rot6d, stance = solve_scene(sc, length)
    mark_initiators(labels, length)
    return Clip(index=index, plan=plan, positions=positions, rot6d=rot6d, stance=stance, phases=labels,
                contacts=[c for c in sc.contacts if c.frame < length], touch_frames=sc.touch_frames,
                captions=clip_captions(built), person_captions=[person_captions(labels, p) for p in (0, 1)],
                bodies=plan.bodies)
