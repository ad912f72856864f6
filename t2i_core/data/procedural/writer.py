"""Write generated clips in InterHuman's on-disk layout (REFERENCE section 1).

    <out>/motions_processed/person{1,2}/<id>.npy    float32 (T, 492), Z-up (``make_raw``)
    <out>/annots/<id>.txt                           3 captions
    <out>/annots_individual/person{1,2}/<id>.txt    3 per-person descriptions
    <out>/split/{train,val,test}.txt                ids, one per line
    <out>/split/test_order_sensitive.txt            test ids whose contrast twin differs in order
    <out>/split/relation_<kind>.txt                 (OOD vocabulary) ids of each relation kind, all splits
    <out>/manifest.json                             generator version, seed, per-clip phase labels

The files go through ``t2i_core.data.writer`` (layout and captions) and ``t2i_core.data.manifest``,
both on ``io``'s atomic writes, so an interrupted build never leaves a truncated file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from t2i_core.data import manifest
from t2i_core.data.layout import order_sensitive_list
from t2i_core.data.procedural.generator import GENERATOR_VERSION, HELD_OUT_PAIRS, Clip
from t2i_core.data.procedural.timeline import FPS
from t2i_core.data.writer import write_clip as write_interhuman_clip
from t2i_core.data.writer import write_split
from t2i_core.motion.raw import make_raw


def clip_id(index: int) -> str:
    return f"{index:06d}"


def clip_record(clip: Clip) -> dict:
    """What the manifest keeps about a clip (json-serialisable)."""
    return manifest.clip_record(clip_id(clip.index), index=clip.index, group=clip.index // 2,
                                contrast=clip.plan.contrast, frames=int(clip.frames),
                                heights=[round(b.height, 4) for b in clip.plan.bodies], phases=clip.phases,
                                captions=clip.captions)


def write_clip(root: Path, clip: Clip) -> dict:
    """Write one clip's motion and caption files; returns its manifest record."""
    raws = [make_raw(clip.positions[p], clip.rot6d[p]) for p in (0, 1)]
    write_interhuman_clip(root, clip_id(clip.index), raws[0], raws[1], clip.captions,
                          individual_captions=(clip.person_captions[0], clip.person_captions[1]))
    return clip_record(clip)


def assign_splits(records: list[dict], seed: int, val: float = 0.05, test: float = 0.10) -> dict[str, str]:
    """Split per contrast group (both clips of a group share a split).

    A group whose phases include a held-out pair (``HELD_OUT_PAIRS``) goes to test, so those
    combinations never occur in train or val; the other groups are split at random from (seed, group).
    """
    groups: dict[int, list[dict]] = {}
    for r in records:
        groups.setdefault(r["group"], []).append(r)
    out = {}
    for g, members in groups.items():
        kinds = {p["kind"] for r in members for p in r["phases"]}
        held = any(pair <= kinds for pair in HELD_OUT_PAIRS)
        u = float(np.random.default_rng([seed, g, 2]).random())
        split = "test" if held or u >= 1.0 - test else ("val" if u >= 1.0 - test - val else "train")
        for r in members:
            out[r["id"]] = split
    return out


def write_index(root: Path, records: list[dict], seed: int) -> dict[str, list[str]]:
    """Write split files and the manifest for all ``records``; returns ids per split."""
    root = Path(root)
    records = sorted(records, key=lambda r: r["index"])
    splits = assign_splits(records, seed)
    ids = {name: [r["id"] for r in records if splits[r["id"]] == name] for name in ("train", "val", "test")}
    for name, members in ids.items():
        write_split(root, name, members)
    by_group: dict[int, list[dict]] = {}
    for r in records:
        by_group.setdefault(r["group"], []).append(r)
    order = [r["id"] for r in records if splits[r["id"]] == "test" and r["contrast"] == "order"
             and len(by_group[r["group"]]) == 2]
    write_split(root, order_sensitive_list("test"), order)
    manifest.write_manifest(root, [{**r, "split": splits[r["id"]]} for r in records],
                            generator="t2i_core.data.procedural", version=GENERATOR_VERSION, seed=seed,
                            clips=len(records), fps=FPS, held_out_pairs=sorted(sorted(p) for p in HELD_OUT_PAIRS),
                            splits={k: len(v) for k, v in ids.items()}, order_sensitive_test=len(order))
    return ids


ALL_CLIPS = "all"  # the split-file-like list of every clip of an OOD set: a benchmark build is evaluated whole


def relation_list(kind: str) -> str:
    """The split-file-like list of an OOD set's clips of one relation kind (all splits)."""
    return f"relation_{kind}"


def write_ood_index(root: Path, records: list[dict], seed: int, relations: tuple[str, ...], version: str
                    ) -> dict[str, list[str]]:
    """Splits, one list per relation kind and the manifest of an OOD set; returns ids per split.

    Splits are drawn per group as for the base set (``assign_splits``; each OOD clip is its own
    group); no held-out pairs, no order-sensitive twins.
    """
    root = Path(root)
    records = sorted(records, key=lambda r: r["index"])
    splits = assign_splits(records, seed)
    ids = {name: [r["id"] for r in records if splits[r["id"]] == name] for name in ("train", "val", "test")}
    for name, members in ids.items():
        write_split(root, name, members)
    write_split(root, order_sensitive_list("test"), [])
    write_split(root, ALL_CLIPS, [r["id"] for r in records])
    per_relation = {kind: [r["id"] for r in records if r["relation"] == kind] for kind in relations}
    for kind, members in per_relation.items():
        write_split(root, relation_list(kind), members)
    manifest.write_manifest(root, [{**r, "split": splits[r["id"]]} for r in records],
                            generator="t2i_core.data.procedural.ood", version=version, vocabulary="ood", seed=seed,
                            clips=len(records), fps=FPS, splits={k: len(v) for k, v in ids.items()},
                            relations={k: len(v) for k, v in per_relation.items()})
    return ids
