"""Scores of InterCompose, always from a FILTER evaluator, never the protocol's.

If the evaluator that computes the reported metrics (``assets/evaluator``) also chose which
synthetic samples to keep, stage 2 would be selected with the test metric (REFERENCE 11). So the
filter evaluator is a second one, trained with another seed on a disjoint half of the training
clips (``python -m training.train_evaluator --train-half 1 --seed 1 ...``), and loading the
protocol's folder here is refused unless explicitly overridden.

The per-person filter scores each person's own prompt against that person's motion with a
single-person evaluator (``train_evaluator --config single``), again a second one (another seed,
another half of the corpus): ``assets/single_evaluator`` measures the single-person prior and is
refused here, as is an oracle.

The same cosine means different things to different evaluators, so a run also reports the cosine
distribution of REAL matched (caption, motion) pairs under the filter evaluator: what delta = 0.58
keeps of real data is what users need to set it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from t2i_core.assets import SHIPPED_EVALUATOR, SHIPPED_FILTER_EVALUATOR, SHIPPED_SINGLE_EVALUATOR
from t2i_core.compose.annulus import distance_percentiles
from t2i_core.models.instruments import OracleRefusedError, refuse_oracle
from t2i_core.models.scorer import TextMotionScorer
from t2i_core.motion.features import recanonicalize
from t2i_core.text.cache import TextFeatureCache

PROTOCOL_EVALUATOR = SHIPPED_EVALUATOR
DEFAULT_FILTER_EVALUATOR = SHIPPED_FILTER_EVALUATOR  # the default filter: the other half of the clips, another seed
# The single-person prior's instrument (its card's figures); the per-person filter needs another one.
SINGLE_EVALUATOR = SHIPPED_SINGLE_EVALUATOR


class FilterEvaluatorError(ValueError):
    """The filter evaluator folder is missing or is the protocol's own instrument."""


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def check_filter_evaluator(folder: str | Path, allow_protocol: bool = False) -> Path:
    """The folder, resolved, or FilterEvaluatorError (missing, or the protocol's evaluator)."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise FilterEvaluatorError(f"filter evaluator folder not found: {folder} (give a checkpoint folder written "
                                   f"by training.train_evaluator)")
    protocol = [PROTOCOL_EVALUATOR, PROTOCOL_EVALUATOR / "best"]
    if not allow_protocol and any(_same_folder(folder, p) for p in protocol):
        raise FilterEvaluatorError(
            "refusing the protocol's evaluator (assets/evaluator) as the filter: the instrument that measures "
            "the results must not choose the training data, or stage 2 is selected with the test metric. Train a "
            "filter evaluator on the other half of the training clips with another seed (python -m "
            "training.train_evaluator --train-half 1 --seed 1 ...), or pass the explicit override "
            "(--allow-protocol-evaluator) to do it anyway.")
    try:
        refuse_oracle(folder, "the compose filter evaluator")  # no override: the OOD benchmark's judge
    except OracleRefusedError as error:
        raise FilterEvaluatorError(str(error)) from None
    return folder.resolve()


def load_filter_scorer(folder: str | Path, device: str = "cpu", allow_protocol: bool = False,
                       text_encoder=None) -> TextMotionScorer:
    return TextMotionScorer.from_pretrained(check_filter_evaluator(folder, allow_protocol), device=device,
                                            text_encoder=text_encoder)


def check_person_evaluator(folder: str | Path) -> Path:
    """The per-person filter's single-person evaluator folder, resolved, or FilterEvaluatorError."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise FilterEvaluatorError(f"person evaluator folder not found: {folder} (give a single-person evaluator "
                                   "written by training.train_evaluator --config single)")
    if any(_same_folder(folder, p) for p in (SINGLE_EVALUATOR, SINGLE_EVALUATOR / "best")):
        raise FilterEvaluatorError(
            "refusing assets/single_evaluator as the per-person filter: it is the instrument that measures the "
            "single-person prior, and the instrument that measures must not choose the training data. Train a "
            "second single-person evaluator with another seed on the other half of the corpus (python -m "
            "training.train_evaluator --config single --train-half 1 --seed 1 ...)")
    try:
        refuse_oracle(folder, "the per-person filter evaluator")
    except OracleRefusedError as error:
        raise FilterEvaluatorError(str(error)) from None
    return folder.resolve()


def load_person_scorer(folder: str | Path, device: str = "cpu", text_encoder=None) -> TextMotionScorer:
    """The per-person filter's scorer; a two-person evaluator is refused."""
    scorer = TextMotionScorer.from_pretrained(check_person_evaluator(folder), device=device, text_encoder=text_encoder)
    if scorer.model.config.persons != 1:
        raise FilterEvaluatorError(f"--person-evaluator {Path(folder).name} is a two-person evaluator; the per-person "
                                   "filter needs a single-person one (training.train_evaluator --config single)")
    return scorer


def score_persons(scorer: TextMotionScorer, prompts1: list[str], prompts2: list[str],
                  pairs: list[np.ndarray]) -> np.ndarray:
    """(N, 2) float32: each person's own prompt against that person's motion, re-canonicalised alone (as a
    single-person clip is), under a single-person evaluator."""
    if not (len(prompts1) == len(prompts2) == len(pairs)):
        raise ValueError(f"{len(prompts1)} and {len(prompts2)} prompts for {len(pairs)} motions")
    if not pairs:
        return np.zeros((0, 2), dtype=np.float32)
    out = np.zeros((len(pairs), 2), dtype=np.float32)
    for person, prompts in enumerate((prompts1, prompts2)):
        tracks = [recanonicalize(np.asarray(p, dtype=np.float64)[person:person + 1]).astype(np.float32) for p in pairs]
        padded, lengths = pad_pairs(tracks, scorer.model.config.max_frames)
        text = embed_texts_fresh(scorer, list(prompts))
        motion = scorer.embed_motions(padded, lengths)
        out[:, person] = (text * motion).sum(-1)
    return out


@dataclass
class Scores:
    cosine: np.ndarray   # (N,) cosine(text, motion), float32
    motion: np.ndarray   # (N, D) unit motion embeddings, float32
    text: np.ndarray     # (N, D) unit text embeddings, float32


def pad_pairs(features: list[np.ndarray], max_frames: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pair features [(P, T_i, 262)] -> zero-padded (N, P, T, 262) float32 and lengths (N,) (P = 2, or 1 alone)."""
    if max_frames is not None:
        features = [f[:, :max_frames] for f in features]
    lengths = np.array([f.shape[1] for f in features], dtype=np.int64)
    persons = features[0].shape[0] if features else 2
    out = np.zeros((len(features), persons, int(lengths.max(initial=1)), features[0].shape[-1] if features else 262),
                   dtype=np.float32)
    for i, f in enumerate(features):
        out[i, :, : f.shape[1]] = f
    return out, lengths


def score_pairs(scorer: TextMotionScorer, texts: list[str], features: list[np.ndarray]) -> Scores:
    """Embed each (text, pair motion) with the filter evaluator; clips longer than it reads are cut."""
    if len(texts) != len(features):
        raise ValueError(f"{len(texts)} texts for {len(features)} motions")
    dim = scorer.model.config.embed_dim
    if not texts:
        empty = np.zeros((0, dim), dtype=np.float32)
        return Scores(np.zeros(0, dtype=np.float32), empty, empty.copy())
    padded, lengths = pad_pairs(features, scorer.model.config.max_frames)
    text = embed_texts_fresh(scorer, list(texts))
    motion = scorer.embed_motions(padded, lengths).astype(np.float32)
    return Scores((text * motion).sum(-1).astype(np.float32), motion, text)


def embed_texts_fresh(scorer: TextMotionScorer, texts: list[str]) -> np.ndarray:
    """Text embeddings that depend only on ``texts``: a cache local to this call.

    The scorer's own cache keeps the first encoding of a text, made in whatever batch it first met,
    and batch padding moves the last bits; a resumed run must score a chunk exactly as an
    uninterrupted one did, so no encoding outlives the call.
    """
    cache = TextFeatureCache(scorer.texts.encoder)
    out = []
    with torch.no_grad():
        for start in range(0, len(texts), scorer.batch_size):
            tokens, mask, _ = cache.batch(texts[start:start + scorer.batch_size])
            out.append(scorer.model.encode_text(tokens.to(scorer.device), mask.to(scorer.device)).cpu())
    return torch.cat(out).numpy().astype(np.float32)


def describe_real_cosines(cosines: np.ndarray, delta: float) -> str:
    """One line: the real matched-pair cosine percentiles and the share of real pairs delta keeps."""
    cosines = np.asarray(cosines)
    parts = ", ".join(f"{k} {v:.3f}" for k, v in distance_percentiles(cosines, (5, 25, 50, 75, 95)).items())
    kept = float((cosines >= delta).mean()) if cosines.size else float("nan")
    return (f"filter evaluator, cosine of real matched pairs ({cosines.size}): {parts}; "
            f"delta {delta:g} would keep {kept:.1%} of them")
