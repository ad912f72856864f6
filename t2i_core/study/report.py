"""A study's results as a plot (plotly) and as plain-text tables (the CLI prints them)."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from t2i_core.study.stats import StudyResults
from t2i_core.study.trials import QUESTIONS

_QUESTION_SHORT = {"text": "follows the text", "motion": "moves naturally"}


def win_rate_figure(results: StudyResults) -> go.Figure:
    """Each pair's win rate of its first system with the Wilson 95% interval, per question."""
    fig = go.Figure()
    pairs = results.pairs.dropna(subset=["win_rate_a"])
    for question in QUESTIONS:
        rows = pairs[pairs["question"] == question]
        fig.add_trace(go.Bar(
            name=_QUESTION_SHORT.get(question, question),
            x=[f"{a} vs {b}" for a, b in zip(rows.system_a, rows.system_b)],
            y=rows.win_rate_a, error_y={"type": "data", "symmetric": False,
                                        "array": rows.ci_high - rows.win_rate_a,
                                        "arrayminus": rows.win_rate_a - rows.ci_low}))
    fig.add_hline(y=0.5, line_dash="dot", line_color="#6b7280")
    fig.update_layout(barmode="group", template="plotly_white", height=360, yaxis={"range": [0, 1],
                      "title": "win rate of the first system"}, margin={"l": 10, "r": 10, "t": 40, "b": 40},
                      title={"text": "Win rates with Wilson 95% intervals (ties left out)", "x": 0.01})
    return fig


def _number(value: float, digits: int = 3) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def pair_rows(results: StudyResults) -> pd.DataFrame:
    """The pair table as readers expect it: counts, rate, interval, p-value, formatted."""
    table = results.pairs
    return pd.DataFrame({
        "question": table.question, "pair": table.system_a + " vs " + table.system_b,
        "wins": table.wins_a.astype(str) + " : " + table.wins_b.astype(str), "ties": table.ties,
        "win rate": [_number(v) for v in table.win_rate_a],
        "95% CI (Wilson)": [f"[{_number(lo)}, {_number(hi)}]" for lo, hi in zip(table.ci_low, table.ci_high)],
        "p (binomial)": [_number(v, 4) for v in table.p_value],
    })


def results_text(results: StudyResults) -> str:
    parts = [f"Votes used: {results.votes_used} (gold trials and excluded raters left out)", "",
             pair_rows(results).to_string(index=False)]
    if results.ranking is not None:
        parts += ["", "Bradley-Terry strengths (bootstrap 95% intervals):", results.ranking.to_string(index=False)]
    parts += ["", "Agreement (Fleiss' kappa):", results.agreement.to_string(index=False), "",
              "Raters:", results.raters.to_string(index=False) if len(results.raters) else "(none yet)"]
    if results.excluded:
        parts.append(f"Excluded for failing gold trials: {', '.join(results.excluded)}")
    return "\n".join(parts)
