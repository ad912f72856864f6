import numpy as np

from t2i_core.study.config import StudyConfig, SystemConfig
from t2i_core.study.trials import (
    apply_variant,
    arrangement,
    gold_answer,
    gold_count,
    make_trials,
    rater_order,
    split_label,
)


def config(gold_rate=0.25, systems=("a", "b", "c")):
    return StudyConfig("s", ("p0", "p1"), tuple(SystemConfig(n, None) for n in systems), (0, 1), 2.0, gold_rate)


def test_every_pair_of_systems_per_prompt_and_seed_plus_gold_at_the_rate():
    trials = make_trials(config())
    pairs = [t for t in trials if not t.gold]
    assert len(pairs) == 2 * 2 * 3  # prompts x seeds x pairs of 3 systems
    assert {(t.prompt, t.seed, t.a, t.b) for t in pairs} == {
        (p, s, a, b) for p in (0, 1) for s in (0, 1) for a, b in (("a", "b"), ("a", "c"), ("b", "c"))}
    gold = [t for t in trials if t.gold]
    assert len(gold) == gold_count(12, 0.25) == 4 and len(gold) / len(trials) == 0.25
    for t in gold:
        system, variant = split_label(t.b)
        assert system == t.a and variant in ("reversed", "frozen")
    assert len({t.id for t in trials}) == len(trials)
    assert make_trials(config()) == trials  # the same config gives the same trials
    assert not [t for t in make_trials(config(gold_rate=0)) if t.gold]


def test_sides_are_random_per_rater_but_stable():
    trials = make_trials(config())
    sides = [arrangement(t, "r1", "salt") for t in trials]
    assert sides == [arrangement(t, "r1", "salt") for t in trials]
    lefts = [arrangement(t, f"r{i}", "salt")[0] == t.a for i in range(200) for t in trials[:1]]
    assert 60 < sum(lefts) < 140  # a fair coin across raters
    assert rater_order(trials, "r1", "salt") == rater_order(trials, "r1", "salt")
    assert rater_order(trials, "r1", "salt") != rater_order(trials, "r2", "salt")
    assert sorted(t.id for t in rater_order(trials, "r1", "salt")) == sorted(t.id for t in trials)


def test_gold_answer_is_the_intact_side_and_variants_break_the_clip():
    assert gold_answer("a", "a~reversed") == "left" and gold_answer("a~frozen", "a") == "right"
    assert gold_answer("a", "b") is None
    joints = np.arange(2 * 5 * 22 * 3, dtype=float).reshape(2, 5, 22, 3)
    np.testing.assert_array_equal(apply_variant(joints, "reversed")[:, 0], joints[:, 4])
    frozen = apply_variant(joints, "frozen")
    assert frozen.shape == joints.shape and (frozen == joints[:, 2:3]).all()
    assert apply_variant(joints, None) is joints
