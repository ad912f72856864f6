"""Diagnose an InterHuman-layout folder: what is missing or broken, and a summary.

Used by ``python -m training.check_data ROOT``. Reads files only; writes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from t2i_core.data.clips import ClipError, load_raw_pair
from t2i_core.data.layout import SPLITS, InterHumanLayout
from t2i_core.motion.features import MIN_CLIP_FRAMES
from t2i_core.motion.raw import RawFormatError, validate_raw

HISTOGRAM_EDGES = (15, 30, 60, 90, 120, 180, 240, 300)


@dataclass
class SplitReport:
    split: str
    split_file: Path | None
    listed: int = 0
    ignored: int = 0
    usable: int = 0
    problems: dict[str, str] = field(default_factory=dict)
    lengths: list[int] = field(default_factory=list)


@dataclass
class FolderReport:
    root: Path
    fatal: list[str] = field(default_factory=list)
    splits: dict[str, SplitReport] = field(default_factory=dict)
    unlisted_motions: int = 0
    individual_captions: bool = False

    @property
    def usable(self) -> bool:
        train = self.splits.get("train")
        return not self.fatal and train is not None and train.usable > 0


def check_clip(layout: InterHumanLayout, clip_id: str) -> int:
    """Processed length of a usable clip; ClipError with the reason otherwise."""
    caption_file = layout.caption_file(clip_id)
    if not caption_file.is_file():
        raise ClipError(f"missing captions {caption_file}")
    if not layout.captions(clip_id):
        raise ClipError(f"empty captions file {caption_file}")
    raws = load_raw_pair(layout, clip_id)
    for person, raw in zip((1, 2), raws):
        try:
            validate_raw(raw, f"person{person}")
        except RawFormatError as error:
            raise ClipError(str(error)) from error
    if raws[0].shape[0] != raws[1].shape[0]:
        raise ClipError(f"persons differ in length: {raws[0].shape[0]} vs {raws[1].shape[0]} frames")
    length = raws[0].shape[0] - 1
    if length < MIN_CLIP_FRAMES:
        raise ClipError(f"too short: {length} processed frames, at least {MIN_CLIP_FRAMES} needed")
    return length


def check_folder(root: str | Path) -> FolderReport:
    root = Path(root).expanduser().resolve()
    report = FolderReport(root=root)
    if not root.is_dir():
        report.fatal.append(f"data folder not found: {root}")
        return report
    layout = InterHumanLayout(root)
    for folder in (layout.annots_dir, layout.motion_dir(1), layout.motion_dir(2)):
        if not folder.is_dir():
            report.fatal.append(f"missing folder {folder}")
    if report.fatal:
        return report
    report.individual_captions = layout.individual_dir(1).is_dir() and layout.individual_dir(2).is_dir()
    ignored = layout.ignore_list()
    listed_anywhere: set[str] = set()
    for split in SPLITS:
        split_file = layout.split_file(split)
        split_report = SplitReport(split, split_file)
        report.splits[split] = split_report
        if split_file is None:
            if split == "train":
                report.fatal.append(f"missing split file: {root / 'split' / 'train.txt'} (or {root / 'train.txt'})")
            continue
        ids = layout.split_ids(split)
        listed_anywhere.update(ids)
        split_report.listed = len(ids)
        for clip_id in ids:
            if clip_id in ignored:
                split_report.ignored += 1
                continue
            try:
                split_report.lengths.append(check_clip(layout, clip_id))
                split_report.usable += 1
            except ClipError as error:
                split_report.problems[clip_id] = str(error)
    on_disk = {p.stem for p in layout.motion_dir(1).glob("*.npy")}
    report.unlisted_motions = len(on_disk - listed_anywhere)
    return report


def length_histogram(lengths: list[int]) -> list[tuple[str, int]]:
    bins = np.digitize(lengths, HISTOGRAM_EDGES[1:]) if lengths else np.array([], dtype=int)
    counts = Counter(bins.tolist())
    labels = [f"{lo}-{hi - 1}" for lo, hi in zip(HISTOGRAM_EDGES[:-1], HISTOGRAM_EDGES[1:])]
    labels.append(f">={HISTOGRAM_EDGES[-1]}")
    return [(label, counts.get(i, 0)) for i, label in enumerate(labels)]


def format_report(report: FolderReport, max_listed: int = 30) -> str:
    lines = [f"data folder: {report.root}"]
    for message in report.fatal:
        lines.append(f"ERROR: {message}")
    for split_report in report.splits.values():
        if split_report.split_file is None:
            lines.append(f"{split_report.split}: no split file")
            continue
        lines.append(
            f"{split_report.split}: {split_report.usable} usable of {split_report.listed} listed"
            f" ({split_report.ignored} ignored, {len(split_report.problems)} with problems)"
            f"  [{split_report.split_file}]"
        )
        for clip_id, problem in list(split_report.problems.items())[:max_listed]:
            lines.append(f"  {clip_id}: {problem}")
        if len(split_report.problems) > max_listed:
            lines.append(f"  ... and {len(split_report.problems) - max_listed} more")
        if split_report.lengths:
            lengths = np.array(split_report.lengths)
            lines.append(
                f"  length (frames): min {lengths.min()}, median {int(np.median(lengths))}, max {lengths.max()}"
            )
            peak = max(count for _, count in length_histogram(split_report.lengths)) or 1
            for label, count in length_histogram(split_report.lengths):
                lines.append(f"  {label:>8} {count:6d} {'#' * round(40 * count / peak)}")
    if not report.fatal:
        lines.append(f"per-person captions (annots_individual): {'yes' if report.individual_captions else 'no'}")
        lines.append(f"motion files listed in no split: {report.unlisted_motions}")
    lines.append("folder is usable for training" if report.usable else "folder is NOT usable for training")
    return "\n".join(lines)
