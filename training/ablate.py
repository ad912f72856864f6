r"""The paper's ablation (Table 2): InterActor without its components, at one training budget.

    python -m training.ablate --data DIR --budget STEPS --out OUT \
        [--synthetic COMPOSE_OUT --ratio 0.5:0.5 --finetune-steps N] [--config small] [--replications 20]

Five configurations, each trained by ``training.train_interactor`` into ``OUT/<name>/`` and
evaluated with the InterHuman protocol (``training.evaluate``'s pieces) into ``OUT/<name>/eval.json``:

    name            the paper's row                               conditioning  interaction loss   fine-tuning
    no_components   without all components                        sentence      distance_map (DM)  no
    no_ail_ft       without AIL and fine-tuning                   word          distance_map (DM)  no
    no_wlc_ft       without word-level conditioning and FT        sentence      adaptive (AIL)     no
    no_ft           without fine-tuning                           word          adaptive (AIL)     no
    full            the full model                                word          adaptive (AIL)     yes

Stage 1 trains ``--budget`` steps at the paper's stage-1 learning rate (5e-5). ``full`` is ``no_ft``
fine-tuned (stage 2): ``--data DATA:r --data SYNTHETIC:s --init-from OUT/no_ft --lr 5e-6`` for
``--finetune-steps`` (default budget // 4, the paper's 50k after 200k), where SYNTHETIC is an
InterCompose output (its kept set, ``split/train.txt``) and r:s is ``--ratio``. Without
``--synthetic`` the row is listed as not run, with the reason.

Writes ``OUT/table.md`` and ``OUT/table.json`` (R@1/2/3, FID, MM Dist, Diversity, MultiModality, the
protocol's physical metrics, and order-sensitive R@1 and ``twin_<kind>`` where the data has them, with
their 95% intervals when ``--replications`` > 1). Resumable: the settings are saved in
``OUT/ablate_config.json`` before anything runs and a rerun with other settings into the same OUT is
refused; a configuration whose ``eval.json`` records these settings is skipped, an interrupted training
continues with the trainer's ``--resume``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from t2i_core.assets import SHIPPED_EVALUATOR
from t2i_core.compose.output import require_trainable
from t2i_core.io import atomic_write_text
from t2i_core.losses import LossConfig
from t2i_core.pipeline import DEFAULT_GUIDANCE
from t2i_core.protocol import PHYSICAL_COLUMNS, ProtocolSettings
from training.experiment import (
    METRICS,
    Arm,
    EvalSetup,
    Experiment,
    ExperimentError,
    RunOptions,
    as_json,
    cell,
    check_real_and_evaluator,
    metric,
    parse_ratio,
    plural,
    run_cli,
    run_experiment,
    strip,
)
from training.options import add_device_options, add_evaluation_options, add_sampling_options
from training.train_config import DataRoot, InterActorTraining, TrainConfig

SETTINGS_FILE = "ablate_config.json"
RECORD_KEY = "ablation"  # where an eval.json records the settings it was made with
TRAINER_CONFIGS = ("tiny", "small", "paper")  # the two-person configs of train_interactor


@dataclass(frozen=True)
class Variant:
    name: str                    # folder under OUT
    label: str                   # the paper's row
    conditioning: str            # word | sentence
    interaction: str             # adaptive (AIL) | distance_map (InterGen's DM)
    finetune: bool               # stage 2 on real + synthetic, from the no_ft model
    paper: tuple[float, float]   # the paper's R@1 and FID for the row (InterHuman test set)


VARIANTS = (
    Variant("no_components", "without all components", "sentence", "distance_map", False, (0.441, 6.237)),
    Variant("no_ail_ft", "without AIL and fine-tuning", "word", "distance_map", False, (0.484, 6.192)),
    Variant("no_wlc_ft", "without word-level conditioning and fine-tuning", "sentence", "adaptive", False,
            (0.484, 5.877)),
    Variant("no_ft", "without fine-tuning", "word", "adaptive", False, (0.485, 5.701)),
    Variant("full", "full model", "word", "adaptive", True, (0.483, 5.191)),
)
STAGE1_OF_FULL = "no_ft"  # the full model is this configuration fine-tuned


AblationError = ExperimentError  # bad settings or an OUT folder that holds another ablation


@dataclass
class AblationConfig:
    """Everything that decides the table's numbers; saved as OUT/ablate_config.json, a rerun must match."""
    data: str                                 # the real InterHuman-layout folder (absolute)
    budget: int                               # stage-1 steps of every configuration (paper: 200,000)
    synthetic: str | None = None              # InterCompose output for the full model's fine-tuning
    ratio: tuple[float, float] = (0.5, 0.5)   # real : synthetic in the fine-tuning mixture
    finetune_steps: int = 0                   # stage-2 steps (default budget // 4: the paper's 50k after 200k)
    config: str = "small"                     # train_interactor --config
    batch_size: int = 32
    lr: float = 5e-5                          # the paper's stage-1 learning rate
    finetune_lr: float = 5e-6                 # the paper's stage-2 learning rate
    warmup_steps: int = 500                   # stage 1 (default min(500, budget // 10))
    finetune_warmup_steps: int = 500          # stage 2 (default min(500, finetune_steps // 10))
    save_every: int = 1000                    # the most steps a kill loses (default min(1000, budget))
    train_max_clips: int | None = None        # only the first N training clips of each folder (smoke runs)
    seed: int = 0                             # of the training runs and of the protocol
    evaluator: str = str(SHIPPED_EVALUATOR)   # the protocol's evaluator (absolute)
    split: str = "test"
    replications: int = 20
    sampling_steps: int = 50                  # DDIM steps of the generation for evaluation
    guidance: float = DEFAULT_GUIDANCE
    mm_captions: int = 100
    mm_generations: int = 30
    max_clips: int | None = None              # evaluate only the first N clips of the split

    def protocol(self) -> ProtocolSettings:
        return ProtocolSettings(replications=self.replications, mm_captions=self.mm_captions,
                                mm_generations=self.mm_generations, seed=self.seed)

    def eval_setup(self) -> EvalSetup:
        return EvalSetup(self.data, self.split, self.evaluator, self.protocol(), self.sampling_steps, self.guidance,
                         self.max_clips)

    def as_json(self) -> dict:
        return as_json(self)


# -- settings ---------------------------------------------------------------------------------
def settings_from_args(args) -> AblationConfig:
    if args.budget <= 0:
        raise AblationError(f"--budget must be a positive number of training steps, got {args.budget}")
    finetune = args.finetune_steps if args.finetune_steps is not None else max(args.budget // 4, 1)
    if finetune <= 0:
        raise AblationError(f"--finetune-steps must be positive, got {finetune}")
    if args.replications < 1:
        raise AblationError(f"--replications must be at least 1, got {args.replications}")
    default = AblationConfig(data="", budget=1)
    return AblationConfig(
        data=str(args.data.expanduser().resolve()), budget=args.budget,
        synthetic=str(args.synthetic.expanduser().resolve()) if args.synthetic else None,
        ratio=parse_ratio(args.ratio), finetune_steps=finetune, config=args.config, batch_size=args.batch_size,
        lr=args.lr, finetune_lr=args.finetune_lr,
        warmup_steps=args.warmup_steps if args.warmup_steps is not None else min(default.warmup_steps,
                                                                                 args.budget // 10),
        finetune_warmup_steps=min(default.finetune_warmup_steps, finetune // 10),
        save_every=args.save_every or min(default.save_every, args.budget), train_max_clips=args.train_max_clips,
        seed=args.seed, evaluator=str(args.evaluator.expanduser().resolve()), split=args.split,
        replications=args.replications, sampling_steps=args.sampling_steps, guidance=args.guidance,
        mm_captions=args.mm_captions, mm_generations=args.mm_generations, max_clips=args.max_clips)


def check_inputs(config: AblationConfig) -> None:
    """Every folder the ablation reads, checked before anything trains."""
    check_real_and_evaluator(config.data, config.split, config.evaluator)
    if config.synthetic is not None:
        require_trainable(config.synthetic)


# -- training ---------------------------------------------------------------------------------
def train_config(config: AblationConfig, variant: Variant, out: Path) -> TrainConfig:
    """The trainer's config of one configuration: stage 1 from scratch, or ``full`` fine-tuned from ``no_ft``."""
    training = InterActorTraining(steps=config.budget, batch_size=config.batch_size, lr=config.lr,
                                  warmup_steps=config.warmup_steps, save_every=config.save_every,
                                  seed=config.seed, eval_every=0)
    stage1 = TrainConfig(data=(DataRoot(Path(config.data)),), model=config.config, conditioning=variant.conditioning,
                         loss=LossConfig(interaction=variant.interaction), training=training,
                         max_clips=config.train_max_clips)
    if not variant.finetune:
        return stage1
    return replace(stage1, data=(DataRoot(Path(config.data), config.ratio[0]),
                                 DataRoot(Path(config.synthetic), config.ratio[1])),
                   model=None, conditioning=None, init_from=str(out / STAGE1_OF_FULL),
                   training=replace(training, steps=config.finetune_steps, lr=config.finetune_lr,
                                    warmup_steps=config.finetune_warmup_steps))


def experiment(config: AblationConfig, out: Path) -> Experiment:
    """The five configurations as arms; ``full`` is not run without synthetic data."""
    arms = []
    for variant in VARIANTS:
        not_run = not_run_reason(config, variant) if variant.finetune and config.synthetic is None else None
        folder = out / variant.name
        arms.append(Arm(variant.name, folder, folder, json.loads(json.dumps(asdict(variant))),
                        train=None if not_run else train_config(config, variant, out), not_run=not_run))
    return Experiment("an ablation", "ablation", SETTINGS_FILE, config.as_json(), RECORD_KEY, "variant",
                      config.eval_setup(), tuple(arms))


# -- the table --------------------------------------------------------------------------------
def table_rows(config: AblationConfig, truth: dict, results: dict[str, dict | None]) -> list[dict]:
    rows = [{"name": "ground_truth", "label": "ground truth", "status": "done", "results": strip(truth, RECORD_KEY)}]
    for variant in VARIANTS:
        row = {"name": variant.name, "label": variant.label, "conditioning": variant.conditioning,
               "interaction": variant.interaction, "finetune": variant.finetune,
               "paper": {"r1": variant.paper[0], "fid": variant.paper[1]}}
        if results.get(variant.name) is None:
            row.update(status="not run", reason=not_run_reason(config, variant), results=None)
        else:
            row.update(status="done", results=strip(results[variant.name], RECORD_KEY))
        rows.append(row)
    return rows


def not_run_reason(config: AblationConfig, variant: Variant) -> str:
    if variant.finetune and config.synthetic is None:
        return "fine-tuning needs synthetic data: pass --synthetic COMPOSE_OUT (an InterCompose output)"
    return "not run"


def markdown(config: AblationConfig, rows: list[dict]) -> str:
    reps = config.replications
    found = {k for r in rows for k in (r["results"] or {})}
    extra = sorted(k for k in found if k.endswith("_r1") or k.startswith("twin_"))  # subsets, contrast twins
    physical = [c for c in (*PHYSICAL_COLUMNS, *extra) if c in found]
    head = ["Configuration", "Cond.", "Interaction", "FT", *[name for name, _ in METRICS], "Paper R@1 / FID"]
    lines = [f"# Ablation (Table 2) at {plural(config.budget, 'step')}"
             + (f" + {plural(config.finetune_steps, 'fine-tuning step')}" if config.synthetic else ""),
             "", f"Config `{config.config}`, data `{config.data}`, split `{config.split}`, "
             f"{reps} replication(s)" + (" (mean ± 95% interval)" if reps > 1 else "") + ".", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        described = [row.get("conditioning", ""), {"adaptive": "AIL", "distance_map": "DM"}.get(
            row.get("interaction"), ""), {True: "yes", False: "no"}.get(row.get("finetune"), "")]
        paper = f"{row['paper']['r1']:.3f} / {row['paper']['fid']:.3f}" if "paper" in row else ""
        if row["results"] is None:
            cells = [f"not run: {row['reason']}"] + [""] * (len(METRICS) - 1)
        else:
            cells = [cell(*metric(row["results"], *where), reps) for _, where in METRICS]
        lines.append("| " + " | ".join([row["label"], *described, *cells, paper]) + " |")
    if physical:
        lines += ["", "| Configuration | " + " | ".join(physical) + " |", "|" + "---|" * (len(physical) + 1)]
        for row in rows:
            cells = ["-"] * len(physical) if row["results"] is None else \
                [cell(*metric(row["results"], c, None), reps) for c in physical]
            lines.append("| " + " | ".join([row["label"], *cells]) + " |")
    return "\n".join(lines) + "\n"


def write_tables(out: Path, config: AblationConfig, rows: list[dict]) -> str:
    text = markdown(config, rows)
    atomic_write_text(out / "table.json", json.dumps({"settings": config.as_json(), "rows": rows}, indent=2))
    atomic_write_text(out / "table.md", text)
    return text


# -- the run ----------------------------------------------------------------------------------
def run(config: AblationConfig, out: Path, options: RunOptions) -> str:
    check_inputs(config)
    return run_experiment(experiment(config, out), out, options,
                          lambda truth, results: write_tables(out, config, table_rows(config, truth, results)))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True, help="the real InterHuman-layout folder")
    p.add_argument("--budget", type=int, required=True, help="stage-1 training steps per configuration")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--synthetic", type=Path, default=None, help="InterCompose output for the full model's "
                   "fine-tuning (its kept set); without it the full model is not run")
    p.add_argument("--ratio", default="0.5:0.5", help="REAL:SYNTHETIC mixing ratio of the fine-tuning (0.5:0.5)")
    p.add_argument("--finetune-steps", type=int, default=None, help="stage-2 steps (default budget // 4)")
    p.add_argument("--config", choices=TRAINER_CONFIGS, default="small")
    p.add_argument("--batch-size", type=int, default=AblationConfig.batch_size)
    p.add_argument("--lr", type=float, default=AblationConfig.lr, help="stage-1 learning rate (paper: 5e-5)")
    p.add_argument("--finetune-lr", type=float, default=AblationConfig.finetune_lr, help="paper: 5e-6")
    p.add_argument("--warmup-steps", type=int, default=None, help="stage 1 (default min(500, budget // 10))")
    p.add_argument("--save-every", type=int, default=None, help="checkpoint interval (default min(1000, budget))")
    p.add_argument("--train-max-clips", type=int, default=None, help="train on the first N clips (smoke runs)")
    add_evaluation_options(p)
    add_sampling_options(p, "--steps", AblationConfig.sampling_steps)
    add_device_options(p)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return run_cli(lambda: run(settings_from_args(args), args.out, RunOptions.from_args(args)))


if __name__ == "__main__":
    sys.exit(main())
