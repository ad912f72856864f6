"""Building, loading and searching a single-person motion library (InterCompose, person 1 by retrieval).

    python benchmarks/bench_library.py --data data/procedural [--splits train] [--prompts 200]

Builds a ``MotionLibrary`` over the per-person tracks of an InterHuman-layout folder (MiniLM caption
embeddings; the pair features come from the shared feature cache, so a first run also processes the
clips), saves and reloads it, then times retrieval of held-out per-person captions (the test split's)
and prints how often the retrieved track's caption is the query itself or shares its first clause.
Also times converting HumanML3D-sized clips (200 frames at 20 fps) to our 262-D at 30 fps.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from t2i_core.compose.library import MotionLibrary
from t2i_core.data.layout import InterHumanLayout
from t2i_core.motion.humanml3d import features_from_humanml3d
from tests.motion.test_humanml3d import person_at


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--splits", nargs="*", default=["train"])
    parser.add_argument("--prompts", type=int, default=200)
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()

    start = time.perf_counter()
    library = MotionLibrary.build(args.data, splits=args.splits or None)
    built = time.perf_counter() - start
    print(f"built: {len(library)} tracks, {len(library.rows)} caption rows, {len(library.skipped)} skipped "
          f"in {built:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        library.save(tmp)
        loaded = MotionLibrary.load(tmp, text_cache=library.text_cache)
        print(f"save + load: {time.perf_counter() - start:.2f} s")

    layout = InterHumanLayout.open(args.data)
    queries = []
    for clip_id in layout.split_ids("test"):
        captions = layout.individual_captions(clip_id)
        if captions:
            queries.append(captions[0][0])
        if len(queries) == args.prompts:
            break
    start = time.perf_counter()
    results = loaded.retrieve(queries, k=args.k, seed=0)
    seconds = time.perf_counter() - start
    exact = np.mean([r.caption == q for r, q in zip(results, queries)])
    clause = np.mean([r.caption.split(",")[0] == q.split(",")[0] for r, q in zip(results, queries)])
    similarity = np.array([r.similarity for r in results])
    print(f"retrieve {len(queries)} test prompts (k={args.k}): {seconds:.2f} s "
          f"({1000 * seconds / len(queries):.1f} ms each, features included)")
    print(f"  similarity mean {similarity.mean():.3f} min {similarity.min():.3f}; caption identical {exact:.2f}, "
          f"first clause identical {clause:.2f}; candidates mean {np.mean([r.candidates for r in results]):.1f}")

    clips = [person_at(np.arange(200) / 20, seed=s) for s in range(20)]
    start = time.perf_counter()
    for positions in clips:
        features_from_humanml3d(positions)
    per_clip = (time.perf_counter() - start) / len(clips)
    print(f"HumanML3D 200 frames @20 fps -> 262-D @30 fps: {1000 * per_clip:.1f} ms per clip")


if __name__ == "__main__":
    main()
