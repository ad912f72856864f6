"""Builders of the tiny models and folders the compose tests run on (plain functions, no fixtures)."""

from __future__ import annotations

from pathlib import Path

import torch

from t2i_core.diffusion.ddim import DDIMScheduler
from t2i_core.models.evaluator import EvaluatorConfig, InteractionEvaluator
from t2i_core.models.interactor import InterActor, InterActorConfig
from t2i_core.models.registry import save_checkpoint
from t2i_core.pipeline import Text2InteractPipeline
from tests.fixtures import build_folder

TINY_EVALUATOR = EvaluatorConfig(patch_frames=4, motion_layout="persons", motion_latent=32, motion_layers=1,
                                 motion_heads=2, motion_ff=64, dropout=0.0, text_source="encoder_tokens",
                                 text_encoder="minilm", text_input_dim=384, text_width=32, text_layers=1,
                                 text_heads=2, text_ff=64, embed_dim=16)
REAL_CLIPS = 8


def tiny_real_folder(root: Path, clips: int = REAL_CLIPS) -> Path:
    ids = [f"{i:04d}" for i in range(clips)]
    return build_folder(root, {"train": ids, "val": ids[:2], "test": ids[:2]})


def tiny_interactor(folder: Path, encoder, persons: int = 2, reaction_prob: float = 0.0) -> Path:
    """An untrained tiny InterActor with perturbed weights (a fresh one predicts zeros); ``persons`` 1 is a
    single-person prior; ``reaction_prob`` > 0 records reaction training in config.json as train_interactor does."""
    torch.manual_seed(0)
    model = InterActor(InterActorConfig.tiny(persons=persons))
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    pipe = Text2InteractPipeline(model, DDIMScheduler(), encoder, torch.zeros(262), torch.ones(262))
    return pipe.save_pretrained(folder, note="compose tests", training={"reaction_prob": reaction_prob})


def tiny_evaluator(folder: Path, seed: int = 1) -> Path:
    torch.manual_seed(seed)
    return save_checkpoint(folder, InteractionEvaluator(TINY_EVALUATOR))


def tiny_single_evaluator(folder: Path) -> Path:
    """An untrained tiny single-person evaluator (the per-person filter's kind)."""
    from dataclasses import replace

    torch.manual_seed(2)
    return save_checkpoint(folder, InteractionEvaluator(replace(TINY_EVALUATOR, motion_layout="single")))
