"""Evaluate a generator (or the ground truth) with the InterHuman protocol.

    python -m training.evaluate --data DIR --split test --evaluator CKPT_DIR \
        --generator gt|CKPT_DIR [--json OUT.json] [--replications 20] [--batch-size 32]

Prints the paper's table (the ground-truth row first) and the physical metrics; ``--json``
writes the evaluated generator's numbers with keys ``r_precision`` (3), ``fid``, ``mm_dist``,
``diversity``, ``multimodality``, the physical metrics and ``twin_<kind>`` (on the procedural set's
contrast twins: how often a caption is closer to the motion generated from it than to the one
generated from its twin's caption, i.e. phases in order, roles not swapped), their 95% ``intervals``,
and the ground truth's numbers under ``ground_truth``.

Subsets get ``<subset>_r1`` (and, with ``--subset-metrics``, every metric): the order-sensitive clips,
the held-out phase combinations, and on an out-of-distribution build (``build_dataset --vocabulary
ood``; evaluate it whole with ``--split all``) each relation kind as ``relation_<kind>``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from t2i_core.checkpoint import CheckpointError
from t2i_core.data.interhuman import InterHumanDataset
from t2i_core.data.layout import DataFolderError, order_sensitive_list
from t2i_core.data.manifest import held_out_ids, read_records
from t2i_core.data.procedural.writer import relation_list
from t2i_core.data.solo import SoloMotionDataset, is_humanml3d_folder
from t2i_core.data.twins import read_twin_records, twin_pairs
from t2i_core.io import atomic_write_text
from t2i_core.models.scorer import TextMotionScorer
from t2i_core.protocol import (
    EVALUATION_BATCH,
    GENERATION_NOISE,
    EvalItem,
    GroundTruth,
    ProtocolSettings,
    contrast_accuracy,
    format_table,
    run_protocol,
)
from training.common import resolve_device
from training.options import (
    add_batch_option,
    add_device_options,
    add_evaluation_options,
    add_sampling_options,
)

HELD_OUT = "held_out"  # the subset of clips with a held-out phase combination


def load_items(data: Path, split: str, cache_dir: Path | None, max_clips: int | None) -> tuple[list, dict]:
    """The split's clips as protocol items, and the subsets found: ``order_sensitive`` (the split's
    ``<split>_order_sensitive.txt`` list) and ``held_out`` (clips with a held-out phase combination,
    from the procedural manifest), each a list of item indices."""
    if is_humanml3d_folder(data):  # one person a clip: the single-person prior against a single-person evaluator
        dataset = SoloMotionDataset(data, split, mode="eval", cache_dir=cache_dir)
    else:
        dataset = InterHumanDataset(data, split, mode="eval", cache_dir=cache_dir)
    entries = dataset.entries[:max_clips] if max_clips else dataset.entries
    items = []
    for index, entry in enumerate(entries):
        features = dataset.full_features(index)[:, : dataset.max_frames]
        items.append(EvalItem(entry.clip_id, entry.captions, features, entry.person_captions))
    subsets = {}
    if isinstance(dataset, SoloMotionDataset):
        return items, subsets
    subset_file = dataset.layout.split_dir / f"{order_sensitive_list(split)}.txt"
    if subset_file.is_file():
        wanted = {line.strip() for line in subset_file.read_text().splitlines() if line.strip()}
        subsets["order_sensitive"] = [i for i, item in enumerate(items) if item.clip_id in wanted]
    held = held_out_ids(data)  # the procedural set's held-out phase combinations (its manifest)
    if held:
        subsets[HELD_OUT] = [i for i, item in enumerate(items) if item.clip_id in held]
    # an out-of-distribution set's relation kinds (in turn, at once, together, ...): results per kind
    relation = {r["id"]: r["relation"] for r in read_records(data) if r.get("relation")}
    for kind in sorted(set(relation.values())):
        subsets[relation_list(kind)] = [i for i, item in enumerate(items) if relation.get(item.clip_id) == kind]
    return items, subsets


def contrast_pairs(data: Path, items: list[EvalItem]) -> dict[str, list[tuple[int, int]]]:
    """Twin clips of the procedural data set (its manifest.json), grouped by what differs."""
    return twin_pairs([item.clip_id for item in items], read_twin_records(data))


def load_source(spec: str, device: str, steps: int, guidance: float, physics: bool = False,
                batch_size: int = EVALUATION_BATCH):
    if spec == "gt":
        return GroundTruth()
    folder = Path(spec)
    if not folder.is_dir():
        raise CheckpointError(f"generator {spec!r} is neither 'gt' nor an existing checkpoint folder")
    from t2i_core.generator_source import PipelineSource

    return PipelineSource.from_pretrained(folder, device=device, steps=steps, guidance_scale=guidance,
                                          physics=physics, batch_size=batch_size)


def result_payload(evaluated: dict, ground_truth: dict | None, generator: str, evaluator: Path, split: str,
                   clips: int, settings: ProtocolSettings, **extra) -> dict:
    """The JSON of one evaluated generator: its numbers at the top, then the ground truth's and the setting."""
    return {**evaluated, "ground_truth": ground_truth, **extra, "generation_noise": GENERATION_NOISE,
            "generator": str(generator),
            "evaluator": str(evaluator), "split": split, "clips": clips, "settings": asdict(settings)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--generator", default="gt", help="'gt' or a generator checkpoint folder")
    parser.add_argument("--json", type=Path, default=None, help="write the numbers here")
    parser.add_argument("--physics", action="store_true", help="sample with physical guidance")
    add_evaluation_options(parser, evaluator_default=None)
    add_sampling_options(parser)
    add_batch_option(parser)
    add_device_options(parser)
    parser.add_argument("--subset-metrics", action="store_true",
                        help="every metric per subset (relation kinds, held-out combinations), not only R@1")
    args = parser.parse_args(argv)
    settings = ProtocolSettings(replications=args.replications, mm_captions=args.mm_captions,
                                mm_generations=args.mm_generations, seed=args.seed)
    device = str(resolve_device(args.device))
    try:
        scorer = TextMotionScorer.from_pretrained(args.evaluator, device=device)
        source = load_source(args.generator, device, args.sampling_steps, args.guidance, args.physics,
                             args.eval_batch_size)
        items, subsets = load_items(args.data, args.split, args.cache_dir, args.max_clips)
        pairs = contrast_pairs(args.data, items)
        progress = not args.quiet
        rows = {"Ground truth": run_protocol(items, scorer, GroundTruth(), settings, subsets, progress, twins=pairs,
                                             subset_metrics=args.subset_metrics)}
        twins = contrast_accuracy(scorer, items, pairs)
        if not isinstance(source, GroundTruth):
            rows[source.name] = run_protocol(items, scorer, source, settings, subsets, progress, twins=pairs,
                                             subset_metrics=args.subset_metrics)
    except (CheckpointError, DataFolderError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(format_table(rows))
    if twins:
        print("evaluator on twin clips (caption closer to its own motion than to its twin's): "
              + ", ".join(f"{kind} {value:.3f}" for kind, value in twins.items()))
    if args.json is not None:
        payload = result_payload(rows[list(rows)[-1]], rows["Ground truth"], args.generator, args.evaluator,
                                 args.split, len(items), settings, twin_accuracy=twins)
        atomic_write_text(args.json, json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
