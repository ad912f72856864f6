"""A study's configuration: prompts x systems x seeds, read from JSON with clear errors.

A system is a checkpoint folder plus sampling settings, so one checkpoint already makes a study
(guidance 1 against 3.5, DDIM-10 against 50). Checkpoint paths are relative to the config file.

    {"name": "demo", "prompts": ["..."], "seeds": [0], "seconds": 3, "gold_rate": 0.2,
     "systems": [{"name": "cfg1", "checkpoint": "../interactor", "guidance_scale": 1.0, "steps": 20}, ...]}

A system's ``physics`` (physical guidance while sampling) defaults to the app's default, so a study
rates what visitors of the app get.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, fields
from pathlib import Path

from t2i_core.checkpoint import CheckpointError, read_config
from t2i_core.pipeline import DEFAULT_GUIDANCE, DEFAULT_PHYSICS, DEFAULT_STEPS, SECONDS_RANGE, STEPS_RANGE

GENERATOR_KIND = "interactor"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")  # also used in clip file names
MAX_GOLD_RATE = 0.5


class StudyConfigError(ValueError):
    """A study config that cannot be used; the message says what is wrong and what is accepted."""


@dataclass(frozen=True)
class SystemConfig:
    name: str                                # hidden from raters; letters, digits, '_', '-', '.'
    checkpoint: Path                         # an InterActor checkpoint folder
    guidance_scale: float = DEFAULT_GUIDANCE
    steps: int = DEFAULT_STEPS               # DDIM steps
    physics: bool = DEFAULT_PHYSICS          # physical guidance while sampling, as the app does by default

    def settings(self) -> dict:
        """What decides this system's clips (a clip made with other settings is regenerated)."""
        return {"checkpoint": str(self.checkpoint), "guidance_scale": float(self.guidance_scale),
                "steps": int(self.steps), "physics": bool(self.physics)}


@dataclass(frozen=True)
class StudyConfig:
    name: str
    prompts: tuple[str, ...]
    systems: tuple[SystemConfig, ...]
    seeds: tuple[int, ...] = (0,)
    seconds: float = 4.0          # every clip's length
    gold_rate: float = 0.2        # share of gold trials among all trials (0 disables them)
    seed: int = 0                 # randomises the gold trials' clips; sides are randomised per rater


def _check_keys(values: dict, cls: type, where: str) -> None:
    known = [f.name for f in fields(cls)]
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise StudyConfigError(f"{where}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                               f"accepted keys are {', '.join(known)}")


def _number(value, name: str, where: str, integer: bool = False) -> float | int:
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or not math.isfinite(value):
        raise StudyConfigError(f"{where}: {name} must be {'an integer' if integer else 'a number'}, got {value!r}")
    return int(value) if integer else float(value)


def _name(value, where: str) -> str:
    if not isinstance(value, str) or not NAME_PATTERN.match(value):
        raise StudyConfigError(f"{where}: name must be 1-40 letters, digits, '_', '-' or '.', got {value!r}")
    return value


def _system(values, index: int, base: Path, check_checkpoints: bool) -> SystemConfig:
    where = f"systems[{index}]"
    if not isinstance(values, dict):
        raise StudyConfigError(f"{where} must be an object with name and checkpoint, got {values!r}")
    _check_keys(values, SystemConfig, where)
    for key in ("name", "checkpoint"):
        if key not in values:
            raise StudyConfigError(f"{where}: missing {key!r}")
    name = _name(values["name"], where)
    where = f"system {name!r}"
    if not isinstance(values["checkpoint"], str) or not values["checkpoint"].strip():
        raise StudyConfigError(f"{where}: checkpoint must be a folder path, got {values['checkpoint']!r}")
    checkpoint = Path(values["checkpoint"]).expanduser()
    checkpoint = checkpoint if checkpoint.is_absolute() else base / checkpoint
    guidance = _number(values.get("guidance_scale", DEFAULT_GUIDANCE), "guidance_scale", where)
    steps = _number(values.get("steps", DEFAULT_STEPS), "steps", where, integer=True)
    if guidance < 0:
        raise StudyConfigError(f"{where}: guidance_scale must be 0 or more, got {guidance:g}")
    if not STEPS_RANGE[0] <= steps <= STEPS_RANGE[1]:
        raise StudyConfigError(f"{where}: steps must be between {STEPS_RANGE[0]} and {STEPS_RANGE[1]}, got {steps}")
    physics = values.get("physics", DEFAULT_PHYSICS)
    if not isinstance(physics, bool):
        raise StudyConfigError(f"{where}: physics must be true or false, got {physics!r}")
    if check_checkpoints:
        try:
            read_config(checkpoint, GENERATOR_KIND)
        except CheckpointError as error:
            raise StudyConfigError(f"{where}: the checkpoint cannot be used: {error}") from error
    return SystemConfig(name, checkpoint.resolve(), guidance, steps, physics)


def study_config_from_dict(values: dict, base: Path, check_checkpoints: bool = True) -> StudyConfig:
    """The config of ``values`` (paths relative to ``base``); StudyConfigError on anything wrong."""
    if not isinstance(values, dict):
        raise StudyConfigError(f"a study config is a JSON object, got {type(values).__name__}")
    _check_keys(values, StudyConfig, "study config")
    for key in ("name", "prompts", "systems"):
        if key not in values:
            raise StudyConfigError(f"study config: missing {key!r}")
    name = _name(values["name"], "study config")
    prompts = values["prompts"]
    if not isinstance(prompts, list) or not prompts:
        raise StudyConfigError("study config: prompts must be a non-empty list of sentences, got "
                               f"{prompts!r}")
    for i, prompt in enumerate(prompts):
        if not isinstance(prompt, str) or not prompt.strip():
            raise StudyConfigError(f"study config: prompts[{i}] must be a non-empty sentence, got {prompt!r}")
    prompts = [" ".join(p.split()) for p in prompts]
    if len(set(prompts)) != len(prompts):
        raise StudyConfigError("study config: prompts must differ from each other (a prompt is listed twice)")
    systems = values["systems"]
    if not isinstance(systems, list) or len(systems) < 2:
        raise StudyConfigError("study config: systems must list at least two systems to compare, got "
                               f"{systems!r}")
    parsed = [_system(s, i, base, check_checkpoints) for i, s in enumerate(systems)]
    names = [s.name for s in parsed]
    if len(set(names)) != len(names):
        raise StudyConfigError(f"study config: system names must be unique, got {', '.join(names)}")
    seeds = values.get("seeds", [0])
    if not isinstance(seeds, list) or not seeds:
        raise StudyConfigError(f"study config: seeds must be a non-empty list of integers, got {seeds!r}")
    seeds = [_number(s, "each seed", "study config", integer=True) for s in seeds]
    if len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise StudyConfigError(f"study config: seeds must be distinct integers of 0 or more, got {seeds}")
    seconds = _number(values.get("seconds", 4.0), "seconds", "study config")
    if not SECONDS_RANGE[0] <= seconds <= SECONDS_RANGE[1]:
        raise StudyConfigError(f"study config: seconds must be between {SECONDS_RANGE[0]:g} and "
                               f"{SECONDS_RANGE[1]:g}, got {seconds:g}")
    gold_rate = _number(values.get("gold_rate", 0.2), "gold_rate", "study config")
    if not 0 <= gold_rate <= MAX_GOLD_RATE:
        raise StudyConfigError(f"study config: gold_rate must be between 0 and {MAX_GOLD_RATE:g}, got {gold_rate:g}")
    seed = _number(values.get("seed", 0), "seed", "study config", integer=True)
    return StudyConfig(name, tuple(prompts), tuple(parsed), tuple(seeds), seconds, gold_rate, seed)


def load_study_config(path: str | Path, check_checkpoints: bool = True) -> StudyConfig:
    """Read a study config file; StudyConfigError says what is wrong (missing checkpoint, no prompts, ...)."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise StudyConfigError(f"no study config file at {path}")
    try:
        values = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise StudyConfigError(f"{path} is not valid JSON: {error}") from error
    try:
        return study_config_from_dict(values, path.resolve().parent, check_checkpoints)
    except StudyConfigError as error:
        raise StudyConfigError(f"{path}: {error}") from error
