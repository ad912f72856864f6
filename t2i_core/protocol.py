"""The evaluation protocol: replications of generate -> embed -> metrics, batching-independent.

Every replication r draws, with seed ``seed + r``, one caption per test clip, asks the motion
source for one motion per clip at the ground-truth length, and computes R-precision, MM Dist,
FID (against the real motions' embeddings), Diversity, the physical metrics and, for sources
that sample, MultiModality. Embeddings are computed per clip and gathered before any metric,
so how a data loader batches never changes a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from tqdm import tqdm

from t2i_core import metrics
from t2i_core.motion.features import features_to_joints

# Items a generator makes together for the protocol; each item's noise comes from (seed, item index), so no
# number depends on it.
EVALUATION_BATCH = 32
# How generated clips draw their noise: item i's from (seed, i) since issue 22 (before: one generator per
# batch, so the numbers depended on the batch size). Cached evaluations record it, so none made the old
# way is reused as if current.
GENERATION_NOISE = "per-item"


@dataclass
class EvalItem:
    clip_id: str
    captions: tuple[str, ...]
    features: np.ndarray   # (2, T, 262) un-normalised, true length ((1, T, 262): single-person data)
    person_captions: tuple[tuple[str, ...], tuple[str, ...]] | None = None

    @property
    def length(self) -> int:
        return self.features.shape[1]


class MotionSource(Protocol):
    name: str
    samples: bool  # False for ground truth: MultiModality is then undefined

    def generate(self, texts: list[str], items: list[EvalItem], seed: int) -> list[np.ndarray]:
        """One (2, T, 262) motion per text, T = the item's ground-truth length."""


class GroundTruth:
    name, samples = "ground truth", False

    def generate(self, texts, items, seed):
        return [item.features for item in items]


@dataclass
class ProtocolSettings:
    replications: int = 20
    group: int = metrics.R_PRECISION_GROUP
    diversity_pairs: int = metrics.DIVERSITY_PAIRS
    mm_captions: int = 100
    mm_generations: int = 30
    mm_pairs: int = metrics.MULTIMODALITY_PAIRS
    seed: int = 0


@dataclass
class ProtocolResult:
    values: dict[str, list[float]] = field(default_factory=dict)   # metric -> one value per replication

    def add(self, name: str, value: float | None) -> None:
        if value is not None:
            self.values.setdefault(name, []).append(float(value))

    def summary(self) -> dict:
        out: dict = {}
        intervals: dict = {}
        for name, series in self.values.items():
            mean, interval = metrics.mean_and_interval(series)
            out[name], intervals[name] = mean, interval
        r = [out.pop(f"r_precision_top{k}", float("nan")) for k in (1, 2, 3)]
        intervals["r_precision"] = [intervals.pop(f"r_precision_top{k}", float("nan")) for k in (1, 2, 3)]
        out["r_precision"] = r
        out.setdefault("multimodality", None)
        out["intervals"] = intervals
        out["replications"] = max((len(v) for v in self.values.values()), default=0)
        return out


def embed_motions(scorer, motions: list[np.ndarray]) -> np.ndarray:
    """Embed motions (P, T_i, 262) of different lengths (P = 2, or 1 for single-person evaluators): padded
    together, each with its own length."""
    longest = max(m.shape[1] for m in motions)
    padded = np.zeros((len(motions), motions[0].shape[0], longest, motions[0].shape[-1]), dtype=np.float32)
    for i, m in enumerate(motions):
        padded[i, :, : m.shape[1]] = m
    return scorer.embed_motions(padded, [m.shape[1] for m in motions])


def run_protocol(items: list[EvalItem], scorer, source: MotionSource, settings: ProtocolSettings,
                 subsets: dict[str, list[int]] | None = None, progress: bool = True,
                 twins: dict[str, list[tuple[int, int]]] | None = None, subset_metrics: bool = False) -> dict:
    """Metrics of ``source`` on ``items``; ``subsets`` name index lists (of at least 2 items) that also
    get ``<subset>_r1``, and with ``subset_metrics`` the other metrics too, from the same generated
    motions: ``<subset>_r2``, ``_r3``, ``_fid`` (against the subset's real motions), ``_mm_dist``,
    ``_diversity`` and ``<subset>_<physical metric>``.

    ``twins`` maps a contrast kind ("order", "initiator", ...) to index pairs of items whose captions
    differ only in that respect; each replication then adds ``twin_<kind>``: how often a caption is
    closer to the motion made from it than to the motion made from its twin's caption (0.5 is
    chance). On generated motions this is the behaviour check "plays the phases in order" and
    "does not swap who acts".
    """
    if len(items) < 2:
        raise ValueError("the protocol needs at least 2 clips")
    real_embeddings = embed_motions(scorer, [item.features for item in items])
    real_joints = [features_to_joints(item.features) for item in items]
    result = ProtocolResult()
    physical = None
    usable = {name: list(indices) for name, indices in (subsets or {}).items() if len(indices) >= 2}
    for replication in tqdm(range(settings.replications), desc=f"evaluating {source.name}", disable=not progress):
        seed = settings.seed + replication
        rng = np.random.default_rng(seed)
        texts = [item.captions[rng.integers(len(item.captions))] for item in items]
        motions = source.generate(texts, items, seed)
        generated = embed_motions(scorer, motions)
        text_embeddings = scorer.embed_texts(texts)
        for k, value in enumerate(metrics.r_precision(text_embeddings, generated, 3, settings.group, seed), 1):
            result.add(f"r_precision_top{k}", value)
        result.add("mm_dist", metrics.mm_distance(text_embeddings, generated))
        result.add("fid", metrics.frechet_distance(real_embeddings, generated))
        result.add("diversity", metrics.diversity(generated, settings.diversity_pairs, seed))
        if physical is None or source.samples:  # a source that does not sample gives the same motions again
            joints = [features_to_joints(m) for m in motions]
            physical = metrics.physical_metrics(joints, real_joints)
            if subset_metrics:
                physical.update(subset_physical(joints, real_joints, usable))
        for name, value in physical.items():
            result.add(name, value if np.isfinite(value) else None)
        for subset, indices in usable.items():
            values = metrics.r_precision(text_embeddings[indices], generated[indices], 3, settings.group, seed)
            result.add(f"{subset}_r1", values[0])
            if subset_metrics:
                result.add(f"{subset}_r2", values[1])
                result.add(f"{subset}_r3", values[2])
                result.add(f"{subset}_mm_dist", metrics.mm_distance(text_embeddings[indices], generated[indices]))
                result.add(f"{subset}_fid", metrics.frechet_distance(real_embeddings[indices], generated[indices]))
                result.add(f"{subset}_diversity", metrics.diversity(generated[indices], settings.diversity_pairs,
                                                                    seed))
        for kind, value in metrics.twin_accuracy(text_embeddings, generated, twins or {}).items():
            result.add(f"twin_{kind}", value)
        if source.samples and settings.mm_captions > 0:
            chosen = rng.choice(len(items), size=min(settings.mm_captions, len(items)), replace=False)
            bank = []
            for index in chosen:
                repeats = [items[index]] * settings.mm_generations
                samples = source.generate([texts[index]] * settings.mm_generations, repeats, seed)
                bank.append(embed_motions(scorer, samples))
            result.add("multimodality", metrics.multimodality(np.stack(bank), settings.mm_pairs, seed))
    return result.summary()


def subset_physical(joints: list[np.ndarray], real_joints: list[np.ndarray],
                    subsets: dict[str, list[int]]) -> dict[str, float]:
    """``<subset>_<physical metric>`` of each subset's generated motions (against its real ones)."""
    out = {}
    for subset, indices in subsets.items():
        values = metrics.physical_metrics([joints[i] for i in indices], [real_joints[i] for i in indices])
        out.update({f"{subset}_{name}": value for name, value in values.items()})
    return out


def contrast_accuracy(scorer, items: list[EvalItem], pairs: dict[str, list[tuple[int, int]]]) -> dict[str, float]:
    """Per contrast kind, how often a clip's first caption is closer to its own motion than to its twin's.

    ``pairs`` maps a kind ("order", "side", ...) to index pairs of ``items`` that differ only in
    that respect (see ``t2i_core.data.twins``); the counting is ``metrics.twin_accuracy``.
    """
    used = sorted({i for index_pairs in pairs.values() for pair in index_pairs for i in pair})
    if not used:
        return {}
    position = {item: k for k, item in enumerate(used)}
    texts = scorer.embed_texts([items[i].captions[0] for i in used])
    motions = embed_motions(scorer, [items[i].features for i in used])
    local = {kind: [(position[a], position[b]) for a, b in index_pairs] for kind, index_pairs in pairs.items()}
    return metrics.twin_accuracy(texts, motions, local)


PAPER_COLUMNS = (("R@1", lambda s: s["r_precision"][0], lambda i: i["r_precision"][0]),
                 ("R@2", lambda s: s["r_precision"][1], lambda i: i["r_precision"][1]),
                 ("R@3", lambda s: s["r_precision"][2], lambda i: i["r_precision"][2]),
                 ("FID", lambda s: s["fid"], lambda i: i["fid"]),
                 ("MM Dist", lambda s: s["mm_dist"], lambda i: i["mm_dist"]),
                 ("Diversity", lambda s: s["diversity"], lambda i: i["diversity"]),
                 ("MModality", lambda s: s["multimodality"], lambda i: i.get("multimodality")))
PHYSICAL_COLUMNS = ("foot_skating_ratio", "floor_penetration", "inter_person_penetration", "bone_length_error",
                    "jitter", "contact_accuracy")


def format_table(rows: dict[str, dict]) -> str:
    """The paper's table (value ±interval), one row per method, then the physical metrics."""
    def cell(value, interval) -> str:
        if value is None:
            return "-"
        return f"{value:.3f}±{interval:.3f}" if interval is not None else f"{value:.3f}"

    header = f"{'Method':<16}" + "".join(f"{name:>16}" for name, _, _ in PAPER_COLUMNS)
    lines = [header, "-" * len(header)]
    for method, summary in rows.items():
        cells = [cell(get(summary), get_i(summary["intervals"])) for _, get, get_i in PAPER_COLUMNS]
        lines.append(f"{method:<16}" + "".join(f"{c:>16}" for c in cells))
    extra = sorted({k for s in rows.values() for k in s if k.endswith("_r1") or k.startswith("twin_")})
    columns = [c for c in PHYSICAL_COLUMNS + tuple(extra) if any(c in s for s in rows.values())]
    if columns:
        lines += ["", f"{'Method':<16}" + "".join(f"{c:>26}" for c in columns)]
        for method, summary in rows.items():
            cells = [cell(summary.get(c), summary["intervals"].get(c)) for c in columns]
            lines.append(f"{method:<16}" + "".join(f"{c:>26}" for c in cells))
    return "\n".join(lines)
