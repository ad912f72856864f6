"""What a user study found: win rates with Wilson intervals, binomial tests, Bradley-Terry, agreement.

Per pair of systems and question: ``win_rate`` = wins / (wins + losses) of the first system (ties
reported apart, left out of the rate), its Wilson 95% interval (statsmodels) and a two-sided
binomial test against 0.5 (scipy). With more than two systems, a Bradley-Terry ranking (maximum
likelihood, choix) with bootstrap intervals over votes (1,000 rounds, 2.5 / 97.5% quantiles, as
Chatbot Arena reports). Agreement: Fleiss' kappa over trials answered by several raters, with the
answer expressed as which system won (sides differ between raters). Raters whose gold-trial
accuracy is below ``min_gold_accuracy`` are listed and their votes left out of everything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import choix
import numpy as np
import pandas as pd
from scipy.stats import binomtest
from statsmodels.stats.inter_rater import fleiss_kappa
from statsmodels.stats.proportion import proportion_confint

from t2i_core.study.trials import QUESTIONS

MIN_GOLD_ACCURACY = 0.75
BOOTSTRAP_ROUNDS = 1000
BT_ALPHA = 0.01  # choix's regularisation: keeps a system that never wins in a resample finite
PAIR_COLUMNS = ["question", "system_a", "system_b", "wins_a", "wins_b", "ties", "win_rate_a", "ci_low", "ci_high",
                "p_value"]


@dataclass
class StudyResults:
    pairs: pd.DataFrame           # PAIR_COLUMNS, one row per pair of systems and question
    ranking: pd.DataFrame | None  # question, system, strength, ci_low, ci_high (more than two systems only)
    agreement: pd.DataFrame       # question, kappa, trials, raters_per_trial
    raters: pd.DataFrame          # rater, votes, gold_answers, gold_correct, gold_accuracy, excluded
    excluded: list[str]
    votes_used: int


def win_rate(wins: int, losses: int) -> tuple[float, float, float, float]:
    """(rate, Wilson 95% low, high, two-sided binomial p against 0.5); NaNs without decisive votes."""
    n = wins + losses
    if n == 0:
        return (float("nan"),) * 4
    low, high = proportion_confint(wins, n, alpha=0.05, method="wilson")
    return wins / n, float(low), float(high), float(binomtest(wins, n, 0.5, alternative="two-sided").pvalue)


def rater_table(votes: pd.DataFrame, min_gold_accuracy: float = MIN_GOLD_ACCURACY) -> pd.DataFrame:
    rows = []
    for rater, group in votes.groupby("rater", sort=True):
        gold = group[group["gold_answer"].notna()]
        correct = int((gold["choice"] == gold["gold_answer"]).sum())
        accuracy = correct / len(gold) if len(gold) else float("nan")
        rows.append({"rater": rater, "votes": len(group), "gold_answers": len(gold), "gold_correct": correct,
                     "gold_accuracy": accuracy, "excluded": bool(len(gold)) and accuracy < min_gold_accuracy})
    return pd.DataFrame(rows, columns=["rater", "votes", "gold_answers", "gold_correct", "gold_accuracy", "excluded"])


def _decided(votes: pd.DataFrame) -> pd.DataFrame:
    """Pair votes with the systems in name order and the winner (None for a tie)."""
    out = votes[["rater", "trial", "question", "choice", "left", "right"]].copy()
    out["system_a"] = np.minimum(out["left"], out["right"])
    out["system_b"] = np.maximum(out["left"], out["right"])
    out["winner"] = np.where(out["choice"] == "left", out["left"],
                             np.where(out["choice"] == "right", out["right"], None))
    return out


def pair_table(decided: pd.DataFrame, systems: list[str], questions: list[str]) -> pd.DataFrame:
    rows = []
    for question in questions:
        for a, b in combinations(sorted(systems), 2):
            group = decided[(decided["question"] == question) & (decided["system_a"] == a)
                            & (decided["system_b"] == b)]
            wins_a, wins_b = int((group["winner"] == a).sum()), int((group["winner"] == b).sum())
            rate, low, high, p = win_rate(wins_a, wins_b)
            rows.append([question, a, b, wins_a, wins_b, int(group["winner"].isna().sum()), rate, low, high, p])
    return pd.DataFrame(rows, columns=PAIR_COLUMNS)


def bradley_terry(decided: pd.DataFrame, systems: list[str], rounds: int = BOOTSTRAP_ROUNDS,
                  seed: int = 0) -> pd.DataFrame:
    """Strengths (log-scale, mean zero) per question with bootstrap 95% intervals; ties left out."""
    index = {name: i for i, name in enumerate(systems)}
    rng = np.random.default_rng(seed)
    rows = []
    for question, group in decided[decided["winner"].notna()].groupby("question", sort=True):
        loser = np.where(group["winner"] == group["left"], group["right"], group["left"])
        pairs = np.array([[index[w], index[v]] for w, v in zip(group["winner"], loser)])
        strength = choix.ilsr_pairwise(len(systems), pairs, alpha=BT_ALPHA)
        samples = np.array([choix.ilsr_pairwise(len(systems), pairs[rng.integers(0, len(pairs), len(pairs))],
                                                alpha=BT_ALPHA) for _ in range(rounds)])
        low, high = np.percentile(samples, [2.5, 97.5], axis=0)
        for name, i in index.items():
            rows.append({"question": question, "system": name, "strength": float(strength[i]),
                         "ci_low": float(low[i]), "ci_high": float(high[i])})
    ranking = pd.DataFrame(rows, columns=["question", "system", "strength", "ci_low", "ci_high"])
    return ranking.sort_values(["question", "strength"], ascending=[True, False], ignore_index=True)


def agreement(decided: pd.DataFrame, questions: list[str]) -> pd.DataFrame:
    """Fleiss' kappa per question over trials with two or more raters (each trial's earliest m votes,
    m the smallest such count, because Fleiss' kappa needs the same number of raters per item)."""
    rows = []
    for question in questions:
        group = decided[decided["question"] == question]
        outcome = np.where(group["winner"].isna(), 2, np.where(group["winner"] == group["system_a"], 0, 1))
        per_trial = [outcome[(group["trial"] == t).to_numpy()] for t in group["trial"].unique()]
        per_trial = [o for o in per_trial if len(o) >= 2]
        if not per_trial:
            rows.append({"question": question, "kappa": float("nan"), "trials": 0, "raters_per_trial": 0})
            continue
        m = min(len(o) for o in per_trial)
        table = np.array([np.bincount(o[:m], minlength=3) for o in per_trial])
        with np.errstate(invalid="ignore", divide="ignore"):  # all raters agreeing on one category: undefined
            kappa = float(fleiss_kappa(table, method="fleiss"))
        rows.append({"question": question, "kappa": kappa, "trials": len(per_trial), "raters_per_trial": m})
    return pd.DataFrame(rows, columns=["question", "kappa", "trials", "raters_per_trial"])


def study_results(votes: pd.DataFrame, systems: list[str], min_gold_accuracy: float = MIN_GOLD_ACCURACY,
                  rounds: int = BOOTSTRAP_ROUNDS, seed: int = 0) -> StudyResults:
    """Everything the operator reads, from the raw votes of one study (``VoteStore.votes``)."""
    questions = list(QUESTIONS)
    raters = rater_table(votes, min_gold_accuracy)
    excluded = sorted(raters.loc[raters["excluded"], "rater"])
    kept = votes[votes["gold_answer"].isna() & ~votes["rater"].isin(excluded)]
    kept = kept[kept["left"].isin(systems) & kept["right"].isin(systems)]
    decided = _decided(kept)
    ranking = bradley_terry(decided, list(systems), rounds, seed) if len(systems) > 2 and len(decided) else None
    return StudyResults(pair_table(decided, list(systems), questions), ranking, agreement(decided, questions),
                        raters, excluded, len(kept))
