"""Person-2 methods compared on candidate quality, without ground truth: (a) reaction against (b) coupled.

For each description (the captions of a split, e.g. the OOD benchmark's test split) the run's splitter
gives the two prompts, and description i gets compose run's candidate-i seeds and length. Person 1
is made once per description (the same for every method), and so is the prior's placed person 2 (the same
draft for every coupling strength); then each method makes person 2:

- ``reaction``: the pair model given person 1 and the full text (the paper's);
- ``coupled:<strength>``: the single-person prior on person 2's own prompt, placed by the real set's
  placement for the theme, coupled by the pair model at that SDEdit strength.

An evaluator given by path (the oracle for OOD descriptions) scores cosine(description, pair); each
pair's physical measures (penetration, jitter, foot skating: ``physical.MEASURES``) are computed; an
optional single-person evaluator scores person 2's motion against person 2's own prompt (the part the
reaction model may not know). The table gives each figure's mean with a 95% bootstrap interval, and,
for every method after the first, the paired difference of its cosine against the first (the same
descriptions and person 1, so the difference is the method's alone) and the share it wins.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm

from t2i_core.compose.generation import CoupledPerson2
from t2i_core.compose.interfaces import Person1Source, ReactionModel, SplitFailure, Splitter
from t2i_core.compose.physical import MEASURES, physical_measures
from t2i_core.compose.run import (
    PERSON1_STAGE,
    REACTION_STAGE,
    ComposeConfig,
    candidate_frames,
    candidate_seed,
    composing_order,
    stage_seed,
)
from t2i_core.compose.scoring import score_pairs, score_persons
from t2i_core.diffusion.sampling import partial_start

REACTION, COUPLED = "reaction", "coupled"
BOOTSTRAP_RESAMPLES = 2000
# (column, what it is, lower is better)
FIGURES = (("cosine", "cosine(description, pair) under the evaluator", False),
           ("person2_cosine", "cosine(prompt 2, person 2 alone) under the single-person evaluator", False),
           *((name, f"{name} (physical.MEASURES)", True) for name in MEASURES))


@dataclass(frozen=True)
class Person2Method:
    kind: str                      # REACTION or COUPLED
    strength: float | None = None  # COUPLED: the SDEdit strength

    @property
    def name(self) -> str:
        return REACTION if self.kind == REACTION else f"{COUPLED}:{self.strength:g}"


def parse_method(text: str) -> Person2Method:
    """``reaction`` or ``coupled:<strength in (0, 1]>`` (ValueError saying what is accepted)."""
    kind, _, strength = str(text).partition(":")
    if kind == REACTION and not strength:
        return Person2Method(REACTION)
    if kind == COUPLED and strength:
        try:
            value = float(strength)
            partial_start(1, value)
        except ValueError:
            pass
        else:
            return Person2Method(COUPLED, value)
    raise ValueError(f"person-2 method {text!r}; accepted: reaction, or coupled:S with S in (0, 1] (e.g. coupled:0.5)")


@dataclass
class Prepared:
    """The descriptions a comparison composes (split) and those the splitter could not split."""

    texts: list[str]
    prompts1: list[str]
    prompts2: list[str]
    themes: list[str]
    indices: list[int]             # each one's index among all descriptions (its candidate seeds)
    groups: list[str] = field(default_factory=list)  # optional label per description (relation kind), "" for none
    unsplittable: int = 0


def prepare(descriptions: list[str], splitter: Splitter, labeler: Callable[[str], tuple[str, tuple]],
            groups: list[str] | None = None) -> Prepared:
    out = Prepared([], [], [], [], [])
    for index, text in enumerate(descriptions):
        split = splitter.split(text)
        if isinstance(split, SplitFailure):
            out.unsplittable += 1
            continue
        out.texts.append(text)
        out.prompts1.append(split[0])
        out.prompts2.append(split[1])
        out.themes.append(labeler(text)[0])
        out.indices.append(index)
        out.groups.append(groups[index] if groups is not None else "")
    return out


def compare_person2(prepared: Prepared, config: ComposeConfig, person1: Person1Source, methods: list[Person2Method],
                    reaction: ReactionModel | None, coupler: CoupledPerson2 | None, scorer, person_scorer=None,
                    batch_size: int = 16, progress: bool = False) -> dict[str, dict[str, np.ndarray]]:
    """{method name: {figure: (N,) float32}} over the prepared descriptions (in their order). Person 1 is made
    once and shared by all methods, and so is the prior's placed person 2 by every coupling strength
    (``coupler``'s drafts, coupled at each method's strength). Batches follow ``run.composing_order``."""
    if not methods:
        raise ValueError("give at least one person-2 method")
    if any(m.kind == REACTION for m in methods) and reaction is None:
        raise ValueError("the reaction method needs a reaction model")
    if any(m.kind == COUPLED for m in methods) and coupler is None:
        raise ValueError("the coupled method needs a coupler (the single-person prior and the pair model)")
    figures = {m.name: {} for m in methods}
    count = len(prepared.texts)
    row_of = {index: row for row, index in enumerate(prepared.indices)}
    order = [row_of[i] for i in composing_order(config, prepared.indices)]
    bar = tqdm(total=count * len(methods), desc="person-2 methods", unit="pair", disable=not progress)
    for start in range(0, count, batch_size):
        rows = order[start:start + batch_size]
        seeds = [candidate_seed(config.seed, prepared.indices[r]) for r in rows]
        made = person1.make([prepared.prompts1[r] for r in rows], [candidate_frames(config, s) for s in seeds],
                            [stage_seed(s, PERSON1_STAGE) for s in seeds])
        motions = [np.asarray(features, dtype=np.float32) for features, _ in made]
        texts = [prepared.texts[r] for r in rows]
        pair_seeds = [stage_seed(s, REACTION_STAGE) for s in seeds]
        drafts = None
        if coupler is not None and any(m.kind == COUPLED for m in methods):
            drafts = coupler.drafts(motions, [prepared.prompts2[r] for r in rows],
                                    [prepared.themes[r] for r in rows], pair_seeds)
        for method in methods:
            if method.kind == REACTION:
                pairs = reaction.react(motions, texts, pair_seeds)
            else:
                pairs = coupler.couple_drafts(motions, texts, drafts, pair_seeds, method.strength)
            batch = {"cosine": score_pairs(scorer, texts, pairs).cosine, **physical_measures(pairs)}
            if person_scorer is not None:
                batch["person2_cosine"] = score_persons(person_scorer, [prepared.prompts1[r] for r in rows],
                                                        [prepared.prompts2[r] for r in rows], pairs)[:, 1]
            for name, values in batch.items():
                figures[method.name].setdefault(name, np.full(count, np.nan, dtype=np.float32))[rows] = values
            bar.update(len(texts))
    bar.close()
    return figures


def interval(values: np.ndarray, seed: int = 0, resamples: int = BOOTSTRAP_RESAMPLES) -> tuple[float, float, float]:
    """(mean, low, high): the mean and its 95% bootstrap interval (NaN without values)."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return math.nan, math.nan, math.nan
    draws = np.random.default_rng(seed).integers(0, values.size, size=(resamples, values.size))
    means = values[draws].mean(axis=1)
    return float(values.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def summarise(results: dict[str, dict[str, np.ndarray]], seed: int = 0,
              groups: list[str] | None = None) -> dict:
    """Per method: {figure: {mean, low, high}}, n; for the methods after the first, the paired cosine difference
    against it ({mean, low, high}) and the share of descriptions it wins; per group (when given) the cosine."""
    names = list(results)
    reference = results[names[0]]["cosine"]
    out = {}
    for name in names:
        row = {"n": len(results[name]["cosine"])}
        for figure, _, _ in FIGURES:
            if figure in results[name]:
                mean, low, high = interval(results[name][figure], seed)
                row[figure] = {"mean": mean, "low": low, "high": high}
        if name != names[0]:
            difference = results[name]["cosine"] - reference
            mean, low, high = interval(difference, seed)
            row["cosine_vs_first"] = {"mean": mean, "low": low, "high": high,
                                      "wins": float(np.mean(difference > 0)) if difference.size else math.nan}
        if groups is not None and any(groups):
            row["cosine_by_group"] = {g: float(np.mean(results[name]["cosine"][np.array(groups) == g]))
                                      for g in sorted(set(groups)) if g}
        out[name] = row
    return out


def _cell(entry: dict | None) -> str:
    if entry is None or not math.isfinite(entry["mean"]):
        return "-"
    return f"{entry['mean']:.4f} [{entry['low']:.4f}, {entry['high']:.4f}]"


def markdown_table(summary: dict) -> str:
    """One row per method: each figure's mean [95% interval]; the paired cosine difference against the first."""
    shown = [(f, lower) for f, _, lower in FIGURES if any(f in row for row in summary.values())]
    first = next(iter(summary))
    header = ("| method | n | " + " | ".join(f"{f} {'↓' if lower else '↑'}" for f, lower in shown)
              + f" | cosine - {first} | wins |")
    lines = [header, "|---" * (len(shown) + 4) + "|"]
    for name, row in summary.items():
        versus = row.get("cosine_vs_first")
        wins = "-" if versus is None else f"{versus['wins']:.1%}"
        lines.append(f"| {name} | {row['n']} | " + " | ".join(_cell(row.get(f)) for f, _ in shown)
                     + f" | {_cell(versus)} | {wins} |")
    groups = sorted({g for row in summary.values() for g in row.get("cosine_by_group", {})})
    if groups:
        lines += ["", "| method | " + " | ".join(f"cosine, {g}" for g in groups) + " |",
                  "|---" * (len(groups) + 1) + "|"]
        for name, row in summary.items():
            by = row.get("cosine_by_group", {})
            lines.append(f"| {name} | " + " | ".join(f"{by[g]:.4f}" if g in by else "-" for g in groups) + " |")
    return "\n".join(lines)
