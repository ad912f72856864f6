r"""The paper's stage 2 (fine-tuning on real + filtered synthetic data) as one resumable experiment.

    python -m training.stage2 --real DIR --compose COMPOSE_OUT --stage1 CKPT --steps N --out OUT \
        [--ratio 0.5:0.5] [--lr 5e-6] [--delta 0.58] [--annulus R_MIN:R_MAX] [--radii R_MIN:R_MAX ...] \
        [--replications 3] [--eval-steps 10] [--guidance 3.5] [--max-clips N] [--evaluator assets/evaluator]

Arms, each evaluated with the InterHuman protocol (``--evaluator``, never the compose run's filter
evaluator) on the whole ``--split`` of ``--real``, on its held-out phase combinations (``held_out``,
from the procedural manifest) and on its order-sensitive clips (``order_sensitive``):

    name         arm                                            fine-tuning data
    stage1       1. no fine-tuning (the stage-1 model as is)    -
    real_only    2. real data only (the control for the steps)  REAL
    unfiltered   3. real + every synthetic candidate            REAL:r + SYNTH:s, all candidates with a motion
    delta        4. real + synthetic kept by delta only         ... cosine >= delta
    annulus      5. real + delta and the annulus (the paper)    ... and r_min <= distance <= r_max
    radii_<i>    6. as 5 with the i-th ``--radii`` pair         ... other radii

Every fine-tuning arm runs ``train_interactor --init-from STAGE1 --lr LR --steps N`` with the same
steps, learning rate, warm-up, ratio, batch and seed, into ``OUT/<arm>/model``. A synthetic arm's kept
set is re-decided from the compose output's cosines and distances by ``t2i_core.compose.filters``
(``compose.output.restatus``, what ``compose filter`` runs) and written as a light InterHuman-layout
folder ``OUT/<arm>/synthetic`` (``split/train.txt`` plus links to the compose output's motions and
captions); the compose output itself is never modified. The paper arm's radii default to the compose
run's (``compose.json`` "defaults"); ``--radii`` defaults to a narrower and a wider annulus around
them: with c the centre and h the half-width of [r_min, r_max], [c - h/2, c + h/2] and
[max(0, c - 3h/2), c + 3h/2].

Writes ``OUT/<arm>/eval.json`` (the protocol's numbers, the arm's kept counts, the trainer's command
and the CPU and wall seconds of its training and evaluation), ``OUT/report.md`` and
``OUT/report.json``: the table with 95% intervals, the per-subset numbers, the seconds, the commands
and the computed verdict: does arm 5 beat arms 2-4 on FID and R@3, and do the intervals overlap.
Resumable: the settings go to ``OUT/stage2_config.json`` first and a rerun with other settings into
the same OUT is refused; a finished arm is skipped, an interrupted training continues with ``--resume``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from t2i_core.assets import SHIPPED_EVALUATOR
from t2i_core.checkpoint import CONFIG_FILE, CheckpointError, config_from_dict
from t2i_core.compose.filters import DEFAULT_DELTA, Thresholds, status_counts
from t2i_core.compose.output import (
    ComposeOutput,
    ComposeOutputError,
    read_compose_output,
    restatus,
    write_kept_split,
)
from t2i_core.data.layout import ANNOTS, INDIVIDUAL, MOTIONS
from t2i_core.io import atomic_write_text
from t2i_core.losses import LossConfig
from t2i_core.models.interactor import InterActorConfig
from t2i_core.models.registry import INTERACTOR, check_checkpoint
from t2i_core.pipeline import DEFAULT_GUIDANCE
from t2i_core.protocol import PHYSICAL_COLUMNS, ProtocolSettings
from training.experiment import (
    METRICS,
    EvalSetup,
    Experiment,
    ExperimentError,
    RunOptions,
    as_json,
    cell,
    check_real_and_evaluator,
    claim_out,
    metric,
    parse_ratio,
    plural,
    run_cli,
    run_experiment,
    strip,
)
from training.experiment import Arm as RunArm
from training.options import add_device_options, add_evaluation_options, add_sampling_options
from training.train_config import DataRoot, InterActorTraining, TrainConfig, command_line

SETTINGS_FILE = "stage2_config.json"
COMMANDS_FILE = "commands.json"
KEPT_FILE = "kept.json"
RECORD_KEY = "stage2"  # where an eval.json records the settings it was made with
LINKED = (ANNOTS, MOTIONS, INDIVIDUAL)  # what a kept-set folder links to
PAPER_ARM, CONTROLS = "annulus", ("real_only", "unfiltered", "delta")
METRIC_NAMES = {"fid": "FID", "r3": "R@3"}
SUBSET_METRICS = (("R@1", "r1"), ("R@2", "r2"), ("R@3", "r3"), ("FID", "fid"), ("MM Dist", "mm_dist"),
                  ("Diversity", "diversity"))

Stage2Error = ExperimentError


@dataclass(frozen=True)
class Arm:
    name: str                                # folder under OUT
    label: str
    finetune: bool                           # False: the stage-1 model as is
    thresholds: Thresholds | None = None     # the synthetic kept set's filter; None: no synthetic data

    def describe(self) -> dict:
        payload = {"name": self.name, "label": self.label, "finetune": self.finetune, "thresholds": None}
        if self.thresholds is not None:
            payload["thresholds"] = self.thresholds.to_json()
        return payload


@dataclass
class Stage2Config:
    """Everything that decides the report's numbers; saved as OUT/stage2_config.json, a rerun must match."""
    real: str                                   # the real InterHuman-layout folder (absolute)
    compose: str                                # the InterCompose output (absolute), read only
    compose_set_id: str                         # its compose.json set_id: another run at the same path is refused
    stage1: str                                 # the stage-1 InterActor checkpoint (absolute)
    steps: int                                  # fine-tuning steps of every fine-tuning arm (paper: 50,000)
    ratio: tuple[float, float] = (0.5, 0.5)     # real : synthetic (the paper does not publish it)
    lr: float = 5e-6                            # the paper's stage-2 learning rate
    warmup_steps: int = 500                     # default min(500, steps // 10)
    batch_size: int = 32
    save_every: int = 1000                      # the most steps a kill loses (default min(1000, steps))
    interaction: str = "adaptive"               # the interaction loss (default: the stage-1 model's)
    train_max_clips: int | None = None          # only the first N training clips of each folder (smoke runs)
    seed: int = 0                               # of every training run and of the protocol
    delta: float = DEFAULT_DELTA                # cosine threshold of arms 4-6 (the paper's 0.58)
    k: int = 5                                  # the compose run's k (its distances were computed with it)
    annulus: tuple[float, float] = (0.0, 1.0)   # arm 5's radii (default: the compose run's)
    radii: list[tuple[float, float]] = field(default_factory=list)  # arm 6: one arm per pair
    evaluator: str = str(SHIPPED_EVALUATOR)     # the protocol's evaluator (absolute), never the filter one
    split: str = "test"
    replications: int = 3
    sampling_steps: int = 10                    # DDIM steps of evaluation (the paper's protocol: 50)
    guidance: float = DEFAULT_GUIDANCE
    mm_captions: int = 100
    mm_generations: int = 30
    max_clips: int | None = None                # evaluate only the first N clips of the split

    def eval_setup(self) -> EvalSetup:
        protocol = ProtocolSettings(replications=self.replications, mm_captions=self.mm_captions,
                                    mm_generations=self.mm_generations, seed=self.seed)
        return EvalSetup(self.real, self.split, self.evaluator, protocol, self.sampling_steps, self.guidance,
                         self.max_clips, subset_metrics=True)

    def as_json(self) -> dict:
        return as_json(self)


def arms(config: Stage2Config) -> list[Arm]:
    def annulus(r_min: float, r_max: float) -> Thresholds:
        return Thresholds(delta=config.delta, r_min=r_min, r_max=r_max, k=config.k)

    listed = [Arm("stage1", "1. no fine-tuning (stage 1)", False),
              Arm("real_only", "2. real only", True),
              Arm("unfiltered", "3. real + unfiltered synthetic", True, Thresholds(delta=-1.0, k=config.k)),
              Arm("delta", f"4. real + synthetic, delta {config.delta:g}", True,
                  Thresholds(delta=config.delta, k=config.k)),
              Arm(PAPER_ARM, f"5. real + synthetic, delta + annulus {radii_text(config.annulus)} (paper)", True,
                  annulus(*config.annulus))]
    listed += [Arm(f"radii_{i}", f"6. as 5, annulus {radii_text(pair)}", True, annulus(*pair))
               for i, pair in enumerate(config.radii, 1)]
    return listed


def radii_text(pair) -> str:
    return f"[{pair[0]:.3g}, {pair[1]:.3g}]"


# -- settings ---------------------------------------------------------------------------------
def parse_radii(text: str) -> tuple[float, float]:
    """``"0.2:0.9"`` -> (0.2, 0.9), 0 <= r_min <= r_max, both finite."""
    low, sep, high = text.partition(":")
    try:
        pair = (float(low), float(high)) if sep else None
    except ValueError:
        pair = None
    if pair is None or not all(math.isfinite(v) for v in pair) or not 0 <= pair[0] <= pair[1]:
        raise Stage2Error(f"radii take R_MIN:R_MAX, two numbers with 0 <= R_MIN <= R_MAX (e.g. 0.2:0.9); "
                          f"got {text!r}")
    return pair


def default_radii(compose: ComposeOutput) -> tuple[float, float]:
    defaults = compose.info.get("defaults") or {}
    r_min, r_max = defaults.get("r_min"), defaults.get("r_max")
    if r_min is None or r_max is None:
        raise Stage2Error(f"{compose.root}: compose.json has no finite default radii (no outer radius): pass "
                          "--annulus R_MIN:R_MAX and --radii")
    return float(r_min), float(r_max)


def around(pair: tuple[float, float]) -> list[tuple[float, float]]:
    """A narrower and a wider annulus about the same centre (half and 1.5 times the half-width)."""
    centre, half = (pair[0] + pair[1]) / 2, (pair[1] - pair[0]) / 2
    return [(centre - half / 2, centre + half / 2), (max(0.0, centre - 1.5 * half), centre + 1.5 * half)]


def open_compose(folder: Path) -> ComposeOutput:
    """A compose output with its motions (a demo set has none)."""
    try:
        compose = read_compose_output(folder)
    except ComposeOutputError as error:
        raise ComposeOutputError(f"--compose: {error}") from None
    if not (compose.root / MOTIONS).is_dir():
        raise ComposeOutputError(f"--compose: {compose.root} lacks its motions (motions_processed/): a demo set "
                                 "cannot be trained on; give a full InterCompose output "
                                 "(python -m training.compose run)")
    return compose


def stage1_interaction(folder: Path) -> str:
    """The checked stage-1 checkpoint's interaction loss (a two-person InterActor, else CheckpointError)."""
    try:
        payload = check_checkpoint(folder, INTERACTOR)
    except CheckpointError as error:
        raise CheckpointError(f"--stage1: {error}") from None
    config = config_from_dict(InterActorConfig, payload.get("config", {}), source=folder / CONFIG_FILE)
    if config.persons != 2:
        raise CheckpointError(f"--stage1: {folder} is a single-person prior, not a two-person InterActor")
    return (payload.get("loss") or {}).get("interaction", "adaptive")


def settings_from_args(args) -> tuple[Stage2Config, ComposeOutput]:
    """The settings, every input checked on the way (nothing is written)."""
    for flag, value in (("--steps", args.steps), ("--replications", args.replications),
                        ("--eval-steps", args.sampling_steps), ("--batch-size", args.batch_size)):
        if value < 1:
            raise Stage2Error(f"{flag} must be at least 1, got {value}")
    ratio = parse_ratio(args.ratio)
    annulus = parse_radii(args.annulus) if args.annulus else None
    radii = [parse_radii(text) for text in args.radii] if args.radii is not None else None
    Thresholds(delta=args.delta)  # validates delta
    compose = open_compose(args.compose)
    stage1 = args.stage1.expanduser().resolve()
    interaction = stage1_interaction(stage1)
    annulus = annulus or default_radii(compose)
    config = Stage2Config(
        real=str(args.real.expanduser().resolve()), compose=str(compose.root.resolve()),
        compose_set_id=str(compose.info.get("set_id", "")), stage1=str(stage1), steps=args.steps, ratio=ratio,
        lr=args.lr, warmup_steps=args.warmup_steps if args.warmup_steps is not None else min(500, args.steps // 10),
        batch_size=args.batch_size, save_every=args.save_every or min(1000, args.steps), interaction=interaction,
        train_max_clips=args.train_max_clips, seed=args.seed, delta=args.delta, k=compose.thresholds.k,
        annulus=annulus, radii=radii if radii is not None else around(annulus),
        evaluator=str(args.evaluator.expanduser().resolve()), split=args.split, replications=args.replications,
        sampling_steps=args.sampling_steps, guidance=args.guidance, mm_captions=args.mm_captions,
        mm_generations=args.mm_generations, max_clips=args.max_clips)
    check_inputs(config, compose)
    return config, compose


def check_inputs(config: Stage2Config, compose: ComposeOutput) -> None:
    """The real folder, the evaluator and every arm's kept set, checked before anything trains."""
    layout = check_real_and_evaluator(config.real, config.split, config.evaluator)
    clips = min(len(layout.split_ids("train")), config.train_max_clips or math.inf)
    if 2 * clips < config.batch_size:  # the trainer's epoch holds each clip and its mirrored copy
        raise Stage2Error(f"{layout.root}: {clips} training clips (and their mirrored copies) are fewer than "
                          f"--batch-size {config.batch_size}")
    filter_evaluator = compose.info.get("filter_evaluator")
    if filter_evaluator and Path(filter_evaluator).expanduser().resolve() == Path(config.evaluator):
        raise Stage2Error(f"--evaluator {config.evaluator} is the compose run's filter evaluator: the protocol must "
                          "measure with another one, or stage 2 is selected with the metric that reports it")
    empty = [arm.name for arm in arms(config) if arm.thresholds is not None and not kept_ids(compose, arm)]
    if empty:
        raise Stage2Error(f"the arms {', '.join(empty)} keep no synthetic candidate of {compose.root}: choose other "
                          "--delta, --annulus or --radii")


# -- the kept sets ----------------------------------------------------------------------------
def kept_ids(compose: ComposeOutput, arm: Arm) -> list[str]:
    candidates = restatus(compose.candidates, arm.thresholds)
    return candidates.loc[candidates["status"] == "kept", "id"].tolist()


def kept_summary(compose: ComposeOutput, arm: Arm) -> dict:
    """The arm's status counts under its thresholds (``t2i_core.compose.filters``)."""
    counts = status_counts(restatus(compose.candidates, arm.thresholds)["status"])
    return {"kept": counts["kept"], "counts": counts, "thresholds": arm.describe()["thresholds"]}


def link(target: Path, path: Path) -> None:
    """``path`` -> ``target`` as a symbolic link, replaced atomically."""
    temporary = path.with_name(f".{path.name}.link")
    temporary.unlink(missing_ok=True)
    os.symlink(target, temporary, target_is_directory=True)
    os.replace(temporary, path)


def materialise(compose: ComposeOutput, arm: Arm, folder: Path) -> Path:
    """The arm's kept set as an InterHuman-layout folder that links into the compose output (left as it is):
    links to its motions and captions, ``split/train.txt`` the kept ids, ``kept.json`` last."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in LINKED:
        if (compose.root / name).is_dir():
            link((compose.root / name).resolve(), folder / name)
    ids = kept_ids(compose, arm)
    write_kept_split(folder, ids)
    atomic_write_text(folder / KEPT_FILE, json.dumps({**kept_summary(compose, arm), "compose": str(compose.root),
                                                      "set_id": compose.info.get("set_id")}, indent=2))
    return folder


# -- training ---------------------------------------------------------------------------------
def model_folder(config: Stage2Config, arm: Arm, out: Path) -> Path:
    return out / arm.name / "model" if arm.finetune else Path(config.stage1)


def train_config(config: Stage2Config, arm: Arm, out: Path) -> TrainConfig:
    """The trainer's config of a fine-tuning arm: the stage-1 model on the real data (arm 2), every synthetic arm
    the same run on real + its kept set."""
    real = Path(config.real)
    training = InterActorTraining(steps=config.steps, batch_size=config.batch_size, lr=config.lr,
                                  warmup_steps=config.warmup_steps, save_every=config.save_every, seed=config.seed,
                                  eval_every=0)
    real_only = TrainConfig(data=(DataRoot(real),), init_from=config.stage1,
                            loss=LossConfig(interaction=config.interaction), training=training,
                            max_clips=config.train_max_clips)
    if arm.thresholds is None:
        return real_only
    return replace(real_only, data=(DataRoot(real, config.ratio[0]),
                                    DataRoot(out / arm.name / "synthetic", config.ratio[1])))


def trainer_argv(config: Stage2Config, arm: Arm, out: Path, options: RunOptions) -> list[str]:
    """The ``training.train_interactor`` command line of an arm's training (for the report)."""
    return command_line(train_config(config, arm, out), options.train_options(model_folder(config, arm, out), False))


# -- the experiment -------------------------------------------------------------------------
def experiment(config: Stage2Config, compose: ComposeOutput, out: Path, options: RunOptions) -> Experiment:
    """Every arm: trained (a synthetic arm's kept set written first) or the stage-1 model as it is."""
    listed = []
    for arm in arms(config):
        kept = kept_summary(compose, arm) if arm.thresholds is not None else None
        prepare = None
        if arm.thresholds is not None:
            def prepare(arm=arm):
                materialise(compose, arm, out / arm.name / "synthetic")
        listed.append(RunArm(arm.name, out / arm.name, model_folder(config, arm, out), arm.describe(),
                             train=train_config(config, arm, out) if arm.finetune else None, prepare=prepare,
                             extra={"kept": kept,
                                    "trainer_argv": trainer_argv(config, arm, out, options) if arm.finetune else None},
                             note=f", {kept['kept']} synthetic clips kept" if kept else ""))
    return Experiment("a stage-2 experiment", "stage 2", SETTINGS_FILE, config.as_json(), RECORD_KEY, "arm",
                      config.eval_setup(), tuple(listed), timed=True)


# -- the verdict ------------------------------------------------------------------------------
def compare(paper: dict, other: dict, key: str, index: int | None, lower_is_better: bool) -> dict:
    (a, ai), (b, bi) = metric(paper, key, index), metric(other, key, index)
    beats = a < b if lower_is_better else a > b
    return {"paper_arm": a, "other": b, "beats": bool(beats), "overlap": bool(abs(a - b) <= (ai or 0) + (bi or 0))}


def verdict(results: dict[str, dict]) -> dict:
    """Does arm 5 beat arms 2-4 on FID (lower) and R@3 (higher), and do the 95% intervals overlap."""
    paper = results[PAPER_ARM]
    checks = {"fid": {name: compare(paper, results[name], "fid", None, True) for name in CONTROLS},
              "r3": {name: compare(paper, results[name], "r_precision", 2, False) for name in CONTROLS}}
    beats = all(c["beats"] for by in checks.values() for c in by.values())
    overlapping = sorted({f"{m} vs {n}" for m, by in checks.items() for n, c in by.items() if c["overlap"]})
    lost = {m: [n for n, c in by.items() if not c["beats"]] for m, by in checks.items()}
    if beats and not overlapping:
        text = ("The paper's finding holds here: arm 5 (delta + annulus) beats arms 2-4 on FID and R@3 and no 95% "
                "interval overlaps.")
    elif beats:
        text = ("Arm 5 (delta + annulus) beats arms 2-4 on FID and R@3, but intervals overlap "
                f"({', '.join(overlapping)}): the paper's finding is not established here.")
    else:
        worse = "; ".join(f"on {METRIC_NAMES[m]} not better than {', '.join(names)}" for m, names in lost.items()
                          if names)
        text = f"The paper's finding does not hold here: arm 5 (delta + annulus) is {worse}."
    return {"checks": checks, "beats_all": beats, "overlapping": overlapping, "holds": beats and not overlapping,
            "text": text}  # ties count as not better


# -- the report -------------------------------------------------------------------------------
def report_rows(config: Stage2Config, truth: dict, results: dict[str, dict]) -> list[dict]:
    rows = [{"name": "ground_truth", "label": "ground truth", "results": strip(truth, RECORD_KEY, "kept",
                                                                                "trainer_argv", "seconds")}]
    for arm in arms(config):
        payload = results[arm.name]
        rows.append({**arm.describe(), "kept": payload.get("kept"), "seconds": payload.get("seconds"),
                     "trainer_argv": payload.get("trainer_argv"),
                     "results": strip(payload, RECORD_KEY, "kept", "trainer_argv", "seconds")})
    return rows


def table(head: list[str], lines: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head), *("| " + " | ".join(r) + " |" for r in lines)]


def seconds_cells(row: dict) -> list[str]:
    seconds = row.get("seconds") or {}
    train, evaluation = seconds.get("train") or {}, seconds.get("eval") or {}
    return [f"{train['cpu_seconds']:.1f}" if train else "-", f"{train['wall_seconds']:.1f}" if train else "-",
            f"{evaluation['cpu_seconds']:.1f}" if evaluation else "-",
            f"{evaluation['wall_seconds']:.1f}" if evaluation else "-"]


def markdown(config: Stage2Config, rows: list[dict], verdict_: dict, commands: list[str]) -> str:
    reps = config.replications
    found = {k for r in rows for k in r["results"]}
    subsets = sorted({k[:-3] for k in found if k.endswith("_r1")})
    physical = [c for c in (*PHYSICAL_COLUMNS, *sorted(k for k in found if k.startswith("twin_"))) if c in found]
    kept = [str(r["kept"]["kept"]) if r.get("kept") else "-" for r in rows]
    lines = [f"# Stage 2: fine-tuning on real + synthetic data, {plural(config.steps, 'step')} per arm", "",
             f"From `{config.stage1}`, lr {config.lr:g}, real:synthetic {config.ratio[0]:g}:{config.ratio[1]:g}, "
             f"batch {config.batch_size}, seed {config.seed}; synthetic candidates of `{config.compose}`. "
             f"Evaluated with `{config.evaluator}` on split `{config.split}` of `{config.real}`"
             + (f" (first {config.max_clips} clips)" if config.max_clips else "")
             + f", DDIM-{config.sampling_steps}, guidance {config.guidance:g}, {reps} replication(s)"
             + (" (mean ± 95% interval)." if reps > 1 else " (no intervals with one replication).")
             + (f" Training read only the first {config.train_max_clips} clips of each folder (--train-max-clips)."
                if config.train_max_clips else ""), "",
             "## Whole split", ""]
    lines += table(["Arm", "Synthetic kept", *[name for name, _ in METRICS]],
                   [[r["label"], k, *[cell(*metric(r["results"], *where), reps) for _, where in METRICS]]
                    for r, k in zip(rows, kept)])
    if physical:
        lines += ["", "## Physical figures and contrast twins (whole split)", ""]
        lines += table(["Arm", *physical], [[r["label"], *[cell(*metric(r["results"], c, None), reps)
                                                           for c in physical]] for r in rows])
    for subset in subsets:
        lines += ["", f"## Subset `{subset}`", ""]
        lines += table(["Arm", *[name for name, _ in SUBSET_METRICS]],
                       [[r["label"], *[cell(*metric(r["results"], f"{subset}_{key}", None), reps)
                                       for _, key in SUBSET_METRICS]] for r in rows])
    lines += ["", "## Verdict", "", verdict_["text"], ""]
    lines += table(["Metric", "vs arm", "arm 5", "other", "arm 5 better", "intervals overlap"],
                   [[METRIC_NAMES[m], n, f"{c['paper_arm']:.3f}", f"{c['other']:.3f}",
                     "yes" if c["beats"] else "no", "yes" if c["overlap"] else "no"]
                    for m, by in verdict_["checks"].items() for n, c in by.items()])
    lines += ["", "The paper (InterHuman, its own evaluator): FID 5.70 without fine-tuning, 5.19 with it.",
              "", "## Kept synthetic candidates", ""]
    lines += table(["Arm", "delta", "r_min", "r_max", "kept", "low_cosine", "too_close", "too_far", "unsplittable"],
                   [[r["label"], *threshold_cells(r["kept"]["thresholds"]),
                     *[str(r["kept"]["counts"][s]) for s in ("kept", "low_cosine", "too_close", "too_far",
                                                              "unsplittable")]]
                    for r in rows if r.get("kept")])
    lines += ["", "## Seconds", "", "CPU seconds are `time.process_time` of the runner's process (every thread; "
              "the trainer runs in it), wall seconds beside; training sums its sessions.", ""]
    lines += table(["Arm", "train CPU s", "train wall s", "eval CPU s", "eval wall s"],
                   [[r["label"], *seconds_cells(r)] for r in rows[1:]])
    lines += ["", "## Commands", "", "```", *commands, "```", "", "Each fine-tuning arm ran:", "", "```"]
    lines += [f"python -m training.train_interactor {shlex.join(r['trainer_argv'])}" for r in rows
              if r.get("trainer_argv")]
    return "\n".join([*lines, "```"]) + "\n"


def threshold_cells(thresholds: dict) -> list[str]:
    return [f"{thresholds['delta']:g}", f"{thresholds['r_min']:.3g}",
            "none" if thresholds["r_max"] is None else f"{thresholds['r_max']:.3g}"]


def write_report(out: Path, config: Stage2Config, truth: dict, results: dict[str, dict]) -> str:
    rows = report_rows(config, truth, results)
    decided = verdict(results)
    commands = json.loads((out / COMMANDS_FILE).read_text(encoding="utf-8")) if (out / COMMANDS_FILE).is_file() \
        else []
    text = markdown(config, rows, decided, commands)
    atomic_write_text(out / "report.json", json.dumps({"settings": config.as_json(), "rows": rows,
                                                       "verdict": decided, "commands": commands}, indent=2))
    atomic_write_text(out / "report.md", text)
    return text


# -- the run ----------------------------------------------------------------------------------
def note_command(out: Path, command: str | None) -> None:
    if command is None:
        return
    path = out / COMMANDS_FILE
    commands = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    if command not in commands:
        atomic_write_text(path, json.dumps([*commands, command], indent=2))


def run(config: Stage2Config, compose: ComposeOutput, out: Path, options: RunOptions,
        command: str | None = None) -> str:
    claim_out(out, SETTINGS_FILE, config.as_json(), "a stage-2 experiment")
    note_command(out, command)
    return run_experiment(experiment(config, compose, out, options), out, options,
                          lambda truth, results: write_report(out, config, truth, results))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--real", type=Path, required=True, help="the real InterHuman-layout folder (trained and tested)")
    p.add_argument("--compose", type=Path, required=True, help="an InterCompose output (read only)")
    p.add_argument("--stage1", type=Path, required=True, help="the stage-1 InterActor checkpoint folder")
    p.add_argument("--steps", type=int, required=True, help="fine-tuning steps of every arm (paper: 50,000)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--ratio", default="0.5:0.5", help="REAL:SYNTHETIC mixing ratio (0.5:0.5)")
    p.add_argument("--lr", type=float, default=Stage2Config.lr, help="paper: 5e-6")
    p.add_argument("--warmup-steps", type=int, default=None, help="default min(500, steps // 10)")
    p.add_argument("--batch-size", type=int, default=Stage2Config.batch_size)
    p.add_argument("--save-every", type=int, default=None, help="checkpoint interval (default min(1000, steps))")
    p.add_argument("--train-max-clips", type=int, default=None, help="train on the first N clips of each folder")
    p.add_argument("--delta", type=float, default=DEFAULT_DELTA, help="cosine threshold of arms 4-6 (paper: 0.58)")
    p.add_argument("--annulus", default=None, metavar="R_MIN:R_MAX",
                   help="arm 5's radii (default: the compose run's default radii)")
    p.add_argument("--radii", nargs="*", default=None, metavar="R_MIN:R_MAX",
                   help="arm 6: one arm per pair (default: a narrower and a wider annulus around arm 5's)")
    add_evaluation_options(p, replications=Stage2Config.replications)
    add_sampling_options(p, "--eval-steps", Stage2Config.sampling_steps)
    add_device_options(p)
    return p


def main(argv: list[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else list(argv)
    args = parser().parse_args(given)

    def body() -> str:
        config, compose = settings_from_args(args)
        command = f"python -m training.stage2 {shlex.join(given)}"
        return run(config, compose, args.out, RunOptions.from_args(args), command)
    return run_cli(body)


if __name__ == "__main__":
    sys.exit(main())
