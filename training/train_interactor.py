"""Train InterActor, the two-person diffusion model.

    python -m training.train_interactor --data DIR --config small --out CKPT_DIR [--steps 20000]
    torchrun --nproc_per_node=N -m training.train_interactor ...        (DistributedDataParallel)

Stage 2 of the paper (fine-tuning on real + synthetic data):
    python -m training.train_interactor --data REAL:0.5 --data SYNTH:0.5 --init-from STAGE1_DIR \
        --lr 5e-6 --out CKPT_DIR

AdamW with warm-up then cosine decay, gradient clipping, EMA weights (saved as the model),
bf16 autocast on a GPU, a progress bar, a CSV log (``log.csv``; ``--tensorboard`` adds event
files when tensorboard is installed), periodic evaluation with an evaluator checkpoint, and exact
resumption from the training state saved next to the weights.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import re
import sys
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import ConcatDataset, DataLoader
from tqdm import tqdm

from t2i_core.checkpoint import (
    CheckpointError,
    config_from_dict,
    continued_lineage,
    load_training_state,
    save_training_state,
)
from t2i_core.data.interhuman import InterHumanDataset
from t2i_core.data.layout import DataFolderError
from t2i_core.diffusion.ddim import DDIMScheduler
from t2i_core.diffusion.guidance import drop_condition_mask
from t2i_core.losses import PAIR_TERMS, TERMS, InteractionLoss, LossConfig
from t2i_core.metrics import frechet_distance, r_precision
from t2i_core.models.interactor import InterActor, InterActorConfig
from t2i_core.models.registry import INTERACTOR, NORMALIZATION_FILE, check_checkpoint, load_checkpoint
from t2i_core.motion.stats import feature_stats
from t2i_core.pipeline import Text2InteractPipeline
from t2i_core.protocol import embed_motions
from t2i_core.text.cache import TextFeatureCache, text_cache_path
from t2i_core.text.registry import build_text_encoder
from training.common import CsvLog, dataset_captions, resolve_device, warmup_cosine
from training.mixture import MixtureSampler

REPO = Path(__file__).resolve().parents[1]
DEFAULT_EVALUATOR = REPO / "assets" / "evaluator"
CONFIGS = {"small": InterActorConfig.small, "paper": InterActorConfig.paper, "tiny": InterActorConfig.tiny,
           "single": InterActorConfig.single, "single-tiny": lambda **o: InterActorConfig.tiny(persons=1, **o)}


@dataclass
class InterActorTraining:
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


@dataclass
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


def check_data_roots(roots: list[DataRoot]) -> None:
    """Every folder exists; a compose output is complete and keeps at least one candidate."""
    from t2i_core.compose.output import is_compose_folder, require_trainable  # pandas, only for this check

    for root in roots:
        if not root.path.is_dir():
            raise DataFolderError(f"data folder not found: {root.path}")
        if is_compose_folder(root.path):
            require_trainable(root.path)


def check_init_from(args) -> None:
    """``--init-from`` holds an InterActor checkpoint whose architecture agrees with the flags given."""
    try:
        payload = check_checkpoint(args.init_from, INTERACTOR)
    except CheckpointError as error:
        raise CheckpointError(f"--init-from: {error}") from None
    stored = config_from_dict(InterActorConfig, payload.get("config", {}), source=args.init_from / "config.json")
    if args.config is not None:
        wanted = CONFIGS[args.config]()
        if wanted.persons != stored.persons:
            names = {1: "a single-person prior", 2: "a two-person model"}
            raise CheckpointError(f"--init-from {args.init_from} is {names[stored.persons]}, but --config "
                                  f"{args.config} is {names[wanted.persons]}")
        differ = [f.name for f in fields(wanted) if getattr(wanted, f.name) != getattr(stored, f.name)]
        if differ:
            raise CheckpointError(f"--init-from {args.init_from} differs from --config {args.config} in "
                                  f"{', '.join(differ)}; leave out --config: the checkpoint sets the architecture")
    for name in ("conditioning", "head"):
        if getattr(args, name) and getattr(args, name) != getattr(stored, name):
            raise CheckpointError(f"--init-from {args.init_from} has {name} {getattr(stored, name)!r}, not "
                                  f"--{name} {getattr(args, name)!r}; the checkpoint sets the architecture")


class Distributed:
    """torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK) or a single process."""

    def __init__(self, device_name: str):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
        device = resolve_device(device_name)
        if device.type == "cuda":
            device = torch.device("cuda", local)
            torch.cuda.set_device(device)
        self.device = device
        if self.world > 1:
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")

    @property
    def main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.world > 1:
            dist.barrier()

    def close(self) -> None:
        if self.world > 1:
            dist.destroy_process_group()


def parameter_checksum(model: torch.nn.Module) -> list[float]:
    flat = torch.cat([p.detach().double().flatten().cpu() for p in model.parameters()])
    return [float(flat.sum()), float((flat**2).sum())]


def evaluate_quick(model, ema, scheduler, encoder, mean, std, val_set, scorer, settings, device) -> dict:
    """R-precision and FID of EMA samples for the first ``eval_clips`` validation clips."""
    pipe = Text2InteractPipeline(ema, scheduler, encoder, mean, std, device)
    count = min(settings.eval_clips, len(val_set))
    items = [val_set[i] for i in range(count)]
    texts, lengths = [it["text"] for it in items], [int(it["length"]) for it in items]
    generated = pipe.generate_for_evaluation(texts, lengths, seed=settings.seed, steps=settings.eval_steps)
    real = [it["features"][:, :n] for it, n in zip(items, lengths)]
    text_emb, gen_emb, real_emb = scorer.embed_texts(texts), embed_motions(scorer, generated), \
        embed_motions(scorer, real)
    r = r_precision(text_emb, gen_emb, group=min(32, count))
    return {"r1": float(r[0]), "r3": float(r[2]), "fid": frechet_distance(real_emb, gen_emb),
            "gt_r1": float(r_precision(text_emb, real_emb, group=min(32, count))[0])}


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


def reaction_rows(batch: int, t: torch.Tensor, prob: float, device, persons: int = 2
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, P) bool of the persons given clean (at most one per sample, never the only person) and the
    (B, P) per-person timesteps."""
    reacting = (torch.rand(batch, device=device) < prob) & (persons == 2)
    which = torch.randint(0, persons, (batch,), device=device)
    given = reacting[:, None] & (torch.arange(persons, device=device)[None] == which[:, None])
    return given, torch.where(given, torch.zeros_like(t)[:, None], t[:, None])


def train(args, settings: InterActorTraining) -> Path:
    if not 0.0 <= settings.reaction_prob <= 1.0:
        raise ValueError(f"--reaction-prob must lie in [0, 1], got {settings.reaction_prob}")
    roots = [DataRoot.parse(spec) for spec in args.data]  # every input checked before anything runs
    check_data_roots(roots)
    if args.init_from and not args.resume:
        check_init_from(args)
    env = Distributed(args.device)
    torch.manual_seed(settings.seed + env.rank)
    out: Path = args.out
    show = env.main and not args.quiet
    datasets = [InterHumanDataset(r.path, "train", mode="train", max_frames=settings.max_frames,
                                  cache_dir=args.cache_dir, progress=show) for r in roots]
    if args.max_clips:
        for d in datasets:
            d.entries = d.entries[: args.max_clips]
    for d in datasets:
        if not d.entries:
            raise DataFolderError(f"{d.layout.root} has no usable clip in its train split")

    state = load_training_state(out) if args.resume else None
    if args.resume and state is None:
        raise CheckpointError(f"nothing to resume in {out}: no training state found")
    if state is not None or args.init_from:
        source = out if state is not None else args.init_from
        loaded = load_checkpoint(source, INTERACTOR)
        model, stats = loaded.model, loaded.tensors[NORMALIZATION_FILE]
        # the runs this one continues, oldest first: the model line counts the steps of every phase
        lineage = loaded.payload.get("lineage", []) if state is not None else \
            continued_lineage(loaded.payload, args.init_from)
        mean, std = stats["mean"], stats["std"]
        config = model.config
    else:
        lineage = []
        overrides = {name: getattr(args, name) for name in ("conditioning", "head") if getattr(args, name)}
        config = CONFIGS[args.config or "small"](**overrides)
        model = InterActor(config)
        if args.stats:
            stats = np.load(args.stats, allow_pickle=False)
            mean, std = torch.from_numpy(stats["mean"]), torch.from_numpy(stats["std"])
        else:
            first = datasets[0]
            m, s = feature_stats(first.full_features(i) for i in range(len(first.entries)))
            mean, std = torch.from_numpy(m), torch.from_numpy(s)
    if state is not None:
        model.load_state_dict(state["raw_weights"])
    model.to(env.device).train()
    ema = copy.deepcopy(model).eval()
    if state is not None:
        ema.load_state_dict(state["ema_weights"])
    for p in ema.parameters():
        p.requires_grad_(False)
    mean, std = mean.to(env.device), std.to(env.device)

    single = config.persons == 1
    if single:
        # the single-person prior learns from each person's own track (a swapped item puts person 2 first,
        # in its own frame) and that person's own caption
        for d in datasets:
            d.entries = [e for e in d.entries if e.person_captions]
            if not d.entries:
                raise DataFolderError(f"{d.layout.root} has no per-person captions (annots_individual/person1, "
                                      "person2): a single-person model needs them")
        if settings.reaction_prob:
            raise ValueError("--reaction-prob needs a two-person model; this config has one person")
    encoder = build_text_encoder(config.text_encoder, device=str(env.device))
    text_cache_file = text_cache_path(args.cache_dir, encoder.name)
    texts = TextFeatureCache(encoder, text_cache_file)
    if env.main:
        texts.add([c for d in datasets for c in dataset_captions(d, per_person=single)], progress=show)
        texts.save()
    env.barrier()
    if not env.main:
        texts = TextFeatureCache(encoder, text_cache_file)

    weights = {**(dict.fromkeys(PAIR_TERMS, 0.0) if single else {}), **loss_weights(args.loss_weight)}
    loss_config = LossConfig(interaction=args.interaction, **weights)
    for name in args.disable_loss or []:
        if name not in TERMS:
            raise ValueError(f"unknown loss term {name!r}; accepted: {', '.join(TERMS)}")
        setattr(loss_config, name, 0.0)
    # the checkpoint a run started from is part of its record, kept when it resumes
    init_from = str(args.init_from) if args.init_from else None
    if state is not None:  # the saved run's loss, like its other settings, wins over the flags
        saved_run = loaded.payload  # the run's own config.json (source is out when resuming)
        init_from = saved_run.get("init_from")
        saved = config_from_dict(LossConfig, saved_run.get("loss", {}), source=out / "config.json")
        if saved != loss_config and show:
            print("resuming with the run's saved loss settings; the loss flags of this call are ignored")
        loss_config = saved
    criterion = InteractionLoss(loss_config, mean, std).to(env.device)
    # a resumed run keeps the scheduler it saved (its sampling spacing); a new one takes today's default
    scheduler = DDIMScheduler.of_checkpoint(out) if state is not None else DDIMScheduler()
    alphas = scheduler.config.num_train_timesteps

    combined = ConcatDataset(datasets)
    sampler = MixtureSampler([len(d) for d in datasets], [r.ratio for r in roots], seed=settings.seed,
                             rank=env.rank, world_size=env.world)
    per_rank_batch = max(settings.batch_size // env.world, 1)
    if sampler.per_rank < per_rank_batch:  # every epoch would be empty: training would never advance
        raise ValueError(f"an epoch has {sampler.per_rank} items (clips and mirrored copies) per process, "
                         f"fewer than the batch size {per_rank_batch}: lower --batch-size or add clips")
    # A generator of its own, so creating a loader iterator never draws from the global RNG.
    loader_rng = torch.Generator().manual_seed(settings.seed + env.rank)
    loader = DataLoader(combined, batch_size=per_rank_batch, sampler=sampler, drop_last=True,
                        num_workers=args.num_workers, generator=loader_rng)
    net = torch.nn.parallel.DistributedDataParallel(model) if env.world > 1 else model
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    lr_schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(settings.warmup_steps, settings.steps))
    step, epoch, batch_in_epoch = 0, 0, 0
    if state is not None:
        optimizer.load_state_dict(state["optimizer"])
        lr_schedule.load_state_dict(state["lr_schedule"])
        step, epoch, batch_in_epoch = state["step"], state["epoch"], state["batch_in_epoch"]
        loader_rng.set_state(state["loader_rng"][env.rank])
        if batch_in_epoch * per_rank_batch >= sampler.per_rank:  # saved at an epoch's very end
            epoch, batch_in_epoch = epoch + 1, 0
        torch.set_rng_state(state["torch_rng"][env.rank] if env.world > 1 else state["torch_rng"][0])
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if env.device.type == "cuda" \
        else torch.autocast("cpu", enabled=False)

    scorer = None
    if env.main and settings.eval_every > 0 and not single:  # the evaluator scores pairs
        evaluator_dir = args.evaluator or DEFAULT_EVALUATOR
        if (evaluator_dir / "config.json").is_file():
            from t2i_core.models.scorer import TextMotionScorer

            scorer = TextMotionScorer.from_pretrained(evaluator_dir, device=str(env.device))
        else:
            print(f"note: no evaluator at {evaluator_dir}; periodic evaluation is off", file=sys.stderr)
    val_set = None
    if scorer is not None:
        val_set = InterHumanDataset(roots[0].path, "val", mode="eval", max_frames=settings.max_frames,
                                    cache_dir=args.cache_dir, progress=False)

    columns = ["step", "epoch", "loss", *[f"loss_{k}" for k in TERMS],
               "lr", "seconds", "eval_r1", "eval_r3", "eval_fid", "eval_gt_r1"]
    log = CsvLog(out / "log.csv", columns) if env.main else None
    board = None
    if env.main and args.tensorboard:
        from torch.utils.tensorboard import SummaryWriter

        board = SummaryWriter(str(out / "tensorboard"))

    def save_all() -> None:
        checksums, rng, loader_states = [parameter_checksum(model)], [torch.get_rng_state()], [loader_rng.get_state()]
        if env.world > 1:
            gathered: list = [None] * env.world
            dist.all_gather_object(gathered, (checksums[0], rng[0].tolist(), loader_states[0].tolist()))
            checksums = [g[0] for g in gathered]
            rng = [torch.tensor(g[1], dtype=torch.uint8) for g in gathered]
            loader_states = [torch.tensor(g[2], dtype=torch.uint8) for g in gathered]
        if not env.main:
            return
        pipe = Text2InteractPipeline(ema, scheduler, encoder, mean, std, env.device)
        pipe.save_pretrained(out, step=step, training=asdict(settings), loss=asdict(loss_config),
                             data=[{"path": str(r.path), "ratio": r.ratio} for r in roots], world_size=env.world,
                             init_from=init_from, lineage=lineage)
        save_training_state(out, {"step": step, "epoch": epoch, "raw_weights": model.state_dict(),
                                  "ema_weights": ema.state_dict(), "optimizer": optimizer.state_dict(),
                                  "batch_in_epoch": batch_in_epoch,
                                  "lr_schedule": lr_schedule.state_dict(), "torch_rng": rng,
                                  "loader_rng": loader_states,
                                  "settings": asdict(settings)})
        from t2i_core.io import atomic_write_text

        atomic_write_text(out / "ranks.json", json.dumps({"step": step, "parameter_checksums": checksums}))

    if state is None:
        save_all()  # the run's configuration sits beside it from its first step, not only at the first save
    last_step = settings.steps if args.stop_after is None else min(settings.steps, args.stop_after)
    bar = tqdm(total=settings.steps, initial=step, desc="training", unit="step", disable=not show)
    began, window = time.time(), []
    while step < last_step:
        sampler.set_epoch(epoch, skip=batch_in_epoch * per_rank_batch)  # skip > 0 only when resuming mid-epoch
        for batch in loader:
            if step >= last_step:
                break
            batch_in_epoch += 1
            longest = int(batch["length"].max())  # clips are padded to max_frames: drop the shared padding
            features = batch["features"][:, :1] if single else batch["features"]
            x0 = ((features[:, :, :longest].to(env.device) - mean) / std)
            frame_mask = batch["mask"][:, :longest].to(env.device)
            x0 = x0 * frame_mask[:, None, :, None]
            captions = batch["text_person1"] if single else batch["text"]
            words, word_mask, pooled = (t.to(env.device) for t in texts.batch(list(captions)))
            t = torch.randint(0, alphas, (x0.shape[0],), device=env.device)
            noisy = scheduler.add_noise(x0, torch.randn_like(x0), t)
            drop = drop_condition_mask(x0.shape[0], settings.text_dropout, device=env.device)
            given, person_t = reaction_rows(x0.shape[0], t, settings.reaction_prob, env.device, x0.shape[1])
            noisy = torch.where(given[:, :, None, None], x0, noisy)
            with autocast:
                pred = net(noisy, person_t, words, word_mask, pooled, frame_mask, drop)
            # the given person is known: its "prediction" is the truth, so it adds no error and the
            # interaction terms compare the other person against its real partner
            pred = torch.where(given[:, :, None, None], x0, pred.float())
            loss, terms = criterion(pred, x0, frame_mask, t)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), settings.grad_clip)
            optimizer.step()
            lr_schedule.step()
            step += 1
            decay = min(settings.ema_decay, (1 + step) / (10 + step))
            with torch.no_grad():
                for e, p in zip(ema.parameters(), model.parameters()):
                    e.lerp_(p, 1 - decay)
            window.append({"loss": loss.item(), **{k: v.item() for k, v in terms.items()}})
            bar.update(1)
            if show:
                bar.set_postfix(loss=f"{np.mean([w['loss'] for w in window[-50:]]):.4f}")
            row = None
            if env.main and (step % settings.log_every == 0 or step == settings.steps):
                row = {"step": step, "epoch": epoch, "lr": f"{lr_schedule.get_last_lr()[0]:.3e}",
                       "seconds": f"{time.time() - began:.1f}",
                       "loss": f"{np.mean([w['loss'] for w in window]):.5f}"}
                for k in window[0]:
                    if k != "loss":
                        row[f"loss_{k}"] = f"{np.mean([w[k] for w in window]):.5f}"
                window = []
            if scorer is not None and (step % settings.eval_every == 0 or step == settings.steps):
                result = evaluate_quick(model, ema, scheduler, encoder, mean, std, val_set, scorer, settings,
                                        env.device)
                row = row or {"step": step, "epoch": epoch}
                row.update({f"eval_{k}": f"{v:.4f}" for k, v in result.items()})
                tqdm.write(f"step {step}: eval R@1 {result['r1']:.3f} R@3 {result['r3']:.3f} FID {result['fid']:.3f}"
                           f" (ground truth R@1 {result['gt_r1']:.3f})")
            if row is not None:
                log.write(**row)
                if board is not None:
                    for k, v in row.items():
                        if k not in ("step", "epoch"):
                            board.add_scalar(k, float(v), step)
            if step % settings.save_every == 0 or step == last_step:
                save_all()
        epoch, batch_in_epoch = epoch + 1, 0
    bar.close()
    env.barrier()
    env.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", action="append", required=True, metavar="DIR[:RATIO]",
                        help="InterHuman-layout folder or InterCompose output, optionally with a positive mixing "
                             "ratio after the last ':' (a tail that is not a number is part of the folder's name, "
                             "which must then exist); repeat for several")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--config", choices=sorted(CONFIGS), default=None,
                        help="model size (default small; with --init-from the checkpoint's, which it must match)")
    parser.add_argument("--conditioning", choices=("word", "sentence"), default=None)
    parser.add_argument("--head", choices=("linear", "conv"), default=None,
                        help="how tokens become frames (default: the config's; small uses conv)")
    parser.add_argument("--interaction", choices=("adaptive", "distance_map"), default="adaptive",
                        help="adaptive = Text2Interact's AIL; distance_map = InterGen's DM (the ablation)")
    parser.add_argument("--disable-loss", action="append", metavar="TERM",
                        help="set a LossConfig weight to 0 (e.g. --disable-loss ail), repeatable")
    defaults = InterActorTraining()
    for name in ("steps", "batch_size", "warmup_steps", "eval_every", "eval_clips", "save_every", "log_every",
                 "seed", "max_frames"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name))
    parser.add_argument("--lr", type=float, default=defaults.lr)
    parser.add_argument("--reaction-prob", type=float, default=defaults.reaction_prob,
                        help="probability that one person of a sample is given clean (reaction training)")
    parser.add_argument("--ema-decay", type=float, default=defaults.ema_decay)
    parser.add_argument("--loss-weight", action="append", metavar="TERM=WEIGHT",
                        help="set a LossConfig weight (e.g. --loss-weight vc=30), repeatable")
    parser.add_argument("--init-from", type=Path, default=None,
                        help="start from this InterActor checkpoint folder (fine-tuning); checked before training")
    parser.add_argument("--stats", type=Path, default=None, help="normalisation .npz (default: computed)")
    parser.add_argument("--evaluator", type=Path, default=None, help=f"default: {DEFAULT_EVALUATOR}")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run saved in --out (its saved settings win over the flags)")
    parser.add_argument("--stop-after", type=int, default=None,
                        help="stop (and save) after this many steps of the schedule; continue with --resume")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--num-workers", type=int, default=0)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--max-clips", type=int, default=None, help="use only the first N clips (smoke tests)")
    parser.add_argument("--tensorboard", action="store_true")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    settings = InterActorTraining(**{k: getattr(args, k) for k in asdict(defaults) if hasattr(args, k)})
    if args.resume:
        state = load_training_state(args.out)
        if state is not None:
            settings = InterActorTraining(**state["settings"])
    try:
        train(args, settings)
    except (DataFolderError, CheckpointError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
