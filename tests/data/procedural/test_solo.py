"""Solo actions: every kind animates plausibly, does what it says, and is captioned by name."""

from __future__ import annotations

import numpy as np
import pytest

from t2i_core.data.procedural.body import make_body
from t2i_core.data.procedural.interactions import PHASES
from t2i_core.data.procedural.solo import SOLO_ACTIONS, SoloSpec, sample_solo_spec
from t2i_core.data.procedural.solo_captions import KEYWORDS, phrase, solo_captions
from t2i_core.data.procedural.solo_corpus import build_solo_scene, generate_solo_clip, solve_person
from t2i_core.skeleton import bone_lengths

FEET = [7, 8, 10, 11]          # ankles and toes
PELVIS, L_HIP, R_HIP = 0, 1, 2


def _run(spec: SoloSpec, height: float = 1.75, heading: float = 0.4):
    body = make_body(height)
    sc, _labels = build_solo_scene([spec], body, (0.3, -0.2), heading, (0.3, 0.3))
    pose = solve_person(sc, 0, sc.cursor[0])
    return pose, body, sc


@pytest.fixture(scope="module")
def every_kind():
    """Two variants (sides, speeds, options) of every solo action, on two body sizes."""
    out = []
    for kind in sorted(SOLO_ACTIONS):
        for v, height in enumerate((1.6, 1.9)):
            spec = sample_solo_spec(kind, np.random.default_rng([v, len(kind)]))
            if SOLO_ACTIONS[kind].sided:
                spec.side = ("left", "right")[v]
            pose, body, sc = _run(spec, height)
            out.append((spec, pose, body, sc))
    return out


def test_vocabulary_is_wide_and_new():
    assert len(SOLO_ACTIONS) >= 30
    assert not set(SOLO_ACTIONS) & set(PHASES)
    assert set(KEYWORDS) == set(SOLO_ACTIONS)


def test_bone_lengths_constant(every_kind):
    for spec, pose, _, _ in every_kind:
        assert np.ptp(bone_lengths(pose.positions), axis=0).max() < 1e-6, spec.kind


def test_feet_on_or_above_floor_and_planted_feet_still(every_kind):
    for spec, pose, _, _ in every_kind:
        pos = pose.positions
        assert pos[..., 1].min() >= -1e-6, spec.kind
        for foot, (ankle, toe) in enumerate(((7, 10), (8, 11))):
            planted = pose.stance[foot]
            assert planted.any(), spec.kind
            assert pos[planted, toe, 1].max() < 0.05, spec.kind
            edges = np.flatnonzero(np.diff(np.concatenate([[0], planted.astype(int), [0]])))
            for start, stop in zip(edges[::2], edges[1::2]):
                xz = pos[start:stop, ankle][:, [0, 2]]
                assert np.linalg.norm(xz - xz[0], axis=-1).max() <= 0.02, spec.kind


def test_jumps_leave_the_floor(every_kind):
    for spec, pose, _body, _ in every_kind:
        if not SOLO_ACTIONS[spec.kind].airborne:
            continue
        pos = pose.positions
        lowest_foot = pos[:, FEET, 1].min(axis=1)
        assert lowest_foot.max() > pos[0, FEET, 1].min() + 0.04, spec.kind   # both feet off the floor at once
        if spec.kind.startswith("jump_"):
            assert pos[:, PELVIS, 1].max() - pos[0, PELVIS, 1] >= 0.15, spec.kind


def test_low_actions_go_down(every_kind):
    for spec, pose, body, _ in every_kind:
        drop = pose.positions[0, PELVIS, 1] - pose.positions[:, PELVIS, 1].min()
        if spec.kind in ("squat", "crouch", "kneel"):
            assert drop >= 0.25 * body.leg, spec.kind
        if spec.kind in ("lunge", "pick_up"):
            assert drop >= 0.1, spec.kind
        if spec.kind in ("touch_toes", "pick_up"):
            # Wrists below the standing knees (the hand reaches some 0.15 m further down).
            wrists = pose.positions[:, [20, 21], 1].min()
            assert wrists < pose.positions[0, [4, 5], 1].min(), spec.kind


def _hip_turn(pos: np.ndarray) -> float:
    across = pos[:, R_HIP] - pos[:, L_HIP]
    angle = np.unwrap(np.arctan2(across[:, 2], across[:, 0]))
    return float(np.degrees(angle[-1] - angle[0]))


def test_turns_turn():
    for direction, sign in (("left", 1), ("right", -1)):
        pose, _, _ = _run(SoloSpec("turn_around", options={"direction": direction}))
        assert abs(_hip_turn(pose.positions) - sign * -180) < 25
        pose, _, _ = _run(SoloSpec("spin", options={"direction": direction, "turns": 1.0}))
        assert abs(_hip_turn(pose.positions) - sign * -360) < 25


def test_travel_goes_where_it_says():
    for direction in ("forward", "backward", "left", "right"):
        pose, _, _sc = _run(SoloSpec("walk", options={"direction": direction, "distance": 2.0}), heading=0.0)
        moved = pose.positions[-1, PELVIS, [0, 2]] - pose.positions[0, PELVIS, [0, 2]]
        expected = {"forward": (0, 2), "backward": (0, -2), "left": (2, 0), "right": (-2, 0)}[direction]
        assert np.linalg.norm(moved - np.array(expected)) < 0.3, direction
    pose, _, _ = _run(SoloSpec("jump_direction", options={"direction": "forward", "distance": 0.6}), heading=0.0)
    assert pose.positions[-1, PELVIS, 2] - pose.positions[0, PELVIS, 2] > 0.45
    pose, _, _ = _run(SoloSpec("run", options={"distance": 4.0}), heading=0.0)
    assert pose.positions[-1, PELVIS, 2] - pose.positions[0, PELVIS, 2] > 3.5


def test_phrases_name_action_side_speed_and_count():
    rng = np.random.default_rng(5)
    for kind in sorted(SOLO_ACTIONS):
        for _ in range(4):
            spec = sample_solo_spec(kind, rng)
            texts = [phrase(spec, k) for k in range(3)]
            assert len(set(texts)) == 3, texts
            for text in texts:
                assert any(w in text for w in KEYWORDS[kind]), (kind, text)
                if spec.side:
                    assert spec.side in text, (kind, text)
                if spec.speed != "normal":
                    assert spec.speed in text, (kind, text)
                if "direction" in spec.options:
                    assert spec.options["direction"] in text, (kind, text)


def test_captions_tell_actions_in_order():
    specs = [SoloSpec("squat", options={"count": 2}), SoloSpec("clap", options={"count": 3, "where": "overhead"})]
    captions = solo_captions(specs)
    assert len(captions) == 3 and len(set(captions)) == 3
    for c in captions:
        assert c.lower().find("squat") < c.lower().find("clap")


def test_corpus_clips_are_deterministic_and_captioned():
    kinds = set()
    for i in range(12):
        a, b = generate_solo_clip(3, i), generate_solo_clip(3, i)
        assert np.array_equal(a.positions, b.positions) and a.captions == b.captions
        assert 60 <= a.frames <= 294 and len(a.captions) >= 3
        assert a.positions[..., 1].min() >= -1e-6
        kinds |= {lab["kind"] for lab in a.actions}
        if a.source == "solo":
            for lab in a.actions:
                assert any(any(w in c.lower() for w in KEYWORDS[lab["kind"]]) for c in a.captions)
    assert len(kinds) > 8
