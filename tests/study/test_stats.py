import math

import numpy as np
import pandas as pd
import pytest

from t2i_core.study.stats import study_results, win_rate
from tests.study.reference import binomial_two_sided, wilson


def vote(rater, trial, question, choice, left, right, gold=None):
    return {"study": "s", "rater": rater, "trial": trial, "question": question, "choice": choice, "left": left,
            "right": right, "gold_answer": gold, "time": "2026-01-01T00:00:00Z"}


@pytest.mark.parametrize(("k", "n"), [(7, 10), (0, 5), (18, 20), (3, 3)])
def test_win_rate_matches_wilson_and_the_exact_binomial_test(k, n):
    rate, low, high, p = win_rate(k, n - k)
    assert rate == k / n
    assert (low, high) == pytest.approx(wilson(k, n), abs=1e-9)
    assert p == pytest.approx(binomial_two_sided(k, n), abs=1e-9)
    assert all(math.isnan(v) for v in win_rate(0, 0))


def test_pairs_count_wins_per_system_whichever_side_it_was_on_and_ties_apart():
    votes = []
    # system "a" wins 7 (4 on the left, 3 on the right), "b" wins 3, 2 ties, on the text question.
    for i in range(4):
        votes.append(vote(f"r{i}", "t1", "text", "left", "a", "b"))
    for i in range(3):
        votes.append(vote(f"q{i}", "t1", "text", "right", "b", "a"))
    for i in range(3):
        votes.append(vote(f"x{i}", "t1", "text", "left", "b", "a"))
    votes += [vote("y0", "t1", "text", "tie", "a", "b"), vote("y1", "t1", "text", "tie", "b", "a")]
    results = study_results(pd.DataFrame(votes), ["a", "b"])
    row = results.pairs[results.pairs.question == "text"].iloc[0]
    assert (row.system_a, row.system_b, row.wins_a, row.wins_b, row.ties) == ("a", "b", 7, 3, 2)
    assert (row.ci_low, row.ci_high) == pytest.approx(wilson(7, 10))
    assert row.p_value == pytest.approx(binomial_two_sided(7, 10))
    motion = results.pairs[results.pairs.question == "motion"].iloc[0]
    assert motion.wins_a == motion.wins_b == 0 and math.isnan(motion.win_rate_a)
    assert results.ranking is None  # two systems: the pair table says it all


def test_raters_failing_gold_are_listed_and_left_out():
    votes = [vote("good", "g1", "text", "left", "a", "a~reversed", gold="left"),
             vote("good", "t1", "text", "left", "a", "b"),
             vote("bad", "g1", "text", "right", "a", "a~reversed", gold="left"),
             vote("bad", "t1", "text", "right", "a", "b"),
             vote("new", "t1", "text", "left", "b", "a")]  # no gold answered yet: kept
    results = study_results(pd.DataFrame(votes), ["a", "b"])
    assert results.excluded == ["bad"]
    row = results.pairs[results.pairs.question == "text"].iloc[0]
    assert (row.wins_a, row.wins_b) == (1, 1) and results.votes_used == 2
    raters = results.raters.set_index("rater")
    assert raters.loc["good", "gold_accuracy"] == 1.0 and raters.loc["bad", "gold_accuracy"] == 0.0


def test_bradley_terry_orders_three_systems_with_bootstrap_intervals():
    rng = np.random.default_rng(0)
    strength = {"a": 1.0, "b": 0.0, "c": -1.0}
    votes = []
    for i in range(300):
        x, y = rng.choice(["a", "b", "c"], size=2, replace=False)
        x_wins = rng.random() < 1 / (1 + math.exp(strength[y] - strength[x]))
        votes.append(vote(f"r{i}", f"t{i}", "motion", "left" if x_wins else "right", x, y))
    ranking = study_results(pd.DataFrame(votes), ["a", "b", "c"], rounds=200).ranking
    assert list(ranking.system) == ["a", "b", "c"]
    assert (ranking.ci_low <= ranking.strength).all() and (ranking.strength <= ranking.ci_high).all()
    a, c = ranking.iloc[0], ranking.iloc[2]
    assert a.ci_low > c.ci_high  # a clear gap is resolved


def test_fleiss_kappa_is_one_for_perfect_agreement_and_uses_the_winning_system():
    votes = []
    for t in range(4):
        winner_left = t % 2 == 0
        for r in range(3):
            # each rater saw different sides, but all picked the same system
            left, right = ("a", "b") if r % 2 == 0 else ("b", "a")
            choice = "left" if (left == "a") == winner_left else "right"
            votes.append(vote(f"r{r}", f"t{t}", "text", choice, left, right))
    agreement = study_results(pd.DataFrame(votes), ["a", "b"]).agreement.set_index("question")
    assert agreement.loc["text", "kappa"] == pytest.approx(1.0)
    assert agreement.loc["text", "trials"] == 4 and agreement.loc["text", "raters_per_trial"] == 3
