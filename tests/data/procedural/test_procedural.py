"""The procedural interaction data set: geometry, contacts, captions, determinism, the reader."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from t2i_core.data.procedural.captions import KEYWORDS
from t2i_core.data.procedural.generator import (
    HELD_OUT_PAIRS,
    clip_from_plan,
    generate_clip,
    single_phase_plan,
)
from t2i_core.data.procedural.interactions import PHASES
from t2i_core.skeleton import bone_lengths
from training.build_dataset import build

SEED = 7
CORE = [0, 3, 6, 9, 12, 15]   # pelvis, spine, neck, head


@pytest.fixture(scope="module")
def clips():
    """A mixed sample of the data set plus one clip of every phase type."""
    sample = [generate_clip(SEED, i) for i in range(16)]
    per_kind = [clip_from_plan(single_phase_plan(kind, seed=3), SEED, 1000 + 2 * k)
                for k, kind in enumerate(sorted(PHASES))]
    return sample + per_kind


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("procedural")
    build(root, clips=12, seed=SEED, workers=1, progress=False)
    return root


def test_vocabulary_has_twenty_types_in_themes():
    assert len(PHASES) >= 20
    themes = {p.theme for p in PHASES.values()}
    assert {"greeting", "conflict", "cooperation", "dance", "sports", "communication"} <= themes


def test_bone_lengths_constant_per_person(clips):
    for clip in clips:
        for p in (0, 1):
            lengths = bone_lengths(clip.positions[p])
            assert np.ptp(lengths, axis=0).max() < 1e-6
        heights = [b.height for b in clip.bodies]
        assert all(1.55 <= h <= 1.95 for h in heights)


def test_feet_on_floor_in_contact_and_never_below(clips):
    for clip in clips:
        assert clip.positions[..., 1].min() >= -1e-6, "a joint is below the floor"
        for p in (0, 1):
            for foot, (ankle, toe) in enumerate(((7, 10), (8, 11))):
                planted = clip.stance[p, foot]
                assert planted.any()
                assert clip.positions[p, planted, ankle, 1].max() < 0.12
                assert clip.positions[p, planted, toe, 1].max() < 0.05


def test_planted_feet_do_not_slide(clips):
    for clip in clips:
        for p in (0, 1):
            for foot, joints in enumerate(((7, 10), (8, 11))):
                planted = clip.stance[p, foot].astype(int)
                edges = np.flatnonzero(np.diff(np.concatenate([[0], planted, [0]])))
                for start, stop in zip(edges[::2], edges[1::2]):
                    for j in joints:
                        xz = clip.positions[p, start:stop, j][:, [0, 2]]
                        assert np.linalg.norm(xz - xz[0], axis=-1).max() <= 0.02


def test_contact_phases_reach_contact(clips):
    labels = set()
    for clip in clips:
        for c in clip.contacts:
            own = clip.positions[c.person, c.frame, c.joint]
            other = clip.positions[1 - c.person, c.frame, list(c.other_joints)].mean(axis=0)
            assert np.linalg.norm(own - other) <= c.max_dist, (clip.index, c.label)
            labels.add(c.label)
    assert {"handshake", "hug", "push", "high five", "hand over", "help up", "hold hands", "grab"} <= labels
    assert labels & {"punch blocked", "punch lands"}


def test_handshake_hands_meet_within_5cm():
    for side in ("left", "right"):
        clip = clip_from_plan(single_phase_plan("handshake", seed=11, side=side), SEED, 0)
        (contact,) = clip.contacts
        wrist = 20 if side == "left" else 21
        assert contact.joint == wrist
        d = np.linalg.norm(clip.positions[0, contact.frame, wrist] - clip.positions[1, contact.frame, wrist])
        assert d <= 0.05


def test_no_body_interpenetration(clips):
    for clip in clips:
        a, b = clip.positions
        core = np.linalg.norm(a[:, CORE, None] - b[:, None, CORE], axis=-1).min(axis=(1, 2))
        assert core.min() >= 0.18, clip.phases
        touching = np.zeros(clip.frames, bool)
        for start, stop in clip.touch_frames:
            touching[max(start, 0):stop + 1] = True
        every = np.linalg.norm(a[:, :, None] - b[:, None, :], axis=-1).min(axis=(1, 2))
        if (~touching).any():
            assert every[~touching].min() >= 0.1, clip.phases


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z\- ]", " ", text.lower()) + " "


def test_captions_match_phases(clips):
    for clip in clips:
        specs = clip.plan.specs
        assert len(clip.captions) == 3 and len(set(clip.captions)) == 3
        for caption in clip.captions:
            text = caption.lower()
            positions = []
            for spec in specs:
                hits = [text.find(k) for k in KEYWORDS[spec.kind] if k in text]
                assert hits, (spec.kind, caption)
                positions.append(min(hits))
                if spec.side:
                    assert f" {spec.side}" in _words(caption), caption
                if spec.speed != "normal":
                    assert spec.speed in text, caption
            if len({s.kind for s in specs}) == len(specs):
                assert positions == sorted(positions), caption   # phases told in temporal order
            if len(specs) > 1:
                assert any(w in text for w in ("then", "after that", "finally"))
        for p in (0, 1):
            assert len(clip.person_captions[p]) == 3 and all(clip.person_captions[p])
        # Phase labels follow each other in time.
        ends = [(ph["start"], ph["end"]) for ph in clip.phases]
        assert all(e0 <= s1 for (_, e0), (s1, _) in zip(ends, ends[1:]))
        assert 60 <= clip.frames <= 300


def test_side_words_match_the_moving_hand():
    """'With the left hand' really uses the left hand: it moves towards the partner more."""
    for side, wrist, other in (("left", 20, 21), ("right", 21, 20)):
        clip = clip_from_plan(single_phase_plan("wave", seed=5, side=side, initiator=0), SEED, 0)
        pos = clip.positions[0]
        assert pos[:, wrist, 1].max() > pos[:, 15, 1].max()        # the waving hand goes above the head
        assert pos[:, other, 1].max() < pos[:, 12, 1].min()        # the other one stays low
        assert side in clip.captions[0]


def test_contrast_pairs_differ_in_one_thing():
    seen = set()
    for g in range(60):
        a, b = generate_clip(SEED, 2 * g), generate_clip(SEED, 2 * g + 1)
        kind = a.plan.contrast
        assert b.plan.contrast == kind
        if kind is None:
            continue
        seen.add(kind)
        sa = [(s.kind, s.initiator, s.side, s.speed) for s in a.plan.specs]
        sb = [(s.kind, s.initiator, s.side, s.speed) for s in b.plan.specs]
        assert sa != sb and a.captions != b.captions
        if kind == "order":  # the same phases, in another order (not different phases after a cut)
            kinds_a, kinds_b = [s[0] for s in sa], [s[0] for s in sb]
            assert sorted(kinds_a) == sorted(kinds_b) and kinds_a != kinds_b
    assert {"order", "side", "speed"} <= seen


def test_layout_splits_and_held_out_pairs(built):
    import json
    manifest = json.loads((built / "manifest.json").read_text())
    ids = {s: (built / "split" / f"{s}.txt").read_text().split() for s in ("train", "val", "test")}
    all_ids = sorted(i for v in ids.values() for i in v)
    assert all_ids == sorted(r["id"] for r in manifest["records"]) and len(all_ids) == 12
    for cid in all_ids:
        assert np.load(built / "motions_processed" / "person1" / f"{cid}.npy").shape[1] == 492
        assert len((built / "annots" / f"{cid}.txt").read_text().splitlines()) == 3
        for p in (1, 2):
            assert (built / "annots_individual" / f"person{p}" / f"{cid}.txt").is_file()
    order = (built / "split" / "test_order_sensitive.txt").read_text().split()
    assert set(order) <= set(ids["test"])
    for r in manifest["records"]:
        kinds = {ph["kind"] for ph in r["phases"]}
        if any(pair <= kinds for pair in HELD_OUT_PAIRS):
            assert r["split"] == "test"
    assert not list(built.rglob("*.tmp"))


def test_same_seed_gives_identical_bytes(built, tmp_path):
    build(tmp_path, clips=12, seed=SEED, workers=2, progress=False)
    files = sorted(p.relative_to(built) for p in built.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    for rel in files:
        assert (built / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


def test_reader_loads_output_and_keeps_pair_geometry(built, tmp_path):
    from t2i_core.data.interhuman import InterHumanDataset
    from t2i_core.motion.features import process_pair

    for split in ("train", "test"):
        ids = (built / "split" / f"{split}.txt").read_text().split()
        if not ids:
            continue
        data = InterHumanDataset(built, split, mode="eval", cache_dir=tmp_path / "cache", progress=False)
        assert len(data) == len(ids) and not data.skipped
        item = data[0]
        clip = generate_clip(SEED, int(item["clip_id"]))
        length = item["length"]
        assert length == clip.frames - 1
        joints = item["features"][:, :length, :66].reshape(2, length, 22, 3).astype(np.float64)
        truth = clip.positions[:, :length].copy()
        # The reader puts each person on the floor separately (REFERENCE 2, step 2); otherwise
        # inter-person joint distances survive canonicalisation exactly.
        truth[..., 1] -= clip.positions[..., 1].min(axis=(1, 2))[:, None, None]
        d_read = np.linalg.norm(joints[0][:, :, None] - joints[1][:, None, :], axis=-1)
        d_true = np.linalg.norm(truth[0][:, :, None] - truth[1][:, None, :], axis=-1)
        assert np.abs(d_read - d_true).max() < 1e-3
        assert item["text"] == clip.captions[0]
        raw = [np.load(built / "motions_processed" / f"person{p}" / f"{item['clip_id']}.npy") for p in (1, 2)]
        features, _ = process_pair(*raw)
        np.testing.assert_allclose(features[..., 132:258], clip.rot6d[:, :-1].reshape(2, -1, 126), atol=1e-6)
