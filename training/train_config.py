"""What an InterActor training run is (``TrainConfig``) and how it is run (``TrainOptions``).

``TrainConfig`` decides the trained weights: it is recorded in the run's ``config.json`` from step 0
and read back by ``--resume``. ``TrainOptions`` only says how to run (where, on which device, with or
without progress) and is never recorded. ``training.train_interactor``'s command line parses into the
two; experiment runners build configs directly and derive variants with ``dataclasses.replace``.

``config.json`` keeps the form it always had (``training``, ``loss``, ``data``, ``init_from``) plus
``run``, the rest of the config (model choice, statistics, clip limit, evaluator). A folder written
before ``run`` existed still resumes: the fields it lacks come from the caller's config.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from t2i_core.checkpoint import config_from_dict
from t2i_core.losses import PAIR_TERMS, TERMS, LossConfig
from t2i_core.models.interactor import InterActorConfig

CONFIGS = {"small": InterActorConfig.small, "paper": InterActorConfig.paper, "tiny": InterActorConfig.tiny,
           "single": InterActorConfig.single, "single-tiny": lambda **o: InterActorConfig.tiny(persons=1, **o)}
DEFAULT_MODEL = "small"
ARCHITECTURE_FLAGS = ("conditioning", "head")  # InterActorConfig fields the command line may set


@dataclass
class InterActorTraining:
    """Optimisation, schedule and saving; ``config.json``'s ``training``."""
    steps: int = 20000
    batch_size: int = 32
    lr: float = 1e-4               # InterGen's; the paper's stage 1 uses 5e-5, stage 2 5e-6
    weight_decay: float = 2e-5
    warmup_steps: int = 500
    grad_clip: float = 0.5
    ema_decay: float = 0.999
    text_dropout: float = 0.1      # classifier-free guidance training
    # Reaction training (InterMask's trick carried to diffusion): with this probability a sample's
    # person (1 or 2 at random) is given clean, with timestep 0, and only the other is noised and
    # supervised, so one checkpoint generates pairs and reactions p(x2 | x1, text).
    reaction_prob: float = 0.0
    # Prefix training (scene continuation): with this probability a sample's first k frames of both
    # persons, k drawn uniformly from [prefix_min_frames, prefix_max_frames] (at most half the clip),
    # are given clean, with timestep 0, and only the rest is noised and supervised; a checkpoint trained
    # so continues a scene from its last frames fed clean rather than inpainted (``known_frames``).
    prefix_prob: float = 0.0
    prefix_min_frames: int = 6
    prefix_max_frames: int = 60
    max_frames: int = 300
    eval_every: int = 2000
    eval_clips: int = 64
    eval_steps: int = 10           # DDIM steps of the periodic evaluation (cheap)
    save_every: int = 1000
    log_every: int = 50
    seed: int = 0


NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
DATA_FORM = ("--data takes DIR or DIR:RATIO, RATIO a positive number after the last ':' "
             "(e.g. runs/compose:0.5)")


@dataclass(frozen=True)
class DataRoot:
    path: Path
    ratio: float = 1.0

    @classmethod
    def parse(cls, spec: str) -> DataRoot:
        """``DIR`` or ``DIR:RATIO``. The part after the last ':' is the ratio when it is a number
        (``a:b:0.5`` is the folder ``a:b`` at 0.5), unless ``spec`` itself is an existing folder and
        the part before is not; any other tail belongs to the folder's name, which must then exist
        (``DIR:abc`` with no folder of that name is an error, never a silent ratio of 1)."""
        head, sep, tail = spec.rpartition(":")
        if sep and head and NUMBER.fullmatch(tail):
            if Path(spec).is_dir() and not Path(head).is_dir():
                return cls(Path(spec))
            ratio = float(tail)
            if not ratio > 0 or not math.isfinite(ratio):
                raise ValueError(f"--data {spec!r}: the mixing ratio must be positive, got {tail} "
                                 "(leave out a folder that should add nothing)")
            return cls(Path(head), ratio)
        if sep and head and not Path(spec).exists():
            raise ValueError(f"--data {spec!r}: {tail!r} is not a number and {spec!r} is not an existing folder; "
                             + DATA_FORM)
        return cls(Path(spec))

    def spec(self) -> str:
        """The ``--data`` argument that parses back to this root."""
        return f"{self.path}:{self.ratio}" if self.ratio != 1.0 else str(self.path)


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a run's weights."""
    data: tuple[DataRoot, ...]
    model: str | None = None            # a CONFIGS name; None: small, or the --init-from checkpoint's
    conditioning: str | None = None     # architecture overrides (None: the model config's)
    head: str | None = None
    init_from: str | None = None        # an InterActor checkpoint folder to start from (fine-tuning)
    stats: str | None = None            # normalisation .npz (None: computed from the first data root)
    loss: LossConfig = field(default_factory=LossConfig)
    training: InterActorTraining = field(default_factory=InterActorTraining)
    max_clips: int | None = None        # only the first N training clips of each root (smoke runs)
    evaluator: str | None = None        # periodic evaluation's evaluator (None: the shipped one)

    def __post_init__(self):
        if self.model is not None and self.model not in CONFIGS:
            raise ValueError(f"unknown model config {self.model!r}; accepted: {', '.join(sorted(CONFIGS))}")
        training = self.training
        if not 0.0 <= training.reaction_prob <= 1.0:
            raise ValueError(f"--reaction-prob must lie in [0, 1], got {training.reaction_prob}")
        if not 0.0 <= training.prefix_prob <= 1.0:
            raise ValueError(f"--prefix-prob must lie in [0, 1], got {training.prefix_prob}")
        if not 1 <= training.prefix_min_frames <= training.prefix_max_frames < training.max_frames:
            raise ValueError(f"the prefix lengths must satisfy 1 <= --prefix-min-frames <= --prefix-max-frames < "
                             f"--max-frames ({training.max_frames}); got {training.prefix_min_frames} and "
                             f"{training.prefix_max_frames}")
        if not self.data:
            raise ValueError("a training run needs at least one --data folder")

    def model_config(self) -> InterActorConfig:
        """The architecture of a run that starts from scratch."""
        overrides = {name: getattr(self, name) for name in ARCHITECTURE_FLAGS if getattr(self, name)}
        return CONFIGS[self.model or DEFAULT_MODEL](**overrides)

    # -- config.json ---------------------------------------------------------------------------
    def record(self) -> dict:
        """The run's part of ``config.json`` (JSON-ready)."""
        run = {name: getattr(self, name) for name in ("model", "conditioning", "head", "stats", "max_clips",
                                                      "evaluator")}
        return {"training": asdict(self.training), "loss": asdict(self.loss),
                "data": [{"path": str(r.path), "ratio": r.ratio} for r in self.data],
                "init_from": self.init_from, "run": run}

    @classmethod
    def from_record(cls, payload: dict, fallback: TrainConfig | None = None, source: Path | None = None
                    ) -> TrainConfig:
        """The config recorded in ``payload`` (a run's ``config.json``). A folder saved before ``run`` was
        recorded takes those fields from ``fallback`` (the caller's config), as its flags gave them then."""
        run = payload.get("run")
        if run is None:
            base = fallback or cls(data=(DataRoot(Path(".")),))
            run = {name: getattr(base, name) for name in ("model", "conditioning", "head", "stats", "max_clips",
                                                          "evaluator")}
        data = payload.get("data") or [{"path": str(r.path), "ratio": r.ratio} for r in (fallback.data if fallback
                                                                                          else ())]
        return cls(data=tuple(DataRoot(Path(d["path"]), float(d["ratio"])) for d in data),
                   loss=config_from_dict(LossConfig, payload.get("loss", {}), source=source),
                   training=config_from_dict(InterActorTraining, payload.get("training", {}), source=source),
                   init_from=payload.get("init_from"), **run)


@dataclass(frozen=True)
class TrainOptions:
    """How to run, not what: never recorded, free to change when a run resumes."""
    out: Path
    resume: bool = False                # continue the run saved in ``out`` with its recorded config
    stop_after: int | None = None       # stop (and save) after this many steps of the schedule
    device: str = "auto"
    num_workers: int = 0
    cache_dir: Path | None = None
    tensorboard: bool = False
    progress: bool = True


def loss_weights(specs: list[str] | None) -> dict[str, float]:
    """``["vc=30", "ja=0"]`` -> {"vc": 30.0, "ja": 0.0}, with a clear error for anything else."""
    weights = {}
    for spec in specs or []:
        name, sep, value = spec.partition("=")
        if not sep or name not in TERMS:
            raise ValueError(f"--loss-weight takes TERM=WEIGHT with TERM one of {', '.join(TERMS)}; got {spec!r}")
        try:
            weights[name] = float(value)
        except ValueError:
            raise ValueError(f"--loss-weight {spec!r}: {value!r} is not a number") from None
    return weights


def build_loss(interaction: str, weights: list[str] | None, disabled: list[str] | None) -> LossConfig:
    """The loss of ``--interaction``, ``--loss-weight TERM=W`` and ``--disable-loss TERM`` flags."""
    loss = LossConfig(interaction=interaction, **loss_weights(weights))
    for name in disabled or []:
        if name not in TERMS:
            raise ValueError(f"unknown loss term {name!r}; accepted: {', '.join(TERMS)}")
        setattr(loss, name, 0.0)
    return loss


def single_person_loss(loss: LossConfig) -> LossConfig:
    """A single-person prior has no partner: the pair terms are off."""
    return replace(loss, **dict.fromkeys(PAIR_TERMS, 0.0))


def command_line(config: TrainConfig, options: TrainOptions | None = None) -> list[str]:
    """The ``training.train_interactor`` arguments that run ``config`` (for reports and records)."""
    argv = [token for root in config.data for token in ("--data", root.spec())]
    for name in ("model", "conditioning", "head", "init_from", "stats", "max_clips", "evaluator"):
        value = getattr(config, name)
        if value is not None:
            argv += [f"--{'config' if name == 'model' else name.replace('_', '-')}", str(value)]
    defaults, loss = InterActorTraining(), asdict(config.loss)
    argv += [token for f in fields(InterActorTraining) if getattr(config.training, f.name) != getattr(defaults, f.name)
             for token in (f"--{f.name.replace('_', '-')}", str(getattr(config.training, f.name)))]
    argv += ["--interaction", config.loss.interaction]
    argv += [token for name, value in asdict(LossConfig()).items()
             if name in TERMS and loss[name] != value for token in ("--loss-weight", f"{name}={loss[name]:g}")]
    extra = set(asdict(LossConfig())) - set(TERMS) - {"interaction"}
    if any(loss[name] != asdict(LossConfig())[name] for name in extra):
        raise ValueError(f"the loss settings {sorted(extra)} have no flag; this config has no command line")
    if options is not None:
        argv += ["--out", str(options.out), "--device", options.device]
        if options.cache_dir is not None:
            argv += ["--cache-dir", str(options.cache_dir)]
        if not options.progress:
            argv.append("--quiet")
        if options.resume:
            argv.append("--resume")
    return argv
