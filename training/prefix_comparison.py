r"""Prefix training against inpainting at one budget (issue 25): two fine-tunes of one checkpoint, then the seams.

    python -m training.prefix_comparison --data DIR --out OUT [--init-from assets/interactor] \
        [--steps 2000] [--prefix-prob 0.3] [--lr 1e-4] [--warmup-steps 100] [--batch-size 16]

Both arms start from ``--init-from`` (the shipped default) and train the same steps on the same data with
that checkpoint's own recipe (its recorded loss and training settings: reaction samples, batch, seed), at
``--lr`` with ``--warmup-steps`` then a cosine; they differ only in ``prefix_prob``:

    OUT/inpaint/   prefix_prob 0            (scenes continue by inpainting along time)
    OUT/prefix/    prefix_prob --prefix-prob  (scenes continue from the prefix fed clean)

so neither gains from extra training the other did not get. Then measure the seams on the same scenes and
seeds with ``benchmarks/bench_scene.py --checkpoint OUT/inpaint --prefix-checkpoint OUT/prefix`` (the
command is printed at the end). Resumable: the settings go to ``OUT/prefix_comparison.json`` before anything
runs (a rerun with others into the same OUT is refused), a finished arm is skipped and an interrupted one
continues from its training state.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from t2i_core.checkpoint import CONFIG_FILE, CheckpointError
from t2i_core.data.layout import DataFolderError
from t2i_core.models.registry import INTERACTOR, check_checkpoint
from training.experiment import ExperimentError, RunOptions, claim_out, train_to
from training.options import add_device_options
from training.train_config import DataRoot, InterActorTraining, TrainConfig

SHIPPED = Path(__file__).resolve().parents[1] / "assets" / "interactor"
SETTINGS_FILE = "prefix_comparison.json"
ARMS = ("inpaint", "prefix")


def arm_configs(init_from: Path, data: tuple[DataRoot, ...], steps: int, prefix_prob: float, lr: float,
                warmup_steps: int, batch_size: int, max_clips: int | None = None,
                prefix_frames: tuple[int, int] | None = None) -> dict[str, TrainConfig]:
    """The two arms: ``init_from``'s recorded recipe at this budget, without and with prefix samples."""
    payload = check_checkpoint(init_from, INTERACTOR)
    recorded = TrainConfig.from_record(payload, fallback=TrainConfig(data=data), source=init_from / CONFIG_FILE)
    defaults = InterActorTraining()
    low, high = prefix_frames or (defaults.prefix_min_frames, defaults.prefix_max_frames)
    training = replace(recorded.training, steps=steps, lr=lr, warmup_steps=warmup_steps, batch_size=batch_size,
                       eval_every=0, save_every=min(recorded.training.save_every, steps), prefix_prob=0.0,
                       prefix_min_frames=low, prefix_max_frames=high)
    base = replace(recorded, data=data, model=None, conditioning=None, head=None, stats=None,
                   init_from=str(init_from), max_clips=max_clips, evaluator=None, training=training)
    return {"inpaint": base, "prefix": replace(base, training=replace(training, prefix_prob=prefix_prob))}


def bench_command(out: Path, test_data: str) -> str:
    return (f"python benchmarks/bench_scene.py --data {test_data} --checkpoint {out / 'inpaint'} "
            f"--prefix-checkpoint {out / 'prefix'}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", action="append", required=True, metavar="DIR[:RATIO]",
                   help="training data of both arms (as train_interactor's --data), repeatable")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--init-from", type=Path, default=SHIPPED, help=f"the checkpoint both arms start from ({SHIPPED})")
    p.add_argument("--steps", type=int, default=2000, help="the budget of each arm (default 2000)")
    p.add_argument("--prefix-prob", type=float, default=0.3, help="the prefix arm's --prefix-prob (default 0.3)")
    p.add_argument("--prefix-min-frames", type=int, default=InterActorTraining.prefix_min_frames)
    p.add_argument("--prefix-max-frames", type=int, default=InterActorTraining.prefix_max_frames)
    p.add_argument("--lr", type=float, default=1e-4, help="peak learning rate of both arms (default 1e-4)")
    p.add_argument("--warmup-steps", type=int, default=100)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--max-clips", type=int, default=None, help="only the first N training clips (smoke runs)")
    p.add_argument("--test-data", default="DIR", help="the data set the printed bench command measures on")
    add_device_options(p)
    args = p.parse_args(argv)
    try:
        if not 0.0 < args.prefix_prob <= 1.0:
            raise ValueError(f"--prefix-prob must lie in (0, 1] (the prefix arm needs prefix samples), "
                             f"got {args.prefix_prob}")
        data = tuple(DataRoot.parse(spec) for spec in args.data)
        configs = arm_configs(args.init_from, data, args.steps, args.prefix_prob, args.lr, args.warmup_steps,
                              args.batch_size, args.max_clips, (args.prefix_min_frames, args.prefix_max_frames))
        args.out.mkdir(parents=True, exist_ok=True)
        claim_out(args.out, SETTINGS_FILE, {name: config.record() for name, config in configs.items()},
                  "a prefix comparison")
        options = RunOptions.from_args(args)
        for name in ARMS:
            done = train_to(args.out / name, configs[name], options)
            print(f"{name}: {done} ({configs[name].training.steps} steps, prefix_prob "
                  f"{configs[name].training.prefix_prob:g}) -> {args.out / name}")
    except (DataFolderError, CheckpointError, ExperimentError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("measure the seams of both on the same scenes and seeds:\n  " + bench_command(args.out, args.test_data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
