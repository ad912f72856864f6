"""Generate every clip of a study in advance, so raters never wait for a model.

Resumable: a clip already on disk made with the same settings is kept, so a second run writes
nothing and loads no model; a clip whose system settings changed is made again. Every file is
written whole or not at all; ``study.json`` comes last.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from t2i_core.io import atomic_write_text, save_npz
from t2i_core.pipeline import FPS, Text2InteractPipeline
from t2i_core.study.config import StudyConfig, SystemConfig
from t2i_core.study.prepared import CLIPS, FORMAT, MANIFEST, clip_name, joints_to_millimetres, read_clip
from t2i_core.study.trials import make_trials


@dataclass(frozen=True)
class PrepareReport:
    written: list[str]
    kept: list[str]
    manifest: Path


def _relative(path: Path, start: Path) -> str:
    """``path`` relative to ``start`` where possible, so a study folder moved with its models still resumes."""
    try:
        return os.path.relpath(path, start)
    except ValueError:  # another drive on Windows
        return str(path)


def _expected(config: StudyConfig, system, prompt: int, seed: int, out: Path) -> dict:
    return {**system.settings(), "checkpoint": _relative(system.checkpoint, out), "prompt": config.prompts[prompt],
            "seed": int(seed), "seconds": float(config.seconds)}


def _is_current(path: Path, expected: dict) -> bool:
    if not path.is_file():
        return False
    try:
        _, settings = read_clip(path)
    except (OSError, ValueError, KeyError):  # a damaged file is made again
        return False
    return settings == expected


def manifest_dict(config: StudyConfig, out: Path) -> dict:
    return {
        "format": FORMAT, "name": config.name, "prompts": list(config.prompts), "seeds": list(config.seeds),
        "seconds": config.seconds, "fps": FPS, "gold_rate": config.gold_rate,
        "salt": f"{config.name}:{config.seed}",
        "systems": [{**s.settings(), "name": s.name, "checkpoint": _relative(s.checkpoint, out)}
                    for s in config.systems],
        "trials": [t.to_dict() for t in make_trials(config)],
    }


@dataclass(frozen=True)
class ClipJob:
    system: SystemConfig
    prompt: int
    seed: int
    name: str
    settings: dict


def plan_clips(config: StudyConfig, out: Path) -> tuple[list[ClipJob], list[str]]:
    """(clips to make, names of clips already there with the same settings)."""
    todo, kept = [], []
    for system in config.systems:
        for p in range(len(config.prompts)):
            for seed in config.seeds:
                job = ClipJob(system, p, int(seed), clip_name(system.name, p, seed),
                              _expected(config, system, p, seed, out))
                if _is_current(out / CLIPS / job.name, job.settings):
                    kept.append(job.name)
                else:
                    todo.append(job)
    return todo, kept


def prepare_study(config: StudyConfig, out: str | Path, device: str = "cpu", progress: bool = True) -> PrepareReport:
    """Write every clip of ``config`` under ``out`` (skipping current ones), then ``study.json``."""
    out = Path(out).expanduser().resolve()
    (out / CLIPS).mkdir(parents=True, exist_ok=True)
    todo, kept = plan_clips(config, out)
    written = []
    pipelines: dict[Path, Text2InteractPipeline] = {}  # loaded only when a clip is missing
    with tqdm(total=len(todo) + len(kept), initial=len(kept), desc=f"study {config.name}", unit="clip",
              disable=not progress) as bar:
        for job in todo:
            system = job.system
            if system.checkpoint not in pipelines:
                pipelines[system.checkpoint] = Text2InteractPipeline.from_pretrained(system.checkpoint, device=device)
            result = pipelines[system.checkpoint](config.prompts[job.prompt], seconds=config.seconds, seed=job.seed,
                                                  guidance_scale=system.guidance_scale, steps=system.steps,
                                                  physics=system.physics)
            save_npz(out / CLIPS / job.name, joints_mm=joints_to_millimetres(result.joints[0]),
                     fps=np.array(result.fps), settings=np.array(json.dumps(job.settings, sort_keys=True)))
            written.append(job.name)
            bar.update(1)
    manifest = out / MANIFEST
    atomic_write_text(manifest, json.dumps(manifest_dict(config, out), indent=1) + "\n")
    return PrepareReport(written, kept, manifest)
