"""Write the normalisation statistics of a data set's train split.

    python -m training.compute_stats --data ROOT --out FILE.npz

The .npz holds ``mean`` and ``std``, each (262,) float32, over the train split including
mirrored copies. The same files give the same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from t2i_core.data.interhuman import InterHumanDataset
from t2i_core.data.layout import DataFolderError
from t2i_core.io import save_npz
from t2i_core.motion.stats import feature_stats


def compute_stats(data: Path, out: Path, split: str = "train", cache_dir: Path | None = None) -> Path:
    dataset = InterHumanDataset(data, split=split, mode="eval", mirror=False, cache_dir=cache_dir)
    order = sorted(range(len(dataset.entries)), key=lambda i: dataset.entries[i].clip_id)
    clips = (dataset.full_features(i) for i in tqdm(order, desc="statistics", unit="clip"))
    mean, std = feature_stats(clips, include_mirrored=True)
    return save_npz(out, mean=mean, std=std)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="InterHuman-layout folder")
    parser.add_argument("--out", type=Path, required=True, help="output .npz with mean and std")
    parser.add_argument("--split", default="train", help="split to compute over (default: train)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="processed-feature cache folder")
    args = parser.parse_args(argv)
    try:
        path = compute_stats(args.data, args.out, args.split, args.cache_dir)
    except (DataFolderError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
