"""The resumable experiment runner that ``training.ablate`` and ``training.stage2`` are lists of arms for.

An ``Experiment`` is a list of ``Arm``s (each a training config, or "no training": an existing model)
plus one evaluation set-up; ``run_experiment`` claims its OUT folder, trains or resumes each arm,
evaluates each with the protocol (cached in ``eval.json``) and hands the results to a report function.
In detail, it is a list of trainer runs (``train_interactor.train(config, options)``, each config a
``TrainConfig``), each evaluated with the InterHuman protocol (``training.evaluate``'s pieces), into one OUT folder:

* the settings dataclass is written to ``OUT/<settings file>`` before anything runs, and a rerun with
  other settings into the same OUT is refused (``claim_out``);
* a run's ``eval.json`` records the settings it was made with, so a rerun skips it (``finished``,
  ``cached``); a model already at its step count is evaluated, not retrained, and a training state
  below it continues from its training state (``train_to``);
* the table cells are ``value ± 95% interval`` with several replications (``metric``, ``cell``).
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tqdm import tqdm

from t2i_core.checkpoint import CONFIG_FILE, MODEL_FILE, STATE_FILE, CheckpointError
from t2i_core.data.layout import DataFolderError, InterHumanLayout
from t2i_core.io import atomic_write_text
from t2i_core.models.registry import EVALUATOR, check_checkpoint
from t2i_core.protocol import GENERATION_NOISE, GroundTruth, ProtocolSettings, run_protocol
from training import train_interactor
from training.common import resolve_device
from training.evaluate import contrast_pairs, load_items, load_source, result_payload
from training.train_config import TrainConfig, TrainOptions

EVAL_FILE = "eval.json"


class ExperimentError(ValueError):
    """Bad settings, an OUT folder that holds another experiment, or a training that failed."""


@dataclass
class RunOptions:
    """How to run, not what: never recorded, free to change between reruns."""
    device: str = "auto"
    cache_dir: Path | None = None
    quiet: bool = False
    trainer: Callable[[TrainConfig, TrainOptions], Path] | None = None  # default: train_interactor.train

    @classmethod
    def from_args(cls, args) -> RunOptions:
        """From the device-and-cache option group (``training.options.add_device_options``)."""
        return cls(args.device, args.cache_dir, args.quiet)

    def train_options(self, out: Path, resume: bool) -> TrainOptions:
        return TrainOptions(out=out, resume=resume, device=self.device, cache_dir=self.cache_dir,
                            progress=not self.quiet)


# -- settings ---------------------------------------------------------------------------------
RATIO = re.compile(r"\s*(\d+\.?\d*|\.\d+)\s*:\s*(\d+\.?\d*|\.\d+)\s*")


def parse_ratio(text: str) -> tuple[float, float]:
    """``"0.5:0.5"`` or ``"1:1"`` -> (real, synthetic), both positive."""
    match = RATIO.fullmatch(text)
    if match is None or not all(float(g) > 0 for g in match.groups()):
        raise ExperimentError(f"--ratio takes REAL:SYNTHETIC, two positive numbers (e.g. 0.5:0.5 or 1:1); "
                              f"got {text!r}")
    return float(match.group(1)), float(match.group(2))


def as_json(settings) -> dict:
    """A settings dataclass as it reads back from its JSON file (tuples as lists)."""
    return json.loads(json.dumps(asdict(settings)))


def check_real_and_evaluator(data: str, split: str, evaluator: str) -> InterHumanLayout:
    """The real folder has its train split and the evaluated one, and the evaluator is an evaluator."""
    layout = InterHumanLayout.open(data)
    layout.require_folders()
    for name in dict.fromkeys(("train", split)):
        if not layout.split_ids(name):
            raise DataFolderError(f"{layout.root}: split {name!r} lists no clip")
    try:
        check_checkpoint(evaluator, EVALUATOR)
    except CheckpointError as error:
        raise CheckpointError(f"--evaluator: {error}") from None
    return layout


def claim_out(out: Path, settings_file: str, settings: dict, what: str) -> None:
    """Record ``settings`` (JSON-ready) in ``out/settings_file``, or check that the recorded ones are these."""
    path = out / settings_file
    if not path.is_file():
        atomic_write_text(path, json.dumps(settings, indent=2))
        return
    stored = json.loads(path.read_text(encoding="utf-8"))
    changed = [f"{k}: {stored.get(k)!r} there, {settings.get(k)!r} now" for k in sorted(set(stored) | set(settings))
               if stored.get(k) != settings.get(k)]
    if changed:
        raise ExperimentError(f"{out} holds {what} with other settings ({'; '.join(changed)}); rerun with "
                              "its settings to continue it, or choose another --out")


# -- training ---------------------------------------------------------------------------------
def saved_step(folder: Path) -> int | None:
    """The step of the model saved in ``folder``, or None when there is none."""
    if not (folder / CONFIG_FILE).is_file() or not (folder / MODEL_FILE).is_file():
        return None
    return int(json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8")).get("step", 0))


def train_to(folder: Path, config: TrainConfig, options: RunOptions) -> str:
    """Train (or finish training) ``config`` in ``folder`` up to its step count; returns what was done.

    A folder with a training state below the step count continues from it, one without starts again."""
    step = saved_step(folder)
    if step is not None and step >= config.training.steps:
        return "trained before"
    resume = (folder / STATE_FILE).is_file()
    if not resume:
        (folder / "log.csv").unlink(missing_ok=True)  # rows of a run killed before its first save
    trainer = options.trainer or train_interactor.train
    trainer(config, options.train_options(folder, resume))
    return f"trained (resumed at step {step})" if resume else "trained"


class Clock:
    """CPU seconds of this process (``time.process_time``: every thread, the trainer's and torch's
    included, since both run in-process) and wall seconds, from creation to ``seconds()``."""

    def __init__(self):
        self.cpu, self.wall = time.process_time(), time.perf_counter()

    def seconds(self) -> dict[str, float]:
        return {"cpu_seconds": round(time.process_time() - self.cpu, 3),
                "wall_seconds": round(time.perf_counter() - self.wall, 3)}


# -- evaluation -------------------------------------------------------------------------------
@dataclass(frozen=True)
class EvalSetup:
    """What the protocol runs on and how the generators sample; part of an experiment's settings."""
    data: str                    # the InterHuman-layout folder whose split is evaluated
    split: str
    evaluator: str               # the protocol's evaluator checkpoint
    protocol: ProtocolSettings
    sampling_steps: int          # DDIM steps of the generators
    guidance: float
    max_clips: int | None = None
    subset_metrics: bool = False  # every subset gets R@1..3, FID, MM Dist, diversity, physical (else R@1 only)


class Evaluation:
    """The evaluator and the split's clips, loaded once and only when something is evaluated."""

    def __init__(self, setup: EvalSetup, options: RunOptions):
        self.setup, self.options = setup, options
        self.device = str(resolve_device(options.device))
        self._loaded = None

    def loaded(self):
        if self._loaded is None:
            from t2i_core.models.scorer import TextMotionScorer

            setup = self.setup
            scorer = TextMotionScorer.from_pretrained(setup.evaluator, device=self.device)
            items, subsets = load_items(Path(setup.data), setup.split, self.options.cache_dir, setup.max_clips)
            self._loaded = scorer, items, subsets, contrast_pairs(Path(setup.data), items)
        return self._loaded

    def protocol(self, source) -> tuple[dict, int]:
        """As ``training.evaluate`` runs it: subsets and the procedural set's contrast twins included."""
        scorer, items, subsets, twins = self.loaded()
        return run_protocol(items, scorer, source, self.setup.protocol, subsets, progress=not self.options.quiet,
                            twins=twins, subset_metrics=self.setup.subset_metrics), len(items)

    def generator(self, folder: Path):
        return load_source(str(folder), self.device, self.setup.sampling_steps, self.setup.guidance)


def add_seconds(path: Path, stage: str, seconds: dict) -> None:
    """Add one session's seconds to ``path``'s running totals of ``stage``."""
    timing = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    before = timing.get(stage, {"cpu_seconds": 0.0, "wall_seconds": 0.0, "sessions": 0})
    timing[stage] = {k: round(before[k] + seconds[k], 3) for k in ("cpu_seconds", "wall_seconds")}
    timing[stage]["sessions"] = before["sessions"] + 1
    atomic_write_text(path, json.dumps(timing, indent=2))


def finished(path: Path, key: str, wanted: dict) -> dict | None:
    """The payload in ``path`` when it exists and records ``wanted`` under ``key``."""
    if not path.is_file():
        return None
    payload = json.loads(path.read_text(encoding="utf-8"))
    return payload if payload.get(key) == wanted else None


def cached(path: Path, key: str, wanted: dict, compute: Callable[[], dict]) -> dict:
    """The payload in ``path`` when it records ``wanted``; otherwise ``compute()``, written atomically."""
    payload = finished(path, key, wanted)
    if payload is not None:
        return payload
    payload = {**compute(), key: wanted}
    atomic_write_text(path, json.dumps(payload, indent=2))
    return payload


PROVENANCE = ("ground_truth", "generator", "evaluator", "split", "clips", "settings", "generation_noise")


def strip(payload: dict, *also: str) -> dict:
    """The protocol's numbers of a payload, without where they came from (nor the keys ``also``)."""
    return {k: v for k, v in payload.items() if k not in (*PROVENANCE, *also)}


# -- the runner -------------------------------------------------------------------------------
TIMING_FILE = "timing.json"
GROUND_TRUTH_FILE = "ground_truth.json"
MEASURED = "time.process_time (CPU seconds of this process, all threads) and wall seconds"


@dataclass(frozen=True)
class Arm:
    """One row of an experiment: a model trained by ``train`` into ``model`` (or, without ``train``, the
    model already there), evaluated into ``folder/eval.json``."""
    name: str
    folder: Path                             # the arm's folder (its eval.json, timing.json)
    model: Path                              # the evaluated checkpoint
    describe: dict                           # what eval.json records of the arm (JSON-ready)
    train: TrainConfig | None = None         # None: no training, ``model`` is evaluated as it is
    prepare: Callable[[], None] | None = None  # run before the arm trains (e.g. writing its data)
    extra: dict = field(default_factory=dict)  # more of eval.json (JSON-ready)
    note: str = ""                           # appended to the arm's progress line
    not_run: str | None = None               # the reason an arm cannot run (reported, never trained)


@dataclass(frozen=True)
class Experiment:
    """Arms and how they are evaluated; ``settings`` (JSON-ready) decide every number and claim OUT."""
    what: str                                # "an ablation": the refusal's words
    title: str                               # the progress bar's
    settings_file: str                       # OUT/<settings_file> holds ``settings``
    settings: dict
    record_key: str                          # where an eval.json records what it was made with
    arm_key: str                             # the record's name for the arm
    setup: EvalSetup
    arms: tuple[Arm, ...]
    timed: bool = False                      # train seconds to <arm>/timing.json, eval seconds to eval.json

    def record(self, arm: Arm | None) -> dict:
        """What an eval.json must carry to count as finished for these settings."""
        return {"settings": self.settings, self.arm_key: arm.describe if arm else None,
                "generation_noise": GENERATION_NOISE}


def ground_truth(experiment: Experiment, out: Path, evaluation: Evaluation) -> dict:
    """The protocol on the real clips, once per OUT."""
    def compute() -> dict:
        summary, clips = evaluation.protocol(GroundTruth())
        setup = experiment.setup
        return result_payload(summary, None, "gt", Path(setup.evaluator), setup.split, clips, setup.protocol)
    return cached(out / GROUND_TRUTH_FILE, experiment.record_key, experiment.record(None), compute)


def train_arm(experiment: Experiment, arm: Arm, options: RunOptions) -> str:
    """Train (or finish training) one arm; with ``timed`` its seconds go to timing.json, an interrupted
    session's too."""
    if arm.prepare is not None:
        arm.prepare()
    clock, action = Clock(), None
    try:
        action = train_to(arm.model, arm.train, options)
    finally:
        if experiment.timed and action != "trained before":
            add_seconds(arm.folder / TIMING_FILE, "train", clock.seconds())
    return action


def evaluate_arm(experiment: Experiment, arm: Arm, evaluation: Evaluation, truth: dict) -> dict:
    def compute() -> dict:
        clock = Clock()
        summary, clips = evaluation.protocol(evaluation.generator(arm.model))
        setup, extra = experiment.setup, dict(arm.extra)
        if experiment.timed:
            timing_file = arm.folder / TIMING_FILE
            train = json.loads(timing_file.read_text(encoding="utf-8")).get("train") if timing_file.is_file() \
                else None
            extra["seconds"] = {"train": train, "eval": clock.seconds(), "measured": MEASURED}
        return result_payload(summary, strip(truth, experiment.record_key), str(arm.model), Path(setup.evaluator),
                              setup.split, clips, setup.protocol, **extra)
    return cached(arm.folder / EVAL_FILE, experiment.record_key, experiment.record(arm), compute)


def run_experiment(experiment: Experiment, out: Path, options: RunOptions,
                   report: Callable[[dict, dict[str, dict | None]], str]) -> str:
    """Claim OUT, train and evaluate every arm (skipping what is finished), then ``report(truth, results)``;
    an arm with ``not_run`` gets None."""
    claim_out(out, experiment.settings_file, experiment.settings, experiment.what)
    evaluation = Evaluation(experiment.setup, options)
    truth = ground_truth(experiment, out, evaluation)
    results: dict[str, dict | None] = {}
    bar = tqdm(experiment.arms, desc=experiment.title, unit="arm", disable=options.quiet)
    for arm in bar:
        bar.set_postfix_str(arm.name)
        if arm.not_run is not None:
            results[arm.name] = None
            tqdm.write(f"{arm.name}: not run ({arm.not_run})")
            continue
        if finished(arm.folder / EVAL_FILE, experiment.record_key, experiment.record(arm)) is not None:
            action = "finished before, skipped"
        elif arm.train is not None:
            action = train_arm(experiment, arm, options)
        else:
            action = "not trained"
        results[arm.name] = evaluate_arm(experiment, arm, evaluation, truth)
        tqdm.write(f"{arm.name}: {action}{arm.note}")
    return report(truth, results)


def run_cli(body: Callable[[], str]) -> int:
    """An experiment's command line: print the report ``body()`` returns, or one line saying what was wrong with
    the input (exit status 2)."""
    try:
        print(body())
    except (ExperimentError, CheckpointError, DataFolderError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


# -- table cells ------------------------------------------------------------------------------
METRICS = (("R@1", ("r_precision", 0)), ("R@2", ("r_precision", 1)), ("R@3", ("r_precision", 2)),
           ("FID", ("fid", None)), ("MM Dist", ("mm_dist", None)), ("Diversity", ("diversity", None)),
           ("MModality", ("multimodality", None)))


def metric(summary: dict, key: str, index: int | None) -> tuple[float | None, float | None]:
    value, interval = summary.get(key), summary.get("intervals", {}).get(key)
    if index is not None:
        value = value[index] if value else None
        interval = interval[index] if interval else None
    return value, interval


def cell(value: float | None, interval: float | None, replications: int) -> str:
    if value is None:
        return "-"
    return f"{value:.3f} ± {interval:.3f}" if replications > 1 and interval is not None else f"{value:.3f}"


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
