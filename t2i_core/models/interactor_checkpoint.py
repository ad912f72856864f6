"""InterActor checkpoints: weights (EMA) + config + normalisation stats + the text encoder's name."""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_file, save

from t2i_core.checkpoint import config_from_dict, load_weights, read_config, save_model
from t2i_core.io import atomic_write_bytes
from t2i_core.models.interactor import InterActor, InterActorConfig

KIND = "interactor"
STATS_FILE = "normalization.safetensors"


def save_interactor(folder: str | Path, model: InterActor, mean: torch.Tensor, std: torch.Tensor, **extra) -> Path:
    folder = Path(folder)
    save_model(folder, KIND, model, model.config, text_encoder=model.config.text_encoder, **extra)
    stats = {"mean": torch.as_tensor(mean).float().contiguous(), "std": torch.as_tensor(std).float().contiguous()}
    atomic_write_bytes(folder / STATS_FILE, save(stats))
    return folder


def load_interactor(folder: str | Path) -> tuple[InterActor, torch.Tensor, torch.Tensor, dict]:
    """Model (eval mode), mean, std and the JSON payload of a checkpoint folder."""
    payload = read_config(folder, KIND)
    stats_path = Path(folder) / STATS_FILE
    if not stats_path.is_file():
        from t2i_core.checkpoint import CheckpointError

        raise CheckpointError(f"{folder} has no {STATS_FILE} (the normalisation statistics)")
    model = InterActor(config_from_dict(InterActorConfig, payload["config"]))
    model.load_state_dict(load_weights(folder))
    stats = load_file(str(stats_path))
    return model.eval(), stats["mean"], stats["std"], payload
