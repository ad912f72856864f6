"""Time of a full 20-replication evaluation of the ground truth on the procedural test split.

    python benchmarks/bench_evaluate.py --data DIR [--evaluator assets/evaluator] [--replications 20]

Builds nothing: point it at a built procedural data set (python -m training.build_dataset).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from t2i_core.assets import SHIPPED_EVALUATOR  # noqa: E402
from t2i_core.models.scorer import TextMotionScorer  # noqa: E402
from t2i_core.protocol import GroundTruth, ProtocolSettings, run_protocol  # noqa: E402
from training.evaluate import load_items  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--evaluator", type=Path, default=SHIPPED_EVALUATOR)
    parser.add_argument("--replications", type=int, default=20)
    args = parser.parse_args()
    start = time.perf_counter()
    items, subsets = load_items(args.data, "test", None, None)
    scorer = TextMotionScorer.from_pretrained(args.evaluator)
    loaded = time.perf_counter()
    result = run_protocol(items, scorer, GroundTruth(), ProtocolSettings(replications=args.replications), subsets,
                          progress=False)
    done = time.perf_counter()
    print(f"{len(items)} test clips, {args.replications} replications")
    print(f"loading data + evaluator: {loaded - start:.1f} s; protocol: {done - loaded:.1f} s; "
          f"total {done - start:.1f} s")
    print(f"ground truth R@1/2/3 {[round(v, 3) for v in result['r_precision']]}, MM Dist {result['mm_dist']:.3f}")


if __name__ == "__main__":
    main()
