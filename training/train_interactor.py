"""Train InterActor, the two-person diffusion model.

    python -m training.train_interactor --data DIR --config small --out CKPT_DIR [--steps 20000]
    torchrun --nproc_per_node=N -m training.train_interactor ...        (DistributedDataParallel)

Reaction samples (``--reaction-prob``: one person given clean) and prefix samples (``--prefix-prob``: the
first frames of both persons given clean, for scenes) are given at timestep 0 and left out of the loss.

Stage 2 of the paper (fine-tuning on real + synthetic data):
    python -m training.train_interactor --data REAL:0.5 --data SYNTH:0.5 --init-from STAGE1_DIR \
        --lr 5e-6 --out CKPT_DIR

AdamW with warm-up then cosine decay, gradient clipping, EMA weights (saved as the model),
bf16 autocast on a GPU, a progress bar, a CSV log (``log.csv``; ``--tensorboard`` adds event
files when tensorboard is installed), periodic evaluation with an evaluator checkpoint, and exact
resumption from the training state saved next to the weights.

The command line only parses into a ``TrainConfig`` (what is trained, recorded in ``config.json``)
and ``TrainOptions`` (how it runs); ``train(config, options)`` is the entry point for code.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from dataclasses import asdict, fields, replace
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import ConcatDataset, DataLoader, default_collate
from tqdm import tqdm

from t2i_core.assets import SHIPPED_EVALUATOR
from t2i_core.checkpoint import (
    CONFIG_FILE,
    CheckpointError,
    config_from_dict,
    continued_lineage,
    load_training_state,
    save_training_state,
)
from t2i_core.data.interhuman import InterHumanDataset
from t2i_core.data.layout import DataFolderError
from t2i_core.data.solo import SoloMotionDataset, is_humanml3d_folder
from t2i_core.diffusion.ddim import DDIMScheduler
from t2i_core.diffusion.guidance import drop_condition_mask
from t2i_core.io import atomic_write_text
from t2i_core.losses import TERMS, InteractionLoss
from t2i_core.metrics import frechet_distance, r_precision
from t2i_core.models.instruments import refuse_oracle
from t2i_core.models.interactor import InterActor, InterActorConfig
from t2i_core.models.registry import INTERACTOR, NORMALIZATION_FILE, check_checkpoint, load_checkpoint
from t2i_core.motion.stats import feature_stats
from t2i_core.pipeline import Text2InteractPipeline
from t2i_core.protocol import embed_motions
from t2i_core.text.cache import TextFeatureCache, text_cache_path
from t2i_core.text.registry import build_text_encoder
from training.common import CsvLog, dataset_captions, resolve_device, warmup_cosine
from training.mixture import MixtureSampler
from training.options import add_device_options
from training.train_config import (
    CONFIGS,
    DataRoot,
    InterActorTraining,
    TrainConfig,
    TrainOptions,
    build_loss,
    single_person_loss,
)

LOG_COLUMNS = ["step", "epoch", "loss", *[f"loss_{k}" for k in TERMS],
               "lr", "seconds", "eval_r1", "eval_r3", "eval_fid", "eval_gt_r1"]


# -- the inputs, checked before anything runs ---------------------------------------------------
def check_data_roots(roots) -> None:
    """Every folder exists; a compose output is complete and keeps at least one candidate."""
    from t2i_core.compose.output import is_compose_folder, require_trainable  # pandas, only for this check

    for root in roots:
        if not root.path.is_dir():
            raise DataFolderError(f"data folder not found: {root.path}")
        if is_compose_folder(root.path):
            require_trainable(root.path)


def check_init_from(config: TrainConfig) -> None:
    """``init_from`` holds an InterActor checkpoint whose architecture agrees with the config's choices."""
    folder = Path(config.init_from)
    try:
        payload = check_checkpoint(folder, INTERACTOR)
    except CheckpointError as error:
        raise CheckpointError(f"--init-from: {error}") from None
    stored = config_from_dict(InterActorConfig, payload.get("config", {}), source=folder / CONFIG_FILE)
    if config.model is not None:
        wanted = CONFIGS[config.model]()
        if wanted.persons != stored.persons:
            names = {1: "a single-person prior", 2: "a two-person model"}
            raise CheckpointError(f"--init-from {folder} is {names[stored.persons]}, but --config "
                                  f"{config.model} is {names[wanted.persons]}")
        differ = [f.name for f in fields(wanted) if getattr(wanted, f.name) != getattr(stored, f.name)]
        if differ:
            raise CheckpointError(f"--init-from {folder} differs from --config {config.model} in "
                                  f"{', '.join(differ)}; leave out --config: the checkpoint sets the architecture")
    for name in ("conditioning", "head"):
        if getattr(config, name) and getattr(config, name) != getattr(stored, name):
            raise CheckpointError(f"--init-from {folder} has {name} {getattr(stored, name)!r}, not "
                                  f"--{name} {getattr(config, name)!r}; the checkpoint sets the architecture")


def settled_config(config: TrainConfig, options: TrainOptions) -> TrainConfig:
    """The config the run trains with, its inputs checked: a resumed run's own recorded one (its
    ``config.json``; a folder from before the full record takes the missing fields from ``config``)."""
    if options.resume:
        if load_training_state(options.out) is None:
            raise CheckpointError(f"nothing to resume in {options.out}: no training state found")
        payload = json.loads((options.out / CONFIG_FILE).read_text(encoding="utf-8"))
        saved = TrainConfig.from_record(payload, fallback=config, source=options.out / CONFIG_FILE)
        differ = [f.name for f in fields(TrainConfig) if getattr(saved, f.name) != getattr(config, f.name)]
        if differ and options.progress and int(os.environ.get("RANK", "0")) == 0:
            print(f"resuming with the run's saved settings; this call's {', '.join(differ)} are ignored")
        config = saved
    check_data_roots(config.data)
    if config.init_from and not options.resume:
        check_init_from(config)
    if config.evaluator:
        refuse_oracle(config.evaluator, "the periodic evaluation that picks checkpoints")
    return config


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



def training_set(path: Path, max_frames: int, cache_dir: Path | None, progress: bool):
    """The train split of a data root: pairs (InterHuman layout, compose output) or single persons
    (HumanML3D layout, read through the converter)."""
    kind = SoloMotionDataset if is_humanml3d_folder(path) else InterHumanDataset
    return kind(path, "train", mode="train", max_frames=max_frames, cache_dir=cache_dir, progress=progress)


def first_person_collate(items: list[dict]) -> dict:
    """A single-person model's batch: person 1 of pair items (a swapped item put person 2 there, in its
    own frame) and the one person of HumanML3D items, so both kinds of root mix in one batch."""
    return default_collate([{**item, "features": item["features"][:1]} for item in items])


def open_data(config: TrainConfig, cache_dir: Path | None, progress: bool) -> list[InterHumanDataset]:
    """The train split of every data root (the first ``max_clips`` clips of each), each with a usable clip."""
    datasets = [training_set(root.path, config.training.max_frames, cache_dir, progress) for root in config.data]
    for d in datasets:
        if config.max_clips:
            d.entries = d.entries[: config.max_clips]
        if not d.entries:
            raise DataFolderError(f"{d.layout.root} has no usable clip in its train split")
    return datasets


def keep_individual_tracks(datasets: list[InterHumanDataset]) -> None:
    """The single-person prior learns from each person's own track (a swapped item puts person 2 first, in
    its own frame) and that person's own caption: only clips with per-person captions stay."""
    for d in datasets:
        d.entries = [e for e in d.entries if e.person_captions]
        if not d.entries:
            raise DataFolderError(f"{d.layout.root} has no per-person captions (annots_individual/person1, "
                                  "person2): a single-person model needs them")


def starting_point(config: TrainConfig, out: Path, state: dict | None, datasets: list[InterHumanDataset]):
    """(model, mean, std, lineage): the run's own checkpoint when resuming, ``init_from``'s when fine-tuning,
    else a new model with the given or computed statistics. ``lineage`` lists the runs this one continues,
    oldest first, each with its steps (the app's model line counts every phase)."""
    if state is not None or config.init_from:
        loaded = load_checkpoint(out if state is not None else config.init_from, INTERACTOR)
        stats = loaded.tensors[NORMALIZATION_FILE]
        lineage = loaded.payload.get("lineage", []) if state is not None else \
            continued_lineage(loaded.payload, config.init_from)
        return loaded.model, stats["mean"], stats["std"], lineage
    model = InterActor(config.model_config())
    if config.stats:
        stats = np.load(config.stats, allow_pickle=False)
        return model, torch.from_numpy(stats["mean"]), torch.from_numpy(stats["std"]), []
    first = datasets[0]
    mean, std = feature_stats(first.full_features(i) for i in range(len(first.entries)))
    return model, torch.from_numpy(mean), torch.from_numpy(std), []


def caption_features(encoder, datasets, cache_dir: Path | None, per_person: bool, env, progress: bool):
    """Every caption's text features, computed once by the main process and read by the others."""
    path = text_cache_path(cache_dir, encoder.name)
    texts = TextFeatureCache(encoder, path)
    if env.main:
        texts.add([c for d in datasets for c in dataset_captions(d, per_person=per_person)], progress=progress)
        texts.save()
    env.barrier()
    return texts if env.main else TextFeatureCache(encoder, path)


def periodic_scorer(config: TrainConfig, device):
    """The evaluator of the periodic evaluation, or None (off, or no evaluator there)."""
    evaluator_dir = Path(config.evaluator) if config.evaluator else SHIPPED_EVALUATOR
    if not (evaluator_dir / CONFIG_FILE).is_file():
        print(f"note: no evaluator at {evaluator_dir}; periodic evaluation is off", file=sys.stderr)
        return None
    from t2i_core.models.scorer import TextMotionScorer

    return TextMotionScorer.from_pretrained(evaluator_dir, device=str(device))


def parameter_checksum(model: torch.nn.Module) -> list[float]:
    flat = torch.cat([p.detach().double().flatten().cpu() for p in model.parameters()])
    return [float(flat.sum()), float((flat**2).sum())]


def evaluate_quick(ema, scheduler, encoder, mean, std, val_set, scorer, settings, device) -> dict:
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


def reaction_rows(batch: int, t: torch.Tensor, prob: float, device, persons: int = 2
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, P) bool of the persons given clean (at most one per sample, never the only person) and the
    (B, P) per-person timesteps."""
    reacting = (torch.rand(batch, device=device) < prob) & (persons == 2)
    which = torch.randint(0, persons, (batch,), device=device)
    given = reacting[:, None] & (torch.arange(persons, device=device)[None] == which[:, None])
    return given, torch.where(given, torch.zeros_like(t)[:, None], t[:, None])


def prefix_rows(lengths: torch.Tensor, frames: int, prob: float, shortest: int, longest: int) -> torch.Tensor:
    """(B, frames) bool: the clean prefix of each sample (both persons), none in most. A sample has one with
    probability ``prob``, of k frames drawn uniformly from [shortest, longest], at most half its own length."""
    batch, device = lengths.shape[0], lengths.device
    has = torch.rand(batch, device=device) < prob
    k = torch.randint(shortest, longest + 1, (batch,), device=device)
    k = torch.minimum(k, lengths // 2) * has
    return torch.arange(frames, device=device)[None] < k[:, None]


class Trainer:
    """One run: built from a settled config (every input checked), then ``run()`` to the last step."""

    def __init__(self, config: TrainConfig, options: TrainOptions):
        config = settled_config(config, options)
        self.options, self.out = options, options.out
        self.env = env = Distributed(options.device)
        torch.manual_seed(config.training.seed + env.rank)
        self.show = env.main and options.progress
        self.datasets = open_data(config, options.cache_dir, self.show)
        self.state = load_training_state(self.out) if options.resume else None
        model, mean, std, self.lineage = starting_point(config, self.out, self.state, self.datasets)
        if self.state is not None:
            model.load_state_dict(self.state["raw_weights"])
        self.model = model.to(env.device).train()
        self.ema = copy.deepcopy(model).eval()
        if self.state is not None:
            self.ema.load_state_dict(self.state["ema_weights"])
        for p in self.ema.parameters():
            p.requires_grad_(False)
        self.mean, self.std = mean.to(env.device), std.to(env.device)
        self.single = model.config.persons == 1
        solo_roots = [str(d.layout.root) for d in self.datasets if isinstance(d, SoloMotionDataset)]
        if solo_roots and not self.single:
            raise DataFolderError(f"{solo_roots[0]} is a HumanML3D-layout folder (one person a clip): it trains a "
                                  "single-person model (--config single or single-tiny), not a two-person one")
        if self.single:
            keep_individual_tracks(self.datasets)
            if config.training.reaction_prob:
                raise ValueError("--reaction-prob needs a two-person model; this config has one person")
            config = replace(config, loss=single_person_loss(config.loss))
        self.config, self.settings = config, config.training
        self.encoder = build_text_encoder(model.config.text_encoder, device=str(env.device))
        self.texts = caption_features(self.encoder, self.datasets, options.cache_dir, self.single, env, self.show)
        self.criterion = InteractionLoss(config.loss, self.mean, self.std).to(env.device)
        # a resumed run keeps the scheduler it saved (its sampling spacing); a new one takes today's default
        self.scheduler = DDIMScheduler.of_checkpoint(self.out) if self.state is not None else DDIMScheduler()
        self._build_optimisation()
        self.scorer, self.val_set = None, None
        if env.main and self.settings.eval_every > 0 and not self.single:  # the evaluator scores pairs
            self.scorer = periodic_scorer(config, env.device)
        if self.scorer is not None:
            self.val_set = InterHumanDataset(config.data[0].path, "val", mode="eval",
                                             max_frames=self.settings.max_frames, cache_dir=options.cache_dir,
                                             progress=False)
        self.log = CsvLog(self.out / "log.csv", LOG_COLUMNS) if env.main else None
        self.board = None
        if env.main and options.tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self.board = SummaryWriter(str(self.out / "tensorboard"))

    def _build_optimisation(self) -> None:
        """The mixture sampler and loader, the optimiser and its schedule; a resumed run's states restored."""
        settings, env = self.settings, self.env
        self.sampler = MixtureSampler([len(d) for d in self.datasets], [r.ratio for r in self.config.data],
                                      seed=settings.seed, rank=env.rank, world_size=env.world)
        self.per_rank_batch = max(settings.batch_size // env.world, 1)
        if self.sampler.per_rank < self.per_rank_batch:  # every epoch would be empty: training would never advance
            raise ValueError(f"an epoch has {self.sampler.per_rank} items (clips and mirrored copies) per process, "
                             f"fewer than the batch size {self.per_rank_batch}: lower --batch-size or add clips")
        # A generator of its own, so creating a loader iterator never draws from the global RNG.
        self.loader_rng = torch.Generator().manual_seed(settings.seed + env.rank)
        self.loader = DataLoader(ConcatDataset(self.datasets), batch_size=self.per_rank_batch, sampler=self.sampler,
                                 drop_last=True, num_workers=self.options.num_workers, generator=self.loader_rng,
                                 collate_fn=first_person_collate if self.single else None)
        self.net = torch.nn.parallel.DistributedDataParallel(self.model) if env.world > 1 else self.model
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=settings.lr,
                                           weight_decay=settings.weight_decay)
        self.lr_schedule = torch.optim.lr_scheduler.LambdaLR(self.optimizer,
                                                             warmup_cosine(settings.warmup_steps, settings.steps))
        self.step, self.epoch, self.batch_in_epoch = 0, 0, 0
        state = self.state
        if state is not None:
            self.optimizer.load_state_dict(state["optimizer"])
            self.lr_schedule.load_state_dict(state["lr_schedule"])
            self.step, self.epoch, self.batch_in_epoch = state["step"], state["epoch"], state["batch_in_epoch"]
            self.loader_rng.set_state(state["loader_rng"][env.rank])
            if self.batch_in_epoch * self.per_rank_batch >= self.sampler.per_rank:  # saved at an epoch's very end
                self.epoch, self.batch_in_epoch = self.epoch + 1, 0
            torch.set_rng_state(state["torch_rng"][env.rank] if env.world > 1 else state["torch_rng"][0])
        self.autocast = torch.autocast("cuda", dtype=torch.bfloat16) if env.device.type == "cuda" \
            else torch.autocast("cpu", enabled=False)

    # -- one step ----------------------------------------------------------------------------
    def train_step(self, batch: dict) -> dict[str, float]:
        """One optimiser step on ``batch``; the loss and its terms."""
        device, settings = self.env.device, self.settings
        longest = int(batch["length"].max())  # clips are padded to max_frames: drop the shared padding
        features = batch["features"][:, :1] if self.single else batch["features"]
        x0 = (features[:, :, :longest].to(device) - self.mean) / self.std
        frame_mask = batch["mask"][:, :longest].to(device)
        x0 = x0 * frame_mask[:, None, :, None]
        captions = batch["text_person1"] if self.single else batch["text"]
        words, word_mask, pooled = (t.to(device) for t in self.texts.batch(list(captions)))
        t = torch.randint(0, self.scheduler.config.num_train_timesteps, (x0.shape[0],), device=device)
        noisy = self.scheduler.add_noise(x0, torch.randn_like(x0), t)
        drop = drop_condition_mask(x0.shape[0], settings.text_dropout, device=device)
        given, timesteps = reaction_rows(x0.shape[0], t, settings.reaction_prob, device, x0.shape[1])
        known = given[:, :, None].expand(-1, -1, longest)
        if settings.prefix_prob:  # (no draw otherwise: a run without prefixes keeps its random stream)
            prefix = prefix_rows(batch["length"].to(device), longest, settings.prefix_prob,
                                 settings.prefix_min_frames, settings.prefix_max_frames)
            known = known | prefix[:, None]
            timesteps = torch.where(known, torch.zeros_like(t)[:, None, None], t[:, None, None])  # per frame
        noisy = torch.where(known[..., None], x0, noisy)
        with self.autocast:
            pred = self.net(noisy, timesteps, words, word_mask, pooled, frame_mask, drop)
        # given entries (a person, a prefix) are known: their "prediction" is the truth, so they add no
        # error, and the other frames are compared against their real partner and their real past
        pred = torch.where(known[..., None], x0, pred.float())
        loss, terms = self.criterion(pred, x0, frame_mask, t)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), settings.grad_clip)
        self.optimizer.step()
        self.lr_schedule.step()
        self.step += 1
        decay = min(settings.ema_decay, (1 + self.step) / (10 + self.step))
        with torch.no_grad():
            for e, p in zip(self.ema.parameters(), self.model.parameters()):
                e.lerp_(p, 1 - decay)
        return {"loss": loss.item(), **{k: v.item() for k, v in terms.items()}}

    # -- logging, evaluation and saving ------------------------------------------------------
    def log_row(self, window: list[dict], began: float) -> dict | None:
        """The CSV row of this step (mean losses since the last row, the periodic evaluation), or None."""
        settings, step = self.settings, self.step
        row = None
        if self.env.main and (step % settings.log_every == 0 or step == settings.steps):
            row = {"step": step, "epoch": self.epoch, "lr": f"{self.lr_schedule.get_last_lr()[0]:.3e}",
                   "seconds": f"{time.time() - began:.1f}",
                   **{("loss" if k == "loss" else f"loss_{k}"): f"{np.mean([w[k] for w in window]):.5f}"
                      for k in window[0]}}
        if self.scorer is not None and (step % settings.eval_every == 0 or step == settings.steps):
            result = evaluate_quick(self.ema, self.scheduler, self.encoder, self.mean, self.std, self.val_set,
                                    self.scorer, settings, self.env.device)
            row = row or {"step": step, "epoch": self.epoch}
            row.update({f"eval_{k}": f"{v:.4f}" for k, v in result.items()})
            tqdm.write(f"step {step}: eval R@1 {result['r1']:.3f} R@3 {result['r3']:.3f} FID {result['fid']:.3f}"
                       f" (ground truth R@1 {result['gt_r1']:.3f})")
        return row

    def write_row(self, row: dict) -> None:
        self.log.write(**row)
        if self.board is not None:
            for k, v in row.items():
                if k not in ("step", "epoch"):
                    self.board.add_scalar(k, float(v), self.step)

    def save(self) -> None:
        """The EMA model with the run's config, the exact training state, and every rank's checksum."""
        env, model = self.env, self.model
        checksums, rng, loader_states = [parameter_checksum(model)], [torch.get_rng_state()], \
            [self.loader_rng.get_state()]
        if env.world > 1:
            gathered: list = [None] * env.world
            dist.all_gather_object(gathered, (checksums[0], rng[0].tolist(), loader_states[0].tolist()))
            checksums = [g[0] for g in gathered]
            rng = [torch.tensor(g[1], dtype=torch.uint8) for g in gathered]
            loader_states = [torch.tensor(g[2], dtype=torch.uint8) for g in gathered]
        if not env.main:
            return
        pipe = Text2InteractPipeline(self.ema, self.scheduler, self.encoder, self.mean, self.std, env.device)
        pipe.save_pretrained(self.out, step=self.step, world_size=env.world, lineage=self.lineage,
                             **self.config.record())
        save_training_state(self.out, {"step": self.step, "epoch": self.epoch, "raw_weights": model.state_dict(),
                                       "ema_weights": self.ema.state_dict(), "optimizer": self.optimizer.state_dict(),
                                       "batch_in_epoch": self.batch_in_epoch,
                                       "lr_schedule": self.lr_schedule.state_dict(), "torch_rng": rng,
                                       "loader_rng": loader_states, "settings": asdict(self.settings)})
        atomic_write_text(self.out / "ranks.json", json.dumps({"step": self.step, "parameter_checksums": checksums}))

    # -- the loop ----------------------------------------------------------------------------
    def run(self) -> Path:
        settings, stop_after = self.settings, self.options.stop_after
        if self.state is None:
            self.save()  # the run's configuration sits beside it from its first step, not only at the first save
        last_step = settings.steps if stop_after is None else min(settings.steps, stop_after)
        bar = tqdm(total=settings.steps, initial=self.step, desc="training", unit="step", disable=not self.show)
        began, window = time.time(), []
        while self.step < last_step:
            # skip > 0 only when resuming mid-epoch
            self.sampler.set_epoch(self.epoch, skip=self.batch_in_epoch * self.per_rank_batch)
            for batch in self.loader:
                if self.step >= last_step:
                    break
                self.batch_in_epoch += 1
                window.append(self.train_step(batch))
                bar.update(1)
                if self.show:
                    bar.set_postfix(loss=f"{np.mean([w['loss'] for w in window[-50:]]):.4f}")
                row = self.log_row(window, began)
                if row is not None:
                    if "loss" in row:
                        window = []
                    self.write_row(row)
                if self.step % settings.save_every == 0 or self.step == last_step:
                    self.save()
            self.epoch, self.batch_in_epoch = self.epoch + 1, 0
        bar.close()
        self.env.barrier()
        self.env.close()
        return self.out


def train(config: TrainConfig, options: TrainOptions) -> Path:
    """Train ``config`` into ``options.out`` (or continue it there with ``options.resume``)."""
    return Trainer(config, options).run()


# -- the command line ---------------------------------------------------------------------------
def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", action="append", metavar="DIR[:RATIO]",
                   help="InterHuman-layout folder, InterCompose output or (single-person models) HumanML3D-layout "
                        "folder, optionally with a positive mixing "
                        "ratio after the last ':' (a tail that is not a number is part of the folder's name, "
                        "which must then exist); repeat for several (with --resume: the run's own)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--config", choices=sorted(CONFIGS), default=None,
                   help="model size (default small; with --init-from the checkpoint's, which it must match)")
    p.add_argument("--conditioning", choices=("word", "sentence"), default=None)
    p.add_argument("--head", choices=("linear", "conv"), default=None,
                   help="how tokens become frames (default: the config's; small uses conv)")
    p.add_argument("--interaction", choices=("adaptive", "distance_map"), default="adaptive",
                   help="adaptive = Text2Interact's AIL; distance_map = InterGen's DM (the ablation)")
    p.add_argument("--disable-loss", action="append", metavar="TERM",
                   help="set a LossConfig weight to 0 (e.g. --disable-loss ail), repeatable")
    defaults = InterActorTraining()
    for name in ("steps", "batch_size", "warmup_steps", "eval_every", "eval_clips", "save_every", "log_every",
                 "seed", "max_frames"):
        p.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name))
    p.add_argument("--lr", type=float, default=defaults.lr)
    p.add_argument("--reaction-prob", type=float, default=defaults.reaction_prob,
                   help="probability that one person of a sample is given clean (reaction training)")
    p.add_argument("--prefix-prob", type=float, default=defaults.prefix_prob,
                   help="probability that a sample's first frames (both persons) are given clean and left out of "
                        "the loss (prefix training: scenes then continue from clean frames, not inpainting)")
    p.add_argument("--prefix-min-frames", type=int, default=defaults.prefix_min_frames,
                   help=f"shortest clean prefix in frames (default {defaults.prefix_min_frames})")
    p.add_argument("--prefix-max-frames", type=int, default=defaults.prefix_max_frames,
                   help=f"longest clean prefix in frames, at most half the clip (default {defaults.prefix_max_frames})")
    p.add_argument("--ema-decay", type=float, default=defaults.ema_decay)
    p.add_argument("--loss-weight", action="append", metavar="TERM=WEIGHT",
                   help="set a LossConfig weight (e.g. --loss-weight vc=30), repeatable")
    p.add_argument("--init-from", type=Path, default=None,
                   help="start from this InterActor checkpoint folder (fine-tuning); checked before training")
    p.add_argument("--stats", type=Path, default=None, help="normalisation .npz (default: computed)")
    p.add_argument("--evaluator", type=Path, default=None, help=f"default: {SHIPPED_EVALUATOR}")
    p.add_argument("--resume", action="store_true",
                   help="continue the run saved in --out (its saved settings win over the flags)")
    p.add_argument("--stop-after", type=int, default=None,
                   help="stop (and save) after this many steps of the schedule; continue with --resume")
    p.add_argument("--num-workers", type=int, default=0)
    p.add_argument("--max-clips", type=int, default=None, help="use only the first N clips (smoke tests)")
    p.add_argument("--tensorboard", action="store_true")
    add_device_options(p)
    return p


def parse(argv: list[str] | None = None) -> tuple[TrainConfig, TrainOptions]:
    """The command line as a config and options; ValueError for a bad value."""
    args = parser().parse_args(argv)
    options = TrainOptions(out=args.out, resume=args.resume, stop_after=args.stop_after, device=args.device,
                           num_workers=args.num_workers, cache_dir=args.cache_dir, tensorboard=args.tensorboard,
                           progress=not args.quiet)
    if not args.data and not args.resume:
        raise ValueError("--data is required (with --resume the run's own folders are used)")
    defaults = asdict(InterActorTraining())
    training = InterActorTraining(**{k: getattr(args, k) for k in defaults if hasattr(args, k)})
    config = TrainConfig(
        data=tuple(DataRoot.parse(spec) for spec in args.data) if args.data else (DataRoot(args.out),),
        model=args.config, conditioning=args.conditioning, head=args.head,
        init_from=str(args.init_from) if args.init_from else None, stats=str(args.stats) if args.stats else None,
        loss=build_loss(args.interaction, args.loss_weight, args.disable_loss), training=training,
        max_clips=args.max_clips, evaluator=str(args.evaluator) if args.evaluator else None)
    return config, options


def main(argv: list[str] | None = None) -> int:
    try:
        train(*parse(argv))
    except (DataFolderError, CheckpointError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
