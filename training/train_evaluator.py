"""Train the text-motion evaluator with a symmetric InfoNCE loss.

    python -m training.train_evaluator --data DIR --out CKPT_DIR [--epochs 30] [--config small]

Writes ``CKPT_DIR/{model.safetensors, config.json}`` (latest), ``CKPT_DIR/best/`` (best validation
R@1, or mean of R@1 and twin accuracy when the data has twins), ``CKPT_DIR/log.csv``, and a
training state that ``--resume`` continues from exactly.

``--train-half {0,1}`` trains on one of two disjoint, stable halves of the training clips (by a
hash of the contrast group, else the id: ``t2i_core/data/halves.py``). InterCompose's filter
evaluator is trained this way with another seed (``--train-half 1 --seed 1``), so the instrument
that measures results (``assets/evaluator``) never chooses the synthetic data.
Captions that are identical within a batch are not used as each other's negatives.

On the procedural data set (a ``manifest.json`` with contrast groups) batches keep each clip next
to its contrast twin and a two-way twin loss (``--twin-weight``) makes the caption pick its own
motion over the twin's, so order-, side-, role- and speed-words are learned; validation reports
the twin accuracy per contrast kind and the best checkpoint is chosen by the mean of R@1 and it.

Roles ("then the first person ..." against "then the other person ...") defeat the twin loss alone:
both towers start blind to them, so each gives the other no consistent direction to learn (a
saddle), and the motion side must relate persons over time. Two training-only probes (on by
default; kept in the training state, not the checkpoint) break it, both from the manifest's phases:
* ``--actor-weight``: on every motion token of the ``persons`` layout, is this person the one
  acting now? A dense, first-order signal; without it a probe on the whole clip stayed at chance.
* ``--role-weight``: one linear probe, shared by both embeddings, predicts whether the last
  phase's actor started the clip. Shared, it puts that fact on the same axis in text and motion
  space, so it shows in their cosine.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader
from tqdm import tqdm

from t2i_core.checkpoint import CheckpointError, load_training_state, read_config, save_training_state
from t2i_core.data.interhuman import InterHumanDataset
from t2i_core.data.layout import DataFolderError
from t2i_core.data.roles import actor_labels, read_phases, same_actor_labels, token_labels
from t2i_core.data.solo import SoloMotionDataset, is_humanml3d_folder
from t2i_core.data.twins import (
    TwinBatchSampler,
    TwinRecord,
    content_keys,
    partner_indices,
    read_twin_records,
    twin_pairs,
)
from t2i_core.metrics import r_precision, twin_accuracy
from t2i_core.models.evaluator import EvaluatorConfig, InteractionEvaluator
from t2i_core.models.instruments import INSTRUMENT_KEY, ORACLE, is_oracle
from t2i_core.models.registry import EVALUATOR, load_checkpoint, save_checkpoint
from t2i_core.motion.stats import feature_stats
from t2i_core.text.cache import TextFeatureCache, text_cache_path
from t2i_core.text.registry import build_text_encoder
from training.common import CsvLog, dataset_captions, resolve_device, warmup_cosine

CONFIGS = {"small": EvaluatorConfig.small, "single": EvaluatorConfig.single}


@dataclass
class EvaluatorTraining:
    epochs: int = 30
    batch_size: int = 64
    lr: float = 3e-4
    weight_decay: float = 1e-4
    warmup_steps: int = 200
    grad_clip: float = 1.0
    max_frames: int = 300
    val_split: str = "val"
    seed: int = 0
    twin_batches: bool = True   # keep contrast twins in one batch (when the data has a manifest)
    twin_weight: float = 1.0    # weight of the two-way twin loss
    role_weight: float = 1.0    # weight of the shared same-actor probe (see the module docstring)
    # Weight of the per-token actor probe; None: 1 for the persons motion layout, 0 for the joint one.
    actor_weight: float | None = None
    init_from: str | None = None  # start from this evaluator checkpoint's weights (fine-tuning)
    train_half: int | None = None  # keep only this half (0 or 1) of the training clips (t2i_core/data/halves.py)


class RoleProbe(nn.Module):
    """Does the last phase's actor also start the clip? One linear probe read from both towers."""

    def __init__(self, embed_dim: int):
        super().__init__()
        self.shared = nn.Linear(embed_dim, 1)

    def loss(self, text_emb: torch.Tensor, motion_emb: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Binary cross-entropy over the items with a label (>= 0); zero when none has one."""
        known = labels >= 0
        if not bool(known.any()):
            return text_emb.sum() * 0.0
        target = labels[known]
        # Embeddings are unit vectors: scale the logits so the probes can become confident.
        text_logits = 10 * self.shared(text_emb[known]).squeeze(-1)
        motion_logits = 10 * self.shared(motion_emb[known]).squeeze(-1)
        return (F.binary_cross_entropy_with_logits(text_logits, target)
                + F.binary_cross_entropy_with_logits(motion_logits, target)) / 2


class ActorProbe(nn.Module):
    """Per motion token: is this token's person the one initiating the phase under way?"""

    def __init__(self, width: int):
        super().__init__()
        self.linear = nn.Linear(width, 1)

    def loss(self, tokens: torch.Tensor, token_mask: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """tokens (B, 2, n, W), token_mask (B, n), labels (B, 2, n) in {1, 0, -1 unknown}."""
        known = (labels >= 0) & token_mask[:, None, :]
        if not bool(known.any()):
            return tokens.sum() * 0.0
        logits = self.linear(tokens).squeeze(-1)
        return F.binary_cross_entropy_with_logits(logits[known], labels[known])


def _same_label(labels: list) -> torch.Tensor:
    ids = {t: i for i, t in enumerate(dict.fromkeys(labels))}
    numbers = torch.tensor([ids[t] for t in labels])
    return numbers[:, None] == numbers[None]


def not_negatives(texts: list[str], clip_ids: list[str], mirrored: list[bool], records) -> torch.Tensor:
    """(B, B) pairs that must not be each other's negatives: the same caption, or the same scene."""
    keys = [(key, flag) for key, flag in zip(content_keys(clip_ids, records), mirrored)]
    return _same_label(texts) | _same_label(keys)


def validate(model, dataset, texts_cache, device, batch_size,
             pairs: dict[str, list[tuple[int, int]]] | None = None) -> tuple[np.ndarray, dict[str, float]]:
    model.eval()
    text_emb, motion_emb = [], []
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False)
    with torch.no_grad():
        for batch in loader:
            tokens, mask, _ = texts_cache.batch(list(batch["text"]))
            text_emb.append(model.encode_text(tokens.to(device), mask.to(device)).cpu())
            motion_emb.append(model.encode_motion(batch["features"].to(device), batch["mask"].to(device)).cpu())
    model.train()
    texts, motions = torch.cat(text_emb).numpy(), torch.cat(motion_emb).numpy()
    return r_precision(texts, motions), twin_accuracy(texts, motions, pairs or {})


def root_prefix(index: int) -> str:
    """Clip ids of the second and later data roots are prefixed, so ids of two builds never collide."""
    return "" if index == 0 else f"root{index}/"


def open_split(roots: list[Path], split: str, mode: str, max_frames: int, cache_dir: Path | None):
    """One split of every root as one data set (the first root's object, holding every root's entries).

    Pairs come from InterHuman-layout folders, single persons from HumanML3D-layout folders; the two
    kinds never mix (an evaluator reads one or the other).
    """
    sets = []
    for root in roots:
        kind = SoloMotionDataset if is_humanml3d_folder(root) else InterHumanDataset
        sets.append(kind(root, split, mode=mode, max_frames=max_frames, cache_dir=cache_dir))
    if len({type(s) for s in sets}) > 1:
        raise ValueError("--data mixes HumanML3D-layout folders (one person) with InterHuman-layout folders (pairs): "
                         "an evaluator reads one kind")
    merged = sets[0]
    for index, other in enumerate(sets[1:], start=1):
        merged.entries = merged.entries + [dataclasses.replace(e, clip_id=root_prefix(index) + e.clip_id)
                                           for e in other.entries]
    return merged


def read_merged(roots: list[Path], read) -> dict:
    """``read(root)`` (clip id -> record) of every root, keyed by the merged data set's clip ids; contrast
    groups of later roots are shifted past the earlier ones' so groups of two builds never meet."""
    merged, offset = {}, 0
    for index, root in enumerate(roots):
        records = read(root)
        for clip_id, record in records.items():
            if isinstance(record, TwinRecord):
                record = TwinRecord(record.group + offset, record.contrast)
            merged[root_prefix(index) + clip_id] = record
        groups = [r.group for r in records.values() if isinstance(r, TwinRecord)]
        offset += max(groups, default=-1) + 1
    return merged


def train(data: Path | list[Path], out: Path, config_name: str, settings: EvaluatorTraining, device: torch.device,
          cache_dir: Path | None, resume: bool, max_clips: int | None = None,
          stop_after: int | None = None, oracle: bool = False) -> Path:
    torch.manual_seed(settings.seed)
    roots = [Path(d) for d in data] if isinstance(data, list | tuple) else [Path(data)]
    train_set = open_split(roots, "train", "train", settings.max_frames, cache_dir)
    val_set = open_split(roots, settings.val_split, "eval", settings.max_frames, cache_dir)
    records = read_merged(roots, read_twin_records)
    if settings.train_half is not None:
        from t2i_core.data.halves import keep_half

        keep = keep_half(train_set.clip_ids, records, settings.train_half)
        train_set.entries = [e for e, k in zip(train_set.entries, keep) if k]
    if max_clips is not None:
        train_set.entries = train_set.entries[:max_clips]
        val_set.entries = val_set.entries[:max_clips]
    if len(train_set) == 0 or len(val_set) < 2:
        raise ValueError(f"need training clips and at least 2 validation clips in {', '.join(map(str, roots))}")

    state = load_training_state(out) if resume else None
    if state is not None:
        model = load_checkpoint(out, EVALUATOR).model
        config = model.config
        settings = EvaluatorTraining(**state["settings"])
    elif settings.init_from is not None:
        model = load_checkpoint(settings.init_from, EVALUATOR).model
        config = model.config
    else:
        config = CONFIGS[config_name]()
        if (config.persons == 1) != isinstance(train_set, SoloMotionDataset):
            raise ValueError(f"--config {config_name} reads {config.persons} person(s) a clip, but --data holds "
                             f"{'single-person (HumanML3D-layout)' if config.persons == 2 else 'two-person'} clips; "
                             f"accepted: --config single with HumanML3D-layout folders, --config small with "
                             f"InterHuman-layout folders")
        model = InteractionEvaluator(config)
        mean, std = feature_stats(train_set.full_features(i) for i in range(len(train_set.entries)))
        model.set_input_stats(torch.from_numpy(mean), torch.from_numpy(std))
    model.to(device).train()

    encoder = build_text_encoder(config.text_encoder, device=str(device))
    text_cache_file = text_cache_path(cache_dir, encoder.name)
    texts = TextFeatureCache(encoder, text_cache_file)
    texts.add(dataset_captions(train_set) + dataset_captions(val_set), progress=True)
    texts.save()

    val_pairs = twin_pairs(val_set.clip_ids, records)
    generator = torch.Generator().manual_seed(settings.seed)
    if settings.twin_batches and records:
        sampler = TwinBatchSampler(train_set.clip_ids, records, train_set.mirror, settings.batch_size, generator)
        loader = DataLoader(train_set, batch_sampler=sampler)
    else:
        loader = DataLoader(train_set, batch_size=settings.batch_size, shuffle=True, drop_last=True,
                            generator=generator)
    total_steps = settings.epochs * len(loader)
    if settings.actor_weight is None:
        settings = replace(settings, actor_weight=1.0 if config.motion_layout == "persons" else 0.0)
    elif settings.actor_weight > 0 and config.motion_layout != "persons":
        raise ValueError(f"--actor-weight needs the persons motion layout; this evaluator's is "
                         f"{config.motion_layout!r} (pass --actor-weight 0)")
    # roles need two persons: a single-person evaluator trains on retrieval alone
    probes_apply = config.persons == 2 and (settings.actor_weight > 0 or settings.role_weight > 0)
    phases = read_merged(roots, read_phases) if probes_apply else {}
    use_roles = settings.role_weight > 0 and any(len(listed) >= 2 for listed in phases.values())
    use_actors = settings.actor_weight > 0 and bool(phases)
    # Built only when used: their initialisation draws from torch's RNG, which would change the run.
    probe = RoleProbe(config.embed_dim).to(device) if use_roles else None
    actor_probe = ActorProbe(config.motion_latent).to(device) if use_actors else None
    probes = [m for m in (probe, actor_probe) if m is not None]
    trainable = [p for p in model.parameters() if p.requires_grad] + [p for m in probes for p in m.parameters()]
    optimizer = torch.optim.AdamW(trainable, lr=settings.lr, weight_decay=settings.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(settings.warmup_steps, total_steps))
    start_epoch, best = 0, -1.0
    if state is not None:
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        generator.set_state(state["loader_rng"])
        if probe is not None and "probe" in state:
            probe.load_state_dict(state["probe"])
        if actor_probe is not None and "actor_probe" in state:
            actor_probe.load_state_dict(state["actor_probe"])
        torch.set_rng_state(state["torch_rng"])
        start_epoch, best = state["epoch"], state["best"]
        print(f"resuming at epoch {start_epoch + 1} of {settings.epochs}")
    log = CsvLog(out / "log.csv", ["epoch", "step", "loss", "twin_loss", "role_loss", "actor_loss", "val_r1",
                                   "val_r2", "val_r3", "val_twin", "seconds"])

    last_epoch = settings.epochs if stop_after is None else min(settings.epochs, stop_after)
    for epoch in range(start_epoch, last_epoch):
        began, losses, twin_losses, role_losses, actor_losses = time.time(), [], [], [], []
        bar = tqdm(loader, desc=f"epoch {epoch + 1}/{settings.epochs}", unit="batch")
        for batch in bar:
            text_list = list(batch["text"])
            tokens, mask, _ = texts.batch(text_list)
            longest = int(batch["length"].max())  # clips are padded to max_frames: drop the shared padding
            text_emb = model.encode_text(tokens.to(device), mask.to(device))
            features, frame_mask = batch["features"][:, :, :longest].to(device), batch["mask"][:, :longest].to(device)
            clip_ids, mirrored = list(batch["clip_id"]), [bool(m) for m in batch["mirrored"]]
            if use_actors:
                motion_emb, motion_tokens, token_mask = model.encode_motion_tokens(features, frame_mask)
                frame_labels = actor_labels(clip_ids, [bool(s) for s in batch["swapped"]],
                                            [int(s) for s in batch["crop_start"]], longest, phases)
                labels = token_labels(frame_labels, config.patch_frames, motion_tokens.shape[2]).to(device)
                actor = actor_probe.loss(motion_tokens, token_mask, labels)
                actor_losses.append(actor.item())
            else:
                motion_emb = model.encode_motion(features, frame_mask)
            loss = model.contrastive_loss(text_emb, motion_emb,
                                          not_negatives(text_list, clip_ids, mirrored, records).to(device))
            if settings.twin_weight > 0 and records:
                twin = model.twin_loss(text_emb, motion_emb, partner_indices(clip_ids, mirrored, records).to(device))
                twin_losses.append(twin.item())
                loss = loss + settings.twin_weight * twin
            if use_roles:
                role = probe.loss(text_emb, motion_emb, same_actor_labels(clip_ids, phases).to(device))
                role_losses.append(role.item())
                loss = loss + settings.role_weight * role
            if use_actors:
                loss = loss + settings.actor_weight * actor
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, settings.grad_clip)
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
            bar.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}")
        val, twins = validate(model, val_set, texts, device, settings.batch_size, val_pairs)
        seconds = time.time() - began
        twin_mean = float(np.mean(list(twins.values()))) if twins else None
        twin_text = "  twins " + ", ".join(f"{k} {v:.3f}" for k, v in twins.items()) if twins else ""
        print(f"epoch {epoch + 1}: loss {np.mean(losses):.4f}  val R@1 {val[0]:.3f} R@2 {val[1]:.3f} "
              f"R@3 {val[2]:.3f}{twin_text}  ({seconds:.0f} s)")
        log.write(epoch=epoch + 1, step=(epoch + 1) * len(loader), loss=f"{np.mean(losses):.5f}",
                  twin_loss=f"{np.mean(twin_losses):.5f}" if twin_losses else "",
                  role_loss=f"{np.mean(role_losses):.5f}" if role_losses else "",
                  actor_loss=f"{np.mean(actor_losses):.5f}" if actor_losses else "",
                  val_r1=f"{val[0]:.4f}", val_r2=f"{val[1]:.4f}", val_r3=f"{val[2]:.4f}",
                  val_twin=f"{twin_mean:.4f}" if twin_mean is not None else "", seconds=f"{seconds:.1f}")
        extra = {"text_encoder": encoder.name, "epoch": epoch + 1,
                 **({INSTRUMENT_KEY: ORACLE} if oracle else {}), "val_r_precision": val.tolist(),
                 "val_twin_accuracy": twins, "training": asdict(settings),
                 "data": str(roots[0]) if len(roots) == 1 else [str(r) for r in roots]}
        # Twins count as much as retrieval: an evaluator blind to order or roles is the failure we guard against.
        score = float(val[0]) if twin_mean is None else (float(val[0]) + twin_mean) / 2
        if score > best:
            best = score
            save_checkpoint(out / "best", model, **extra)
        save_checkpoint(out, model, **extra)
        save_training_state(out, {
            "epoch": epoch + 1, "best": best, "settings": asdict(settings),
            "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
            "loader_rng": generator.get_state(), "torch_rng": torch.get_rng_state(),
            **({"probe": probe.state_dict()} if probe is not None else {}),
            **({"actor_probe": actor_probe.state_dict()} if actor_probe is not None else {}),
        })
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, action="append", required=True,
                        help="InterHuman-layout folder (pairs; --config small) or HumanML3D-layout folder (one "
                             "person; --config single); repeat to train on several (ids of later ones are prefixed)")
    parser.add_argument("--out", type=Path, required=True, help="checkpoint folder")
    parser.add_argument("--config", choices=sorted(CONFIGS), default="small")
    parser.add_argument("--epochs", type=int, default=EvaluatorTraining.epochs)
    parser.add_argument("--batch-size", type=int, default=EvaluatorTraining.batch_size)
    parser.add_argument("--lr", type=float, default=EvaluatorTraining.lr)
    parser.add_argument("--val-split", default=EvaluatorTraining.val_split)
    parser.add_argument("--seed", type=int, default=EvaluatorTraining.seed)
    parser.add_argument("--twin-weight", type=float, default=EvaluatorTraining.twin_weight,
                        help="weight of the two-way loss between contrast twins (0 switches it off)")
    parser.add_argument("--role-weight", type=float, default=EvaluatorTraining.role_weight,
                        help="weight of the shared same-actor probe on both embeddings (0 switches it off)")
    parser.add_argument("--actor-weight", type=float, default=EvaluatorTraining.actor_weight,
                        help="weight of the per-token who-acts-now probe (default: 1 for the persons motion "
                             "layout, 0 for the joint one; 0 switches it off)")
    parser.add_argument("--init-from", type=Path, default=None,
                        help="start from this evaluator checkpoint's weights (its config wins over --config)")
    parser.add_argument("--train-half", type=int, choices=(0, 1), default=None,
                        help="train on one of two disjoint halves of the training clips (twins stay together); "
                             "the filter evaluator of InterCompose uses the other half from the protocol's")
    parser.add_argument("--oracle", action="store_true",
                        help="mark the checkpoint as an oracle evaluator: it measures out-of-distribution "
                             "generation and every command that selects data or checkpoints refuses it")
    parser.add_argument("--no-twin-batches", action="store_true",
                        help="shuffle freely instead of keeping contrast twins in one batch")
    parser.add_argument("--device", default="auto", help="cpu, cuda or auto")
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--resume", action="store_true",
                        help="continue the run saved in --out (its saved settings win over the flags)")
    parser.add_argument("--stop-after", type=int, default=None,
                        help="stop after this many epochs of the schedule (continue later with --resume)")
    parser.add_argument("--max-clips", type=int, default=None, help="use only the first N clips (smoke tests)")
    args = parser.parse_args(argv)
    settings = EvaluatorTraining(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                                 val_split=args.val_split, seed=args.seed, twin_weight=args.twin_weight,
                                 twin_batches=not args.no_twin_batches, role_weight=args.role_weight,
                                 actor_weight=args.actor_weight, train_half=args.train_half,
                                 init_from=str(args.init_from) if args.init_from else None)
    for flag, value in (("--twin-weight", args.twin_weight), ("--role-weight", args.role_weight),
                        ("--actor-weight", args.actor_weight)):
        if value is not None and value < 0:
            print(f"error: {flag} must be 0 or more, got {value}", file=sys.stderr)
            return 2
    try:
        if args.init_from is not None and not args.resume:
            read_config(args.init_from, EVALUATOR.name)  # a clear error when it is not an evaluator checkpoint
        if args.resume:
            read_config(args.out, EVALUATOR.name)  # a clear error when there is nothing to resume
        oracle = args.oracle or (args.resume and is_oracle(args.out))  # a resumed oracle stays one
        train(args.data, args.out, args.config, settings, resolve_device(args.device), args.cache_dir,
              args.resume, args.max_clips, args.stop_after, oracle=oracle)
    except (DataFolderError, ValueError, CheckpointError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps({"checkpoint": str(args.out)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
