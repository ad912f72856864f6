"""Tiny models and a tiny real folder shared by the compose tests (built once per session)."""

from __future__ import annotations

import pytest
import torch

from t2i_core.diffusion.ddim import DDIMScheduler
from t2i_core.models.evaluator import EvaluatorConfig, InteractionEvaluator
from t2i_core.models.interactor import InterActor, InterActorConfig
from t2i_core.models.scorer import save_evaluator
from t2i_core.pipeline import Text2InteractPipeline
from tests.fixtures import build_folder

TINY_EVALUATOR = EvaluatorConfig(patch_frames=4, motion_layout="persons", motion_latent=32, motion_layers=1,
                                 motion_heads=2, motion_ff=64, dropout=0.0, text_source="encoder_tokens",
                                 text_encoder="minilm", text_input_dim=384, text_width=32, text_layers=1,
                                 text_heads=2, text_ff=64, embed_dim=16)
REAL_CLIPS = 8


@pytest.fixture(scope="session")
def encoder():
    from t2i_core.text import build_text_encoder

    return build_text_encoder("minilm")


@pytest.fixture(scope="session")
def real_folder(tmp_path_factory):
    ids = [f"{i:04d}" for i in range(REAL_CLIPS)]
    return build_folder(tmp_path_factory.mktemp("real"), {"train": ids, "val": ids[:2], "test": ids[:2]})


@pytest.fixture(scope="session")
def interactor_dir(tmp_path_factory, encoder):
    """An untrained tiny InterActor with perturbed weights (a fresh one predicts zeros)."""
    torch.manual_seed(0)
    model = InterActor(InterActorConfig.tiny())
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    pipe = Text2InteractPipeline(model, DDIMScheduler(), encoder, torch.zeros(262), torch.ones(262))
    return pipe.save_pretrained(tmp_path_factory.mktemp("interactor"), note="compose tests")


@pytest.fixture(scope="session")
def evaluator_dir(tmp_path_factory):
    torch.manual_seed(1)
    return save_evaluator(tmp_path_factory.mktemp("filter_evaluator"), InteractionEvaluator(TINY_EVALUATOR),
                          text_encoder="minilm")
