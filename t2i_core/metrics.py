"""Metrics of the InterHuman protocol (REFERENCE section 9) and physical plausibility.

Scaling conventions, all in one place:
* Evaluator embeddings are L2-normalised and then multiplied by ``EMBEDDING_SCALE`` = 6 before
  *every* distance-based metric (MM Dist, FID, Diversity, MultiModality), so all of them share
  units; R-precision ranks by Euclidean distance, which the scale does not change.
* R-precision: groups of ``R_PRECISION_GROUP`` = 96 (text, motion) pairs in a fixed seeded order
  that does not depend on how a data loader batched them; a last incomplete group is dropped
  (unless the whole set is smaller than one group, then it is one group).
* Diversity: mean distance over 300 random pairs; MultiModality: for each caption, mean distance
  over 10 random pairs of its generations.
* Replications report mean +/- 1.96 * std / sqrt(n).

Physical metrics work on joints (2, T, 22, 3) in metres at 30 fps, Y-up, floor at y = 0.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from t2i_core.skeleton import FPS, bone_lengths

EMBEDDING_SCALE = 6.0
R_PRECISION_GROUP = 96
DIVERSITY_PAIRS = 300
MULTIMODALITY_PAIRS = 10


def scaled(embeddings: np.ndarray) -> np.ndarray:
    return np.asarray(embeddings, dtype=np.float64) * EMBEDDING_SCALE


def pairwise_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    sq = (a**2).sum(1)[:, None] + (b**2).sum(1)[None] - 2 * a @ b.T
    return np.sqrt(np.maximum(sq, 0.0))


def r_precision(text: np.ndarray, motion: np.ndarray, top_k: int = 3, group: int = R_PRECISION_GROUP,
                seed: int = 0) -> np.ndarray:
    """Top-1..top_k retrieval accuracy of the matching motion for each text, in groups of ``group``."""
    n = len(text)
    order = np.random.default_rng(seed).permutation(n)
    size = min(group, n)
    hits = np.zeros(top_k)
    counted = 0
    for start in range(0, n - size + 1, size):
        idx = order[start:start + size]
        distances = pairwise_distances(text[idx], motion[idx])
        rank_of_match = (distances < np.diag(distances)[:, None]).sum(1)  # strictly closer motions
        hits += np.array([(rank_of_match < k).sum() for k in range(1, top_k + 1)])
        counted += size
    return hits / max(counted, 1)


def mm_distance(text: np.ndarray, motion: np.ndarray) -> float:
    return float(np.linalg.norm(scaled(text) - scaled(motion), axis=1).mean())


def frechet_distance(real: np.ndarray, generated: np.ndarray) -> float:
    """FID between two embedding sets (scaled)."""
    real, generated = scaled(real), scaled(generated)
    mu1, mu2 = real.mean(0), generated.mean(0)
    cov1, cov2 = np.cov(real, rowvar=False), np.cov(generated, rowvar=False)
    covmean = linalg.sqrtm(cov1 @ cov2)
    if not np.isfinite(covmean).all():
        offset = np.eye(len(cov1)) * 1e-6
        covmean = linalg.sqrtm((cov1 + offset) @ (cov2 + offset))
    covmean = covmean.real
    return float(max(((mu1 - mu2) ** 2).sum() + np.trace(cov1) + np.trace(cov2) - 2 * np.trace(covmean), 0.0))


def diversity(embeddings: np.ndarray, pairs: int = DIVERSITY_PAIRS, seed: int = 0) -> float:
    emb = scaled(embeddings)
    if len(emb) < 2:
        raise ValueError("diversity needs at least 2 samples")
    rng = np.random.default_rng(seed)
    first = rng.integers(0, len(emb), pairs)
    second = (first + rng.integers(1, len(emb), pairs)) % len(emb)  # never a sample with itself
    return float(np.linalg.norm(emb[first] - emb[second], axis=1).mean())


def multimodality(embeddings: np.ndarray, pairs: int = MULTIMODALITY_PAIRS, seed: int = 0) -> float:
    """``embeddings`` (captions, generations, D): mean distance between generations of one caption."""
    emb = scaled(embeddings)
    captions, generations, _ = emb.shape
    rng = np.random.default_rng(seed)
    first = rng.integers(0, generations, (captions, pairs))
    second = (first + rng.integers(1, generations, (captions, pairs))) % generations
    rows = np.arange(captions)[:, None]
    return float(np.linalg.norm(emb[rows, first] - emb[rows, second], axis=-1).mean())


def mean_and_interval(values) -> tuple[float, float]:
    values = np.asarray(values, dtype=np.float64)
    if len(values) < 2:
        return float(values.mean()), 0.0
    return float(values.mean()), float(1.96 * values.std() / np.sqrt(len(values)))


# -- physical plausibility -------------------------------------------------------------------
FOOT_JOINTS = (7, 8, 10, 11)
TORSO_JOINTS = (0, 3, 6, 9, 12, 15)
SKATE_HEIGHT = 0.05      # m: a foot joint this low counts as touching the floor
SKATE_SPEED = 0.025      # m per frame (0.75 m/s) of horizontal motion while touching = skating
TORSO_RADIUS = 0.12      # m: capsule radius of a torso around its spine joints
CONTACT_DISTANCE = 0.15  # m: two persons touch when some joints are this close


def foot_skating_ratio(joints: np.ndarray) -> float:
    """Share of low foot-joint frames whose horizontal speed exceeds ``SKATE_SPEED``."""
    feet = joints[..., FOOT_JOINTS, :]
    low = feet[..., :-1, :, 1] < SKATE_HEIGHT
    speed = np.linalg.norm(feet[..., 1:, :, [0, 2]] - feet[..., :-1, :, [0, 2]], axis=-1)
    return float(((speed > SKATE_SPEED) & low).sum() / max(low.sum(), 1))


def floor_penetration(joints: np.ndarray) -> float:
    """Mean depth (m) below the floor of each person's lowest joint, over frames."""
    lowest = joints[..., 1].min(axis=-1)
    return float(np.maximum(-lowest, 0.0).mean())


def _torso_points(joints: np.ndarray) -> np.ndarray:
    spine = joints[..., TORSO_JOINTS, :]
    mids = (spine[..., 1:, :] + spine[..., :-1, :]) / 2
    return np.concatenate([spine, mids], axis=-2)


def inter_person_penetration(joints: np.ndarray) -> float:
    """Mean depth (m) by which the two torsos (capsules of radius 0.12 m) overlap, over frames."""
    a, b = _torso_points(joints[0]), _torso_points(joints[1])
    distances = np.linalg.norm(a[:, :, None] - b[:, None], axis=-1).min(axis=(1, 2))
    return float(np.maximum(2 * TORSO_RADIUS - distances, 0.0).mean())


def bone_length_error(joints: np.ndarray) -> float:
    """Mean absolute deviation (m) of each bone from its per-clip median length."""
    lengths = bone_lengths(joints)  # (2, T, 21)
    return float(np.abs(lengths - np.median(lengths, axis=-2, keepdims=True)).mean())


def acceleration_magnitudes(joints: np.ndarray) -> np.ndarray:
    """(..., T, J, 3) joints -> (..., T - 2, J) acceleration magnitudes in m/s^2; entry i is frame i + 1's."""
    acceleration = joints[..., 2:, :, :] - 2 * joints[..., 1:-1, :, :] + joints[..., :-2, :, :]
    return np.linalg.norm(acceleration, axis=-1) * FPS**2


def jitter(joints: np.ndarray) -> float:
    """Mean joint acceleration magnitude in m/s^2."""
    if joints.shape[-3] < 3:
        return 0.0
    return float(acceleration_magnitudes(joints).mean())


def token_boundary_jitter(joints: np.ndarray, frames_per_token: int) -> tuple[float, float]:
    """Mean acceleration (m/s^2) at frames whose neighbours lie in another token, and inside tokens.

    Frame t's acceleration spans frames t - 1, t, t + 1; with tokens of ``frames_per_token`` frames
    (0..k-1, k..2k-1, ...) it crosses a token boundary when t or t + 1 starts a token. A model whose
    tokens do not join smoothly shows a boundary figure well above the inside one; real motion shows
    both equal. Needs ``frames_per_token`` >= 3 (smaller tokens have no inside frame) and 4+ frames.
    """
    if frames_per_token < 3:
        raise ValueError(f"frames_per_token must be >= 3 for a frame to lie inside a token, got {frames_per_token}")
    if joints.shape[-3] < 4:
        raise ValueError(f"need at least 4 frames, got {joints.shape[-3]}")
    magnitudes = acceleration_magnitudes(joints)
    centre = np.arange(1, joints.shape[-3] - 1)
    crosses = (centre % frames_per_token == 0) | ((centre + 1) % frames_per_token == 0)
    return float(magnitudes[..., crosses, :].mean()), float(magnitudes[..., ~crosses, :].mean())


def contact_frames(joints: np.ndarray) -> np.ndarray:
    """(T,) bool: frames where any joint of one person is within ``CONTACT_DISTANCE`` of the other."""
    distances = np.linalg.norm(joints[0][:, :, None] - joints[1][:, None], axis=-1)
    return distances.min(axis=(1, 2)) < CONTACT_DISTANCE


def contact_accuracy(generated: np.ndarray, real: np.ndarray) -> float | None:
    """Share of the real clip's contact frames where the generated pair touches too (None: no contact)."""
    real_contact = contact_frames(real)
    if not real_contact.any():
        return None
    frames = min(len(real_contact), generated.shape[1])
    return float(contact_frames(generated[:, :frames])[real_contact[:frames]].mean())


PHYSICAL_METRICS = {
    "foot_skating_ratio": foot_skating_ratio,
    "floor_penetration": floor_penetration,
    "inter_person_penetration": inter_person_penetration,
    "bone_length_error": bone_length_error,
    "jitter": jitter,
}


PAIR_METRICS = frozenset({"inter_person_penetration"})  # undefined for one person alone


def physical_metrics(generated: list[np.ndarray], real: list[np.ndarray] | None = None) -> dict[str, float]:
    """Averages over clips of joints (P, T, 22, 3); contact accuracy needs the matching real clips.
    Clips of one person (the single-person prior) have no inter-person metric."""
    persons = generated[0].shape[0]
    results = {name: float(np.mean([fn(j) for j in generated])) for name, fn in PHYSICAL_METRICS.items()
               if persons == 2 or name not in PAIR_METRICS}
    if real is not None and persons == 2:
        scores = [s for s in (contact_accuracy(g, r) for g, r in zip(generated, real)) if s is not None]
        results["contact_accuracy"] = float(np.mean(scores)) if scores else float("nan")
    return results


def twin_accuracy(text_embeddings: np.ndarray, motion_embeddings: np.ndarray,
                  pairs: dict[str, list[tuple[int, int]]]) -> dict[str, float]:
    """Per contrast kind, how often a caption is closer to its own motion than to its twin's.

    ``pairs`` maps a kind ("order", "side", ...) to index pairs (i, j) of items that differ only in
    that respect; each pair gives two trials (i's caption, then j's). 0.5 is chance.
    """
    def similarity(texts: np.ndarray, motions: np.ndarray) -> np.ndarray:
        return (text_embeddings[texts] * motion_embeddings[motions]).sum(-1)

    result = {}
    for kind, index_pairs in sorted(pairs.items()):
        if not index_pairs:
            continue
        a, b = np.asarray(index_pairs).T
        wins = np.concatenate([similarity(a, a) > similarity(a, b), similarity(b, b) > similarity(b, a)])
        result[kind] = float(wins.mean())
    return result
