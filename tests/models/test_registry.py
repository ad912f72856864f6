import json

import pytest
import torch

from t2i_core.checkpoint import CONFIG_FILE, CheckpointError, read_config
from t2i_core.models.evaluator import EvaluatorConfig, InteractionEvaluator
from t2i_core.models.interactor import InterActor, InterActorConfig
from t2i_core.models.registry import (
    EVALUATOR,
    INTERACTOR,
    NORMALIZATION_FILE,
    CheckpointKind,
    get_kind,
    kind_of,
    load_checkpoint,
    register,
    registered_kinds,
    save_checkpoint,
)

TINY_EVALUATOR = EvaluatorConfig(patch_frames=4, motion_latent=32, motion_layers=1, motion_heads=2, motion_ff=64,
                                 text_source="encoder_tokens", text_encoder="minilm", text_input_dim=384,
                                 text_width=32, text_layers=1, text_heads=2, text_ff=64, embed_dim=16)


def perturbed(model):
    torch.manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    return model


def stats():
    return {"mean": torch.arange(262.0), "std": torch.full((262,), 2.0)}


def test_an_interactor_round_trips_with_its_statistics_and_extra_json(tmp_path):
    model = perturbed(InterActor(InterActorConfig.tiny()))
    save_checkpoint(tmp_path, model, tensors={NORMALIZATION_FILE: stats()}, step=12, note="x")
    loaded = load_checkpoint(tmp_path, INTERACTOR)
    assert loaded.kind is INTERACTOR and isinstance(loaded.model, InterActor) and not loaded.model.training
    assert loaded.config == model.config
    assert loaded.payload["step"] == 12 and loaded.payload["note"] == "x"
    assert loaded.payload["text_encoder"] == "minilm"  # the summary field, at the top of config.json
    for key, value in loaded.model.state_dict().items():
        assert torch.equal(value, model.state_dict()[key]), key
    assert torch.equal(loaded.tensors[NORMALIZATION_FILE]["mean"], stats()["mean"])
    assert torch.equal(loaded.tensors[NORMALIZATION_FILE]["std"], stats()["std"])


def test_the_kind_comes_from_the_model_class(tmp_path):
    assert kind_of(InteractionEvaluator(TINY_EVALUATOR)) is EVALUATOR
    save_checkpoint(tmp_path, InteractionEvaluator(TINY_EVALUATOR))
    assert read_config(tmp_path, "evaluator")["kind"] == "evaluator"
    assert load_checkpoint(tmp_path, "evaluator").config == TINY_EVALUATOR
    with pytest.raises(CheckpointError, match="holds a 'evaluator' checkpoint, expected 'interactor'"):
        load_checkpoint(tmp_path, INTERACTOR)
    with pytest.raises(CheckpointError, match="no checkpoint kind saves a Linear"):
        save_checkpoint(tmp_path / "other", torch.nn.Linear(2, 2))


def test_a_kinds_tensor_files_are_required_on_save_and_on_load(tmp_path):
    model = InterActor(InterActorConfig.tiny())
    with pytest.raises(ValueError, match="needs the tensor files"):
        save_checkpoint(tmp_path, model)
    save_checkpoint(tmp_path, model, tensors={NORMALIZATION_FILE: stats()})
    (tmp_path / NORMALIZATION_FILE).unlink()
    with pytest.raises(CheckpointError, match=f"has no {NORMALIZATION_FILE}"):
        load_checkpoint(tmp_path, INTERACTOR)


def test_unknown_config_keys_are_rejected_by_name(tmp_path):
    save_checkpoint(tmp_path, InteractionEvaluator(TINY_EVALUATOR))
    payload = json.loads((tmp_path / CONFIG_FILE).read_text())
    payload["config"]["motion_depth"] = 3
    (tmp_path / CONFIG_FILE).write_text(json.dumps(payload))
    with pytest.raises(CheckpointError, match=r"unknown EvaluatorConfig settings: \['motion_depth'\]; accepted: "):
        load_checkpoint(tmp_path, EVALUATOR)


def test_unknown_kinds_and_double_registrations_are_errors():
    assert {"interactor", "evaluator"} <= set(registered_kinds())
    with pytest.raises(CheckpointError, match="unknown checkpoint kind 'solo'; accepted: "):
        get_kind("solo")
    with pytest.raises(ValueError, match="already registered"):
        register(CheckpointKind("interactor", InterActorConfig, torch.nn.Linear))
    with pytest.raises(ValueError, match="already saved as kind 'interactor'"):
        register(CheckpointKind("interactor2", InterActorConfig, InterActor))
    assert "interactor2" not in registered_kinds()
