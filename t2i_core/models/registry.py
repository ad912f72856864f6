"""One checkpoint registry: each kind of model names its config class, its model class and its files.

    save_checkpoint(folder, model, tensors={NORMALIZATION_FILE: {"mean": m, "std": s}}, step=10)
    loaded = load_checkpoint(folder, kind="interactor")
    loaded.model, loaded.config, loaded.payload, loaded.tensors[NORMALIZATION_FILE]["mean"]

A folder holds ``model.safetensors`` + ``config.json`` (``t2i_core.checkpoint``, the
low-level layer) and the kind's extra tensor files (safetensors, one dict of named tensors each). The kind is
looked up from the model's class when saving and checked against ``config.json`` when loading.
A new model registers in one line below, e.g.
``SOLO = register(CheckpointKind("solo", SoloConfig, SoloDenoiser, summary_fields=("text_encoder",)))``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save

from t2i_core.checkpoint import CONFIG_FILE, CheckpointError, config_from_dict, load_weights, read_config, save_model
from t2i_core.io import atomic_write_bytes
from t2i_core.models.evaluator import EvaluatorConfig, InteractionEvaluator
from t2i_core.models.interactor import InterActor, InterActorConfig

NORMALIZATION_FILE = "normalization.safetensors"  # a denoiser's feature mean/std


@dataclass(frozen=True)
class CheckpointKind:
    name: str                              # config.json's "kind"
    config_class: type                     # the config dataclass; the model is model_class(config)
    model_class: type[torch.nn.Module]
    tensor_files: tuple[str, ...] = ()     # extra safetensors files every checkpoint of the kind has
    summary_fields: tuple[str, ...] = ()   # config fields also written at the top of config.json


@dataclass
class LoadedCheckpoint:
    kind: CheckpointKind
    model: torch.nn.Module                 # weights loaded, eval mode, on the CPU
    config: Any
    payload: dict[str, Any]                # all of config.json (training settings, step, ...)
    tensors: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)  # file name -> tensors


_KINDS: dict[str, CheckpointKind] = {}


def register(kind: CheckpointKind) -> CheckpointKind:
    """Add a kind (once per name and per model class, so saving can find it from the model)."""
    if kind.name in _KINDS:
        raise ValueError(f"a checkpoint kind named {kind.name!r} is already registered")
    for other in _KINDS.values():
        if other.model_class is kind.model_class:
            raise ValueError(f"{kind.model_class.__name__} is already saved as kind {other.name!r}")
    _KINDS[kind.name] = kind
    return kind


def registered_kinds() -> tuple[str, ...]:
    return tuple(_KINDS)


def get_kind(kind: str | CheckpointKind) -> CheckpointKind:
    name = kind.name if isinstance(kind, CheckpointKind) else kind
    if name not in _KINDS:
        raise CheckpointError(f"unknown checkpoint kind {name!r}; accepted: {', '.join(_KINDS)}")
    return _KINDS[name]


def kind_of(model: torch.nn.Module) -> CheckpointKind:
    for kind in _KINDS.values():
        if type(model) is kind.model_class:
            return kind
    raise CheckpointError(f"no checkpoint kind saves a {type(model).__name__}; registered: "
                          + ", ".join(f"{k.name} ({k.model_class.__name__})" for k in _KINDS.values()))


def save_checkpoint(folder: str | Path, model: torch.nn.Module,
                    tensors: dict[str, dict[str, torch.Tensor]] | None = None, **extra: Any) -> Path:
    """Write the model's weights, config (+ ``extra`` JSON) and its kind's tensor files into ``folder``."""
    kind = kind_of(model)
    tensors = tensors or {}
    if set(tensors) != set(kind.tensor_files):
        raise ValueError(f"a {kind.name} checkpoint needs the tensor files {list(kind.tensor_files)}, "
                         f"got {sorted(tensors)}")
    summary = {name: getattr(model.config, name) for name in kind.summary_fields}
    folder = save_model(folder, kind.name, model, model.config, **{**extra, **summary})
    for name in kind.tensor_files:
        contents = {key: value.detach().to("cpu").contiguous() for key, value in tensors[name].items()}
        atomic_write_bytes(folder / name, save(contents))
    return folder


def check_checkpoint(folder: str | Path, kind: str | CheckpointKind) -> dict[str, Any]:
    """``config.json`` of a checkpoint folder of ``kind`` with all its files present, weights not read:
    a folder with no checkpoint, of another kind or missing a file is a CheckpointError."""
    kind = get_kind(kind)
    folder = Path(folder)
    payload = read_config(folder, kind.name)
    missing = [name for name in kind.tensor_files if not (folder / name).is_file()]
    if missing:
        raise CheckpointError(f"{folder} has no {', '.join(missing)} (a {kind.name} checkpoint needs it)")
    return payload


def load_checkpoint(folder: str | Path, kind: str | CheckpointKind) -> LoadedCheckpoint:
    """Read a checkpoint folder of ``kind``; a folder of another kind or missing files is a CheckpointError."""
    kind = get_kind(kind)
    folder = Path(folder)
    payload = check_checkpoint(folder, kind)
    config = config_from_dict(kind.config_class, payload.get("config", {}), source=folder / CONFIG_FILE)
    model = kind.model_class(config)
    model.load_state_dict(load_weights(folder))
    tensors = {name: load_file(str(folder / name)) for name in kind.tensor_files}
    return LoadedCheckpoint(kind, model.eval(), config, payload, tensors)


INTERACTOR = register(CheckpointKind("interactor", InterActorConfig, InterActor, tensor_files=(NORMALIZATION_FILE,),
                                     summary_fields=("text_encoder",)))
EVALUATOR = register(CheckpointKind("evaluator", EvaluatorConfig, InteractionEvaluator,
                                    summary_fields=("text_encoder",)))
