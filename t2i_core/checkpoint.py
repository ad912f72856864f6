"""Checkpoints: safetensors for tensors + JSON for everything else. Nothing is ever unpickled.

A checkpoint folder holds ``model.safetensors`` and ``config.json`` (``{"kind", "config", ...}``),
and, for resumable training, ``training_state.safetensors`` + ``training_state.json`` where
nested optimizer/scheduler/RNG state is flattened into named tensors and a JSON skeleton.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields, is_dataclass
from pathlib import Path
from typing import Any, TypeVar

import torch
from safetensors.torch import load_file, save

from t2i_core.io import atomic_write_bytes, atomic_write_text

MODEL_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
STATE_FILE = "training_state.safetensors"
STATE_JSON = "training_state.json"

ConfigT = TypeVar("ConfigT")


class CheckpointError(ValueError):
    """A folder that is not a checkpoint of the expected kind."""


def config_from_dict(cls: type[ConfigT], values: dict[str, Any], source: str | Path | None = None) -> ConfigT:
    """Build a config dataclass from stored settings; lists become tuples again.

    Missing settings take the dataclass defaults (configs written before a setting existed still
    load); an unknown one is an error, since silently dropping it would build another model than
    the one that was saved. ``source`` names the file in the message.
    """
    where = f"{source} " if source is not None else ""
    if not isinstance(values, dict):
        raise CheckpointError(f"{where}holds {type(values).__name__} settings for {cls.__name__}, expected a mapping")
    accepted = [f.name for f in fields(cls)]
    unknown = sorted(set(values) - set(accepted))
    if unknown:
        raise CheckpointError(f"{where}has unknown {cls.__name__} settings: {unknown}; accepted: {', '.join(accepted)}")
    return cls(**{name: tuple(value) if isinstance(value, list) else value for name, value in values.items()})


def save_model(folder: str | Path, kind: str, model: torch.nn.Module, config: Any, **extra: Any) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    atomic_write_bytes(folder / MODEL_FILE, save(tensors))
    payload = {"kind": kind, "config": asdict(config) if is_dataclass(config) else config, **extra}
    atomic_write_text(folder / CONFIG_FILE, json.dumps(payload, indent=2, sort_keys=True))
    return folder


def read_config(folder: str | Path, kind: str) -> dict[str, Any]:
    folder = Path(folder)
    config_path = folder / CONFIG_FILE
    if not folder.is_dir() or not config_path.is_file() or not (folder / MODEL_FILE).is_file():
        raise CheckpointError(
            f"{folder} is not a checkpoint folder: expected {MODEL_FILE} and {CONFIG_FILE} inside it"
        )
    try:
        payload = json.loads(config_path.read_text())
    except json.JSONDecodeError as error:
        raise CheckpointError(f"{config_path} is not valid JSON: {error}") from error
    if payload.get("kind") != kind:
        raise CheckpointError(f"{folder} holds a {payload.get('kind')!r} checkpoint, expected {kind!r}")
    return payload


def continued_lineage(parent: dict[str, Any], parent_folder: str | Path) -> list[dict[str, Any]]:
    """The ``lineage`` of a run started from the checkpoint ``parent`` (its config.json payload): the
    runs before it, oldest first, each with the steps it trained. A run records it in its config.json."""
    step = parent.get("step")
    return [*parent.get("lineage", []), {"init_from": str(parent_folder), "step": step if isinstance(step, int) else 0}]


def training_steps(payload: dict[str, Any]) -> tuple[int, int] | None:
    """(steps over the whole chain of ``init_from`` runs, how many runs), or None without a step count."""
    step = payload.get("step")
    if not isinstance(step, int):
        return None
    earlier = payload.get("lineage", [])
    return step + sum(int(run.get("step", 0)) for run in earlier), 1 + len(earlier)


def load_weights(folder: str | Path) -> dict[str, torch.Tensor]:
    return load_file(str(Path(folder) / MODEL_FILE))


# -- nested training state <-> tensors + JSON ------------------------------------------------
def _flatten(obj: Any, prefix: str, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(obj, torch.Tensor):
        name = f"{prefix}"
        tensors[name] = obj.detach().to("cpu").contiguous()
        return {"__tensor__": name}
    if isinstance(obj, dict):
        return {"__dict__": [[_flatten(k, f"{prefix}.k{i}", tensors), _flatten(v, f"{prefix}.{i}", tensors)]
                             for i, (k, v) in enumerate(obj.items())]}
    if isinstance(obj, list | tuple):
        items = [_flatten(v, f"{prefix}.{i}", tensors) for i, v in enumerate(obj)]
        return {"__tuple__": items} if isinstance(obj, tuple) else items
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    raise TypeError(f"cannot store {type(obj).__name__} in a training state")


def _unflatten(obj: Any, tensors: dict[str, torch.Tensor]) -> Any:
    if isinstance(obj, dict):
        if "__tensor__" in obj:
            return tensors[obj["__tensor__"]]
        if "__dict__" in obj:
            return {_unflatten(k, tensors): _unflatten(v, tensors) for k, v in obj["__dict__"]}
        if "__tuple__" in obj:
            return tuple(_unflatten(v, tensors) for v in obj["__tuple__"])
    if isinstance(obj, list):
        return [_unflatten(v, tensors) for v in obj]
    return obj


def save_training_state(folder: str | Path, state: dict[str, Any]) -> None:
    folder = Path(folder)
    tensors: dict[str, torch.Tensor] = {}
    skeleton = _flatten(state, "s", tensors)
    atomic_write_bytes(folder / STATE_FILE, save(tensors))
    atomic_write_text(folder / STATE_JSON, json.dumps(skeleton))


def load_training_state(folder: str | Path) -> dict[str, Any] | None:
    folder = Path(folder)
    if not (folder / STATE_FILE).is_file() or not (folder / STATE_JSON).is_file():
        return None
    return _unflatten(json.loads((folder / STATE_JSON).read_text()), load_file(str(folder / STATE_FILE)))
