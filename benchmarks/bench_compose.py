"""InterCompose candidates per second: describe, split, person 1, inpainted reaction, filter scores, write.

    python benchmarks/bench_compose.py [--sizes tiny shipped] [--candidates 32] [--steps 50] [--batch-size 16]
        [--person1 joint|generated|retrieved] [--person2 reaction|coupled] [--coupling-strength 0.5] [--skip-merge]

"tiny" is InterActorConfig.tiny() (and a tiny single-person prior) with a tiny filter evaluator (random
weights); "shipped" is assets/interactor (and assets/single_person) with an EvaluatorConfig.small() filter
evaluator (random weights: the speed of a trained one is the same). Both run on a small real folder built on
the fly (tests/fixtures.py). Person 1 and person 2 are made as ``compose run --person1/--person2`` makes them.
Prints the composing rate of candidates 0 .. N-1 (in the run's own chunks of --batch-size,
``run.composing_order``, or with --order index in chunks of consecutive indices, the order before it), after
a warm-up chunk of other candidates, and the 10,000-candidate estimate; the merge (real embeddings, k-NN,
UMAP) is timed once at the end unless --skip-merge.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from t2i_core.assets import SHIPPED_MODEL, SHIPPED_SINGLE_PERSON  # noqa: E402
from t2i_core.compose.run import (  # noqa: E402
    PERSON1_CHOICES,
    PERSON2_CHOICES,
    ComposeConfig,
    compose_chunk,
    composing_order,
    load_real_set,
    merge,
    real_side,
)
from t2i_core.compose.scoring import load_filter_scorer  # noqa: E402
from t2i_core.models.evaluator import EvaluatorConfig, InteractionEvaluator  # noqa: E402
from t2i_core.models.registry import save_checkpoint  # noqa: E402
from t2i_core.text import build_text_encoder  # noqa: E402
from tests.compose.builders import tiny_evaluator, tiny_interactor, tiny_real_folder  # noqa: E402
from training.compose_run import build_pieces  # noqa: E402


def models(size: str, root: Path, encoder) -> tuple[Path, Path, Path]:
    if size == "tiny":
        return (tiny_interactor(root / "model", encoder), tiny_evaluator(root / "evaluator"),
                tiny_interactor(root / "single", encoder, persons=1))
    torch.manual_seed(0)
    return (SHIPPED_MODEL, save_checkpoint(root / "evaluator", InteractionEvaluator(EvaluatorConfig.small())),
            SHIPPED_SINGLE_PERSON)


def bench(size: str, args, root: Path, encoder, real) -> None:
    model, evaluator, single = models(size, root / size, encoder)
    settings = {"steps": args.steps, "person1": args.person1, "person2": args.person2,
                "coupling_strength": args.coupling_strength, "batch_size": args.batch_size, "k": 3}
    config = ComposeConfig(candidates=args.candidates + args.batch_size, **settings)
    scorer = load_filter_scorer(evaluator, device=args.device, text_encoder=encoder)
    pieces = build_pieces(config, real, model, scorer, args.device, single_person=single, cache_dir=root / "cache")
    out = root / size / "out"
    descriptions = pieces.descriptions.sample(config.candidates, config.seed)
    # the timed candidates are 0 .. N-1 in either order; the warm-up chunk is the ones after them
    timed = list(range(args.candidates))
    order = composing_order(config, timed) if args.order == "run" else timed
    chunks = [order[s:s + args.batch_size] for s in range(0, args.candidates, args.batch_size)]
    compose_chunk(list(range(args.candidates, config.candidates)), descriptions, config, pieces, out)  # warm-up
    start = time.perf_counter()
    records = []
    for chunk in chunks:
        records += compose_chunk(chunk, descriptions, config, pieces, out)[0]
    seconds = time.perf_counter() - start
    frames = sum(r["frames"] for r in records) / max(len(records), 1)
    rate = len(records) / seconds
    print(f"{size}: {len(records)} candidates in {seconds:.1f} s = {rate:.2f} candidates/s "
          f"(mean {frames:.0f} frames, person1 {args.person1}, person2 {args.person2}, {args.steps} DDIM steps, "
          f"guidance, batch {args.batch_size}, {args.order} order); 10,000 candidates: {10_000 / rate / 60:.0f} min")
    if args.skip_merge:
        return
    # The merge, once: journal a run of these candidates properly and time rank 0's last step.
    from t2i_core.compose.run import JournalWriter, _check_run_file
    from t2i_core.io import save_npz

    merged = root / size / "merged"
    small = ComposeConfig(candidates=args.batch_size, **settings)
    _check_run_file(merged, small)
    records, arrays = compose_chunk(list(range(args.batch_size)), descriptions, small, pieces, merged)
    save_npz(merged / "journal" / "chunks" / "0000000.npz", **arrays)
    JournalWriter(merged, 0).commit({"file": "chunks/0000000.npz", "indices": list(range(args.batch_size)),
                                     "records": records})
    start = time.perf_counter()
    side = real_side(real, scorer, small)
    merge(small, real, merged, pieces, side, evaluator, log=lambda *_: None)
    print(f"{size}: merge of {args.batch_size} candidates over {len(real.ids)} real clips "
          f"(real embeddings, k-NN, projection, tables): {time.perf_counter() - start:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", choices=("tiny", "shipped"), default=["tiny", "shipped"])
    parser.add_argument("--candidates", type=int, default=32, help="timed candidates per size")
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--real-clips", type=int, default=24)
    parser.add_argument("--person1", choices=PERSON1_CHOICES, default="joint")
    parser.add_argument("--person2", choices=PERSON2_CHOICES, default="reaction")
    parser.add_argument("--coupling-strength", type=float, default=ComposeConfig.coupling_strength)
    parser.add_argument("--skip-merge", action="store_true", help="time the composing only")
    parser.add_argument("--order", choices=("run", "index"), default="run",
                        help="chunks as compose run forms them (run.composing_order), or of consecutive indices")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    print(f"device: {args.device}, torch threads: {torch.get_num_threads()}")
    encoder = build_text_encoder("minilm", device=args.device)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        real = load_real_set(tiny_real_folder(root / "real", args.real_clips), cache_dir=root / "cache")
        for size in args.sizes:
            bench(size, args, root, encoder, real)


if __name__ == "__main__":
    main()
